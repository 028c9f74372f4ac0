/** One run in full: what was measured against what, per group kind and per named pattern. */
import type { ExperimentRecord, KindMetrics } from '../../../src-shared/contract-experiments';
import { fmtInt, fmtTime } from '../format';
import { useExperiments } from '../store/experiments';
import { fmtMetric, fmtParam, paramLabel, patternLabel } from './ExperimentsFormat';

export function ExperimentsDetail({ run }: { run: ExperimentRecord }) {
  const show = useExperiments((s) => s.show);
  const kinds = Object.values(run.kinds) as KindMetrics[];
  return (
    <section className="exp-card" aria-label={`Run ${run.name}`}>
      <div className="exp-card-head">
        <h3>
          #{run.id} {run.name}
        </h3>
        <button className="ghost small" onClick={() => void show(null)}>
          Close
        </button>
      </div>
      <p className="muted small">
        {fmtTime(run.createdAt)} · model {run.modelVersion} · features {run.featureSet} · truth <span className="mono">{run.labels.file}</span> ({run.labels.attacks}{' '}
        attacks, {run.labels.attacksInCase} in this case) · {Math.round(run.durationMs)} ms
      </p>
      <p className="exp-params small">
        {Object.entries(run.params).map(([k, v]) => (
          <span key={k} className="badge">
            {paramLabel(k)}: {fmtParam(v)}
          </span>
        ))}
      </p>
      {run.notes && <p className="small">{run.notes}</p>}
      {run.warnings.length > 0 && (
        <div className="notice" role="status">
          {run.warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </div>
      )}
      <h3>Isolation Forest</h3>
      {kinds.length === 0 ? (
        <p className="muted">No group kind had enough sessions or IP windows to train a forest.</p>
      ) : (
        <table className="grid exp-table" aria-label="Isolation Forest metrics">
          <thead>
            <tr>
              <th>Groups</th>
              <th className="num">Count</th>
              <th className="num">Attack</th>
              <th className="num">Trained on</th>
              <th className="num">Threshold</th>
              <th className="num">Precision</th>
              <th className="num">Recall</th>
              <th className="num">F1</th>
              <th className="num">ROC-AUC</th>
              <th className="num">PR-AUC</th>
            </tr>
          </thead>
          <tbody>
            {kinds.map((k) => (
              <tr key={k.kind}>
                <td>{k.kind === 'session' ? 'Sessions' : 'IP windows'}</td>
                <td className="num">{fmtInt(k.rows)}</td>
                <td className="num">{fmtInt(k.positives)}</td>
                <td className="num">{fmtInt(k.trainRows)}</td>
                <td className="num">{fmtMetric(k.threshold)}</td>
                <td className="num">{fmtMetric(k.precision)}</td>
                <td className="num">{fmtMetric(k.recall)}</td>
                <td className="num">{fmtMetric(k.f1)}</td>
                <td className="num">{fmtMetric(k.rocAuc)}</td>
                <td className="num">{fmtMetric(k.prAuc)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Named patterns</h3>
      <table className="grid exp-table" aria-label="Named pattern metrics">
        <thead>
          <tr>
            <th>Pattern</th>
            <th className="num">Alerts</th>
            <th className="num">Attacks</th>
            <th className="num">TP</th>
            <th className="num">FP</th>
            <th className="num">FN</th>
            <th className="num">Precision</th>
            <th className="num">Recall</th>
            <th className="num">F1</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(run.patterns).map(([p, s]) => (
            <tr key={p}>
              <td>{patternLabel(p)}</td>
              <td className="num">{s.detections}</td>
              <td className="num">{s.truths}</td>
              <td className="num">{s.tp}</td>
              <td className="num">{s.fp}</td>
              <td className="num">{s.fn}</td>
              <td className="num">{fmtMetric(s.precision)}</td>
              <td className="num">{fmtMetric(s.recall)}</td>
              <td className="num">{fmtMetric(s.f1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
