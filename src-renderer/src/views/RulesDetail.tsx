/**
 * One rule: what it is, and its matches in the case with their evidence lines. The rule's title
 * and author head the matches: the DRL licence of SigmaHQ rules asks for both wherever they show.
 */
import { useEffect, useRef } from 'react';
import type { RuleMatchRow, RuleRow } from '../../../src-shared/contract-rules';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useRules } from '../store/rules';

export function RuleDetail() {
  const selectedId = useRules((s) => s.selectedId)!;
  const rule = useRules((s) => s.rules.find((r) => r.id === s.selectedId));
  const matches = useRules((s) => s.matches);
  const loading = useRules((s) => s.matchesLoading);
  const select = useRules((s) => s.select);
  const loadMatches = useRules((s) => s.loadMatches);
  const setEnabled = useRules((s) => s.setEnabled);
  const showError = useApp((s) => s.showError);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [selectedId]);

  const title = rule?.title ?? matches?.rule.title ?? selectedId;
  const author = rule ? rule.author : (matches?.rule.author ?? null);

  return (
    <aside
      className="rules-detail"
      aria-label="Rule detail"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          const id = selectedId;
          select(null);
          (document.querySelector(`tr[data-rule-id="${CSS.escape(id)}"]`) as HTMLElement | null)?.focus();
        }
      }}
    >
      <div className="rules-detail-head">
        <h3 ref={heading} tabIndex={-1}>
          {title}
        </h3>
        <button className="ghost small" onClick={() => select(null)} aria-label="Close rule detail" title="Close (Esc)">
          ✕
        </button>
      </div>
      {rule ? <RuleFacts rule={rule} onToggle={() => void setEnabled(rule, !rule.enabled).catch(showError)} /> : <p className="muted">This rule is no longer loaded; its past matches are kept.</p>}

      <h3>Matches{matches && <span className="muted"> · {fmtInt(matches.total)}</span>}</h3>
      <div className="rules-attribution" data-testid="rule-attribution">
        <div>
          <span className="muted">Rule</span> <strong>{title}</strong>
        </div>
        <div>
          <span className="muted">Author</span> <strong>{author ?? 'not stated in the rule'}</strong>
        </div>
      </div>
      {!matches && loading && <p className="muted">Loading matches…</p>}
      {matches && matches.rows.length === 0 && <NoMatches rule={rule} />}
      {matches && matches.rows.length > 0 && (
        <ol className="rules-matches">
          {matches.rows.map((m) => (
            <Match key={m.alertId} match={m} />
          ))}
        </ol>
      )}
      {matches && matches.rows.length < matches.total && (
        <button className="ghost small" disabled={loading} onClick={() => void loadMatches(true).catch(showError)}>
          {loading ? 'Loading…' : `Show more (${fmtInt(matches.total - matches.rows.length)} left)`}
        </button>
      )}
    </aside>
  );
}

function RuleFacts({ rule, onToggle }: { rule: RuleRow; onToggle: () => void }) {
  const ls = rule.logsource;
  const logsource = ls ? [ls.product, ls.service, ls.category].filter(Boolean).join(' / ') : null;
  return (
    <>
      <dl className="rules-facts">
        <dt>Id</dt>
        <dd className="mono">{rule.id}</dd>
        <dt>Kind</dt>
        <dd>
          {rule.kind}
          {!rule.standalone && <span className="muted"> · feeds a correlation, does not alert by itself</span>}
        </dd>
        <dt>Level</dt>
        <dd>{rule.level ? <span className={`badge rules-level ${rule.level}`}>{rule.level}</span> : '—'}</dd>
        <dt>Status</dt>
        <dd>{rule.status ?? '—'}</dd>
        {logsource && (
          <>
            <dt>Logsource</dt>
            <dd>{logsource}</dd>
          </>
        )}
        <dt>Pack</dt>
        <dd>
          {rule.pack} · <span className="mono">{rule.file}</span>
        </dd>
        {rule.attack.techniques.length + rule.attack.tactics.length > 0 && (
          <>
            <dt>ATT&amp;CK</dt>
            <dd>
              {rule.attack.tactics.map((t) => (
                <span key={t.id} className="chip rules-attack" title={t.id}>
                  {t.name}
                </span>
              ))}
              {rule.attack.techniques.map((t) => (
                <span key={t} className="chip rules-attack">
                  {t}
                </span>
              ))}
            </dd>
          </>
        )}
        {rule.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd className="small">{rule.tags.join(', ')}</dd>
          </>
        )}
      </dl>
      {rule.kind !== 'filter' && (
        <label className="rules-toggle">
          <input type="checkbox" role="switch" className="rules-switch" checked={rule.enabled} onChange={onToggle} /> {rule.enabled ? 'On' : 'Off'}: this rule{' '}
          {rule.enabled ? 'runs' : 'does not run'} in detection
        </label>
      )}
    </>
  );
}

function NoMatches({ rule }: { rule: RuleRow | undefined }) {
  const eventCount = useApp((s) => s.currentCase?.eventCount ?? 0);
  let text = 'No matches in this case.';
  if (eventCount === 0) text = 'No events in this case yet. Import logs in Sources; matches appear once detection runs over them.';
  else if (rule && !rule.standalone) text = 'This rule only feeds a correlation: its hits count towards that correlation, whose matches are listed under it.';
  else if (rule && !rule.enabled) text = 'This rule is switched off. Switch it on and re-run detection to look for matches.';
  else if (rule?.logsource) text = 'No events of this case matched. Check that the logs hold events of its logsource.';
  return <p className="muted rules-no-matches">{text}</p>;
}

function Match({ match }: { match: RuleMatchRow }) {
  const c = match.correlation;
  const span = match.firstTs !== null && match.lastTs !== null && match.lastTs !== match.firstTs ? `${fmtTime(match.firstTs)} → ${fmtTime(match.lastTs)}` : fmtTime(match.firstTs);
  return (
    <li className="rules-match" data-testid="rule-match">
      <div className="rules-match-head">
        <span className={`badge rules-level ${match.severity}`}>{match.severity}</span>
        <span className="small">{span}</span>
        {c && (
          <span className="muted small">
            {c.type.replace(/_/g, ' ')}
            {c.value !== null && ` = ${fmtInt(c.value)}`}
          </span>
        )}
      </div>
      <div className="rules-match-entities">
        {(c ? Object.entries(c.group).map(([k, v]) => ({ type: k, value: v })) : match.entities).map((e) => (
          <span key={`${e.type}:${e.value}`} className="chip">
            <span className="muted">{e.type}</span> {e.value}
          </span>
        ))}
      </div>
      <ul className="rules-evidence">
        {match.events.map((e) => (
          <li key={e.id} className="mono" title={`${e.source}:${e.lineNo}`}>
            {e.raw}
          </li>
        ))}
      </ul>
      {match.evidenceCount > match.events.length && (
        <div className="muted small">
          {fmtInt(match.evidenceCount - match.events.length)} more evidence {match.evidenceCount - match.events.length === 1 ? 'line' : 'lines'}
        </div>
      )}
    </li>
  );
}
