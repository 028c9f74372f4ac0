/** The rules table: search, filters, hits, ATT&CK and the on/off switch; keyboard first. */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { RULE_LEVELS, type RuleRow } from '../../../src-shared/contract-rules';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useRules, type RulesFilter } from '../store/rules';

export function RulesTable() {
  const rules = useRules((s) => s.rules);
  const total = useRules((s) => s.total);
  const loaded = useRules((s) => s.loaded);
  const filter = useRules((s) => s.filter);
  const setFilter = useRules((s) => s.setFilter);
  const refreshRules = useRules((s) => s.refreshRules);
  const selectedId = useRules((s) => s.selectedId);
  const select = useRules((s) => s.select);
  const showError = useApp((s) => s.showError);
  const body = useRef<HTMLTableSectionElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // The first load comes from the view; later ones follow the filters (typing is debounced).
    if (first.current) {
      first.current = false;
      return;
    }
    const t = setTimeout(() => void refreshRules().catch(showError), 150);
    return () => clearTimeout(t);
  }, [filter.query, filter.level, filter.enabled, filter.sort, refreshRules, showError]);

  const filtered = filter.query !== '' || filter.level !== '' || filter.enabled !== 'all' || filter.pack !== '';

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, rule: RuleRow) => {
    if (e.target !== e.currentTarget) return;
    const row = e.currentTarget;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
      next?.focus();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      select(rule.id);
    } else if (e.key === 'Escape') {
      select(null);
    }
  };

  return (
    <div className="rules-table">
      <div className="toolbar rules-toolbar">
        <input
          type="search"
          className="search"
          placeholder="Search title, id, author, tag, ATT&CK id"
          aria-label="Search rules"
          value={filter.query}
          onChange={(e) => setFilter({ query: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              (body.current?.firstElementChild as HTMLElement | null)?.focus();
            }
          }}
        />
        <select aria-label="Filter by level" value={filter.level} onChange={(e) => setFilter({ level: e.target.value as RulesFilter['level'] })}>
          <option value="">any level</option>
          {[...RULE_LEVELS].reverse().map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <select aria-label="Filter by state" value={filter.enabled} onChange={(e) => setFilter({ enabled: e.target.value as RulesFilter['enabled'] })}>
          <option value="all">on and off</option>
          <option value="on">on only</option>
          <option value="off">off only</option>
        </select>
        <label className="muted">
          Sort{' '}
          <select aria-label="Sort rules" value={filter.sort} onChange={(e) => setFilter({ sort: e.target.value as RulesFilter['sort'] })}>
            <option value="hits">most hits</option>
            <option value="level">level</option>
            <option value="title">title</option>
          </select>
        </label>
        <span className="muted" data-testid="rules-count">
          {loaded ? `${fmtInt(total)} ${total === 1 ? 'rule' : 'rules'}${filter.pack ? ` in ${filter.pack}` : ''}` : '…'}
        </span>
      </div>
      <div className="table-scroll plain">
        <table className="grid rules-grid" aria-label="Sigma rules">
          <thead>
            <tr>
              <th>Title</th>
              <th>Level</th>
              <th className="num">Hits</th>
              <th>ATT&amp;CK</th>
              <th>On</th>
            </tr>
          </thead>
          <tbody ref={body}>
            {rules.map((r) => (
              <RuleLine key={r.id} rule={r} selected={r.id === selectedId} onKey={onRowKey} />
            ))}
          </tbody>
        </table>
        {loaded && rules.length === 0 && (
          <div className="empty small rules-empty">
            {filtered ? (
              <p>
                No rules match these filters.{' '}
                <button
                  className="link"
                  onClick={() => {
                    setFilter({ query: '', level: '', enabled: 'all', pack: '' });
                    void refreshRules().catch(showError);
                  }}
                >
                  Clear the filters
                </button>
              </p>
            ) : (
              <p>No Sigma rules are loaded. Import a folder or .zip of rules with the path field above.</p>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

function RuleLine({ rule, selected, onKey }: { rule: RuleRow; selected: boolean; onKey: (e: KeyboardEvent<HTMLTableRowElement>, rule: RuleRow) => void }) {
  const select = useRules((s) => s.select);
  const setEnabled = useRules((s) => s.setEnabled);
  const showError = useApp((s) => s.showError);
  const toggle = () => void setEnabled(rule, !rule.enabled).catch(showError);
  const attack = rule.attack.techniques;
  return (
    <tr
      tabIndex={0}
      aria-selected={selected}
      className={[selected ? 'selected' : '', rule.enabled ? '' : 'rules-off'].join(' ').trim() || undefined}
      data-rule-id={rule.id}
      onClick={() => select(rule.id)}
      onKeyDown={(e) => {
        if (e.key === ' ' && e.target === e.currentTarget && rule.kind !== 'filter') {
          e.preventDefault();
          toggle();
          return;
        }
        onKey(e, rule);
      }}
    >
      <td>
        <div className="rules-title">{rule.title}</div>
        <div className="muted small">
          {rule.kind !== 'rule' && <span className="rules-kind">{rule.kind}</span>}
          {rule.author ?? 'unknown author'}
          {!rule.standalone && ' · feeds a correlation'}
        </div>
      </td>
      <td>{rule.level ? <span className={`badge rules-level ${rule.level}`}>{rule.level}</span> : <span className="muted">—</span>}</td>
      <td className="num" data-testid="rule-hits">
        {rule.standalone ? fmtInt(rule.hits) : <span className="muted">—</span>}
      </td>
      <td>
        {attack.slice(0, 3).map((t) => (
          <span key={t} className="chip rules-attack" title={rule.attack.tactics.map((x) => x.name).join(', ')}>
            {t}
          </span>
        ))}
        {attack.length > 3 && <span className="muted small"> +{attack.length - 3}</span>}
      </td>
      <td onClick={(e) => e.stopPropagation()}>
        {rule.kind === 'filter' ? (
          <span className="muted small" title="Filters narrow other rules; remove their pack to drop them">
            filter
          </span>
        ) : (
          <input type="checkbox" role="switch" className="rules-switch" checked={rule.enabled} onChange={toggle} aria-label={`Enabled: ${rule.title}`} />
        )}
      </td>
    </tr>
  );
}
