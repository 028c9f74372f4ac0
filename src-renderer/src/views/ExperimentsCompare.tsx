/** Two runs side by side: every metric with the better value marked, and what changed between them. */
import type { ComparisonRow, ExperimentComparison } from '../../../src-shared/contract-experiments';
import { useExperiments } from '../store/experiments';
import { fmtDelta, fmtMetric, fmtParam, metricLabel, paramLabel, sectionLabel } from './ExperimentsFormat';

export function ExperimentsCompare({ comparison }: { comparison: ExperimentComparison }) {
  const close = useExperiments((s) => s.closeComparison);
  const { a, b, rows, parameterChanges, comparable } = comparison;
  const sections = [...new Set(rows.map((r) => r.section))];
  return (
    <section className="exp-card" aria-label="Comparison">
      <div className="exp-card-head">
        <h3>
          Comparing <span className="exp-tag">A</span> #{a.id} {a.name} with <span className="exp-tag">B</span> #{b.id} {b.name}
        </h3>
        <button className="ghost small" onClick={close}>
          Close
        </button>
      </div>
      {!comparable && (
        <div className="notice" role="status">
          <p>These runs were measured against different ground truth or different groups: their numbers are not directly comparable.</p>
        </div>
      )}
      <div className="exp-compare">
        <table className="grid exp-table" aria-label="Metrics side by side">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">A · {a.name}</th>
              <th className="num">B · {b.name}</th>
              <th className="num">B − A</th>
            </tr>
          </thead>
          {sections.map((s) => (
            <tbody key={s}>
              <tr className="exp-section">
                <th colSpan={4}>{sectionLabel(s)}</th>
              </tr>
              {rows
                .filter((r) => r.section === s)
                .map((r) => (
                  <CompareRow key={`${r.section}/${r.metric}`} row={r} />
                ))}
            </tbody>
          ))}
        </table>
        <div>
          <table className="grid exp-table" aria-label="Parameters that differ">
            <thead>
              <tr>
                <th>Parameter</th>
                <th className="num">A</th>
                <th className="num">B</th>
              </tr>
            </thead>
            <tbody>
              {parameterChanges.length === 0 ? (
                <tr>
                  <td colSpan={3} className="muted">
                    Same parameters
                  </td>
                </tr>
              ) : (
                parameterChanges.map((p) => (
                  <tr key={p.name}>
                    <td>{paramLabel(p.name)}</td>
                    <td className="num">{fmtParam(p.a)}</td>
                    <td className="num">{fmtParam(p.b)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
          <p className="muted small">
            Model {a.modelVersion === b.modelVersion ? a.modelVersion : `${a.modelVersion} → ${b.modelVersion}`} · features{' '}
            {a.featureSet === b.featureSet ? a.featureSet : `${a.featureSet} → ${b.featureSet}`}
          </p>
        </div>
      </div>
    </section>
  );
}

function CompareRow({ row }: { row: ComparisonRow }) {
  const cell = (side: 'a' | 'b', v: number | null) => (
    <td className={row.better === side ? 'num exp-better' : 'num'} data-better={row.better === side ? 'true' : undefined} title={row.better === side ? 'better' : undefined}>
      {row.better === side && (
        <span className="exp-mark" aria-label="better">
          ▲{' '}
        </span>
      )}
      {fmtMetric(v)}
    </td>
  );
  return (
    <tr>
      <td>{metricLabel(row.metric)}</td>
      {cell('a', row.a)}
      {cell('b', row.b)}
      <td className={row.delta === null || Math.abs(row.delta) < 5e-4 ? 'num muted' : row.delta > 0 ? 'num exp-up' : 'num exp-down'}>{fmtDelta(row.delta)}</td>
    </tr>
  );
}
