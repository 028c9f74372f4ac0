/** The packs of the case: bundled and imported, with counts, and the rules that failed to load and why. */
import type { RuleLoadError, RulePackRow } from '../../../src-shared/contract-rules';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useRules } from '../store/rules';

export function RulePacks() {
  const packs = useRules((s) => s.packs);
  const loaded = useRules((s) => s.loaded);
  const imported = packs.filter((p) => !p.bundled);
  return (
    <div className="rules-packs" aria-label="Rule packs" role="region">
      <h3>Packs</h3>
      <ul className="rules-pack-list">
        {packs.map((p) => (
          <PackCard key={p.id ?? p.name} pack={p} />
        ))}
      </ul>
      {loaded && imported.length === 0 && (
        <p className="muted small rules-empty-packs">
          No pack imported yet. Enter the path of a folder or .zip of Sigma rules above (SigmaHQ's <code>rules/linux</code> or <code>rules/web</code> suit
          these logs); they are stored in the case file, so the case keeps working without them.
        </p>
      )}
    </div>
  );
}

function PackCard({ pack }: { pack: RulePackRow }) {
  const filter = useRules((s) => s.filter);
  const setFilter = useRules((s) => s.setFilter);
  const refreshRules = useRules((s) => s.refreshRules);
  const removePack = useRules((s) => s.removePack);
  const showError = useApp((s) => s.showError);
  const active = filter.pack === pack.name;
  const total = pack.rules + pack.correlations + pack.filters;

  const toggleFilter = () => {
    setFilter({ pack: active ? '' : pack.name });
    void refreshRules().catch(showError);
  };

  const remove = () => {
    if (pack.id === null) return;
    if (!window.confirm(`Remove the pack "${pack.name}" and its ${total} rules from this case? Detection re-runs without them.`)) return;
    void removePack(pack.id).catch(showError);
  };

  return (
    <li className={active ? 'rules-pack active' : 'rules-pack'} data-testid="rule-pack" data-pack={pack.name}>
      <div className="rules-pack-head">
        <strong title={pack.origin}>{pack.bundled ? 'Bundled rules' : pack.name}</strong>
        {pack.bundled ? <span className="badge">bundled</span> : <span className="badge">imported</span>}
        {pack.errors.length > 0 && <span className="badge failed">{pack.errors.length} failed</span>}
      </div>
      <div className="muted small">
        {fmtInt(pack.rules)} rules · {fmtInt(pack.correlations)} correlations
        {pack.filters > 0 && ` · ${fmtInt(pack.filters)} filters`}
        {pack.disabled > 0 && ` · ${fmtInt(pack.disabled)} off`} · <span data-testid="pack-hits">{fmtInt(pack.hits)} hits</span>
      </div>
      <div className="muted small rules-pack-origin" title={pack.origin}>
        {pack.bundled ? 'ships with Vigil' : `from ${pack.origin}`}
        {pack.addedAt !== null && ` · ${fmtTime(pack.addedAt)}`}
      </div>
      <div className="rules-pack-actions">
        <button className="ghost small" onClick={toggleFilter} aria-pressed={active} disabled={total === 0}>
          {active ? 'Show all rules' : 'Show its rules'}
        </button>
        {pack.id !== null && (
          <button className="ghost small" onClick={remove}>
            Remove
          </button>
        )}
      </div>
      {pack.errors.length > 0 && <LoadErrors errors={pack.errors} />}
      {pack.warnings.length > 0 && (
        <details className="rules-errors warnings">
          <summary>{pack.warnings.length} warnings</summary>
          <ul>
            {pack.warnings.map((w, i) => (
              <li key={i}>
                <span className="mono">{w.file}</span>
                {w.rule && <> · {w.rule}</>}: {w.field && <code>{w.field}:</code>} {w.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

function LoadErrors({ errors }: { errors: RuleLoadError[] }) {
  return (
    <details className="rules-errors">
      <summary>
        {errors.length} {errors.length === 1 ? 'rule' : 'rules'} could not load
      </summary>
      <ul>
        {errors.map((e, i) => (
          <li key={`${e.file}-${i}`}>
            <div>
              <span className="mono">{e.file}</span>
              {e.title && (
                <>
                  {' '}
                  · <strong>{e.title}</strong>
                </>
              )}
              {e.ruleId && <span className="muted"> ({e.ruleId})</span>}
            </div>
            <ul className="rules-reasons">
              {e.reasons.map((r, j) => (
                <li key={j}>
                  {r.field && <code>{r.field}:</code>} {r.reason}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </details>
  );
}
