/**
 * Experiments: runs of the behaviour models measured against ground truth, a form to start one,
 * and two runs side by side.
 */
import { useEffect } from 'react';
import type { ExperimentSummary } from '../../../src-shared/contract-experiments';
import { fmtTime } from '../format';
import { useApp } from '../store/app';
import { useExperiments } from '../store/experiments';
import { ExperimentsCompare } from './ExperimentsCompare';
import { ExperimentsDetail } from './ExperimentsDetail';
import { ExperimentsForm } from './ExperimentsForm';
import { fmtMetric, fmtParam } from './ExperimentsFormat';

export function ExperimentsView() {
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);
  const loaded = useExperiments((s) => s.loaded);
  const runs = useExperiments((s) => s.runs);
  const detail = useExperiments((s) => s.detail);
  const comparison = useExperiments((s) => s.comparison);

  useEffect(() => {
    const store = useExperiments.getState();
    store.reset();
    void store.refresh().catch(showError);
  }, [casePath, showError]);

  return (
    <section className="panel exp-view" aria-label="Experiments">
      <h2>Experiments</h2>
      <p className="muted exp-lead">
        Each run retrains the Isolation Forests on this case&rsquo;s sessions and IP windows with the parameters below, scores them, and measures them and the
        named-pattern alerts against ground truth.
      </p>
      <ExperimentsForm />
      {loaded && runs.length === 0 ? <ExperimentsEmpty /> : <RunsTable />}
      {comparison ? <ExperimentsCompare comparison={comparison} /> : detail ? <ExperimentsDetail run={detail} /> : null}
    </section>
  );
}

function ExperimentsEmpty() {
  return (
    <div className="exp-empty" role="note">
      <h3>No runs yet</h3>
      <p>
        A run needs <strong>labels</strong>: which sources really attacked, and when. Until you label incidents, give it a <strong>ground-truth file</strong>{' '}
        (<code>truth.json</code>): a list of attacks, each with its pattern (<code>brute_force</code>, <code>password_spraying</code>, …), source IP (
        <code>key</code>) and time span (<code>start</code>, <code>end</code> in epoch ms).
      </p>
      <p>
        To try it, generate a labelled scenario with <code>vigil eval --scenario 1 --out DIR</code>, import its <code>auth.log</code> and <code>access.log</code>{' '}
        in Sources, then run an experiment here with its <code>truth.json</code>. Run again with other trees, sample size or seed, tick two runs and compare them.
      </p>
    </div>
  );
}

function RunsTable() {
  const runs = useExperiments((s) => s.runs);
  const picked = useExperiments((s) => s.picked);
  const detailId = useExperiments((s) => s.detail?.id);
  const togglePick = useExperiments((s) => s.togglePick);
  const compare = useExperiments((s) => s.compare);
  const show = useExperiments((s) => s.show);
  const remove = useExperiments((s) => s.remove);
  const showError = useApp((s) => s.showError);

  return (
    <>
      <div className="toolbar exp-toolbar">
        <h3>Runs</h3>
        <span className="muted small">{picked.length === 2 ? 'Two runs picked' : `Tick two runs to compare them (${picked.length} of 2)`}</span>
        <button onClick={() => void compare().catch(showError)} disabled={picked.length !== 2}>
          Compare
        </button>
      </div>
      <div className="table-scroll plain exp-runs">
        <table className="grid" aria-label="Experiment runs">
          <thead>
            <tr>
              <th aria-label="Pick" />
              <th className="num">#</th>
              <th>Name</th>
              <th>When</th>
              <th className="num">Trees</th>
              <th className="num">Sample</th>
              <th className="num">Seed</th>
              <th>Threshold</th>
              <th className="num">Sessions F1</th>
              <th className="num">Sessions ROC-AUC</th>
              <th className="num">IP windows F1</th>
              <th className="num">IP windows ROC-AUC</th>
              <th className="num">Pattern F1</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <RunRow
                key={r.id}
                run={r}
                picked={picked.includes(r.id)}
                active={detailId === r.id}
                onPick={() => togglePick(r.id)}
                onOpen={() => void show(r.id).catch(showError)}
                onDelete={() => void remove(r.id).catch(showError)}
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RunRow(props: { run: ExperimentSummary; picked: boolean; active: boolean; onPick(): void; onOpen(): void; onDelete(): void }) {
  const { run: r } = props;
  return (
    <tr
      className={props.active ? 'exp-active' : props.picked ? 'exp-picked' : undefined}
      tabIndex={0}
      onClick={props.onOpen}
      onKeyDown={(e) => {
        if (e.key === 'Enter') props.onOpen();
        if (e.key === ' ') {
          e.preventDefault();
          props.onPick();
        }
      }}
    >
      <td onClick={(e) => e.stopPropagation()}>
        <input type="checkbox" checked={props.picked} onChange={props.onPick} aria-label={`Pick ${r.name} for comparison`} />
      </td>
      <td className="num muted">{r.id}</td>
      <td>
        <strong>{r.name}</strong>
      </td>
      <td className="muted nowrap">{fmtTime(r.createdAt)}</td>
      <td className="num">{fmtParam(r.params.trees)}</td>
      <td className="num">{fmtParam(r.params.sampleSize)}</td>
      <td className="num">{fmtParam(r.params.seed)}</td>
      <td>{fmtParam(r.params.threshold)}</td>
      <td className="num">{fmtMetric(r.sessionF1)}</td>
      <td className="num">{fmtMetric(r.sessionRocAuc)}</td>
      <td className="num">{fmtMetric(r.ipWindowF1)}</td>
      <td className="num">{fmtMetric(r.ipWindowRocAuc)}</td>
      <td className="num">{fmtMetric(r.patternF1)}</td>
      <td onClick={(e) => e.stopPropagation()}>
        <button className="ghost small" onClick={props.onDelete} aria-label={`Delete ${r.name}`}>
          Delete
        </button>
      </td>
    </tr>
  );
}
