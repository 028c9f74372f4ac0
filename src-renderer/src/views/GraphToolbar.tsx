/** The explorer's controls: find an entity, what to show (size, types, time, risk), and actions. */
import { memo, useEffect, useRef, useState } from 'react';
import { GRAPH_ENTITY_TYPES, type GraphEntityType, type GraphNode } from '../../../src-shared/contract-graph';
import { BackButton } from '../components/BackButton';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { NODE_CAPS, timeBound, useGraph } from '../store/graph';
import { communityColour } from './GraphCanvas';

const TYPE_LABELS: Record<GraphEntityType, string> = {
  ip: 'IPs',
  user: 'users',
  host: 'hosts',
  process: 'processes',
  file: 'files',
  domain: 'domains',
  url: 'paths',
  user_agent: 'agents',
};

export const GraphToolbar = memo(function GraphToolbar({ onExport, onFit }: { onExport(): void; onFit(): void }) {
  const filter = useGraph((s) => s.filter);
  const setFilter = useGraph((s) => s.setFilter);
  const summary = useGraph((s) => s.summary);
  const computing = useGraph((s) => s.computing);
  const mode = useGraph((s) => s.mode);
  const showError = useApp((s) => s.showError);
  const present = GRAPH_ENTITY_TYPES.filter((t) => (summary?.byType[t] ?? 0) > 0);

  const toggleType = (t: GraphEntityType) => {
    const all = filter.types.length === 0 ? present : filter.types;
    const next = all.includes(t) ? all.filter((x) => x !== t) : [...all, t];
    setFilter({ types: next.length === present.length ? [] : next });
  };

  return (
    <div className="graph-toolbar">
      <div className="toolbar">
        <BackButton />
        <EntitySearch />
        <label className="graph-field">
          Show
          <select aria-label="Vertices shown" value={filter.maxNodes} onChange={(e) => setFilter({ maxNodes: Number(e.target.value) })}>
            {NODE_CAPS.map((n) => (
              <option key={n} value={n}>
                {fmtInt(n)}
              </option>
            ))}
          </select>
        </label>
        <button className="ghost small" onClick={() => void useGraph.getState().showOverview().catch(showError)} disabled={mode.kind === 'overview'}>
          Overview
        </button>
        <button className="ghost small" onClick={onFit}>
          Fit
        </button>
        <button className="ghost small" onClick={onExport}>
          Export PNG
        </button>
        <button className="ghost small" onClick={() => void useGraph.getState().recompute().catch(showError)} disabled={computing} title="Run PageRank, Louvain and betweenness again">
          {computing ? 'Computing…' : 'Recompute'}
        </button>
      </div>
      <div className="toolbar graph-filters">
        <div className="graph-types" role="group" aria-label="Entity types">
          {present.map((t) => {
            const on = filter.types.length === 0 || filter.types.includes(t);
            return (
              <button key={t} className={on ? 'chip graph-type on' : 'chip graph-type'} aria-pressed={on} onClick={() => toggleType(t)}>
                {TYPE_LABELS[t]} <span className="muted">{fmtInt(summary?.byType[t] ?? 0)}</span>
              </button>
            );
          })}
        </div>
        <TimeField label="From" aria="Seen from" side="from" value={filter.from} onChange={(from) => setFilter({ from })} />
        <TimeField label="To" aria="Seen until" side="to" value={filter.to} onChange={(to) => setFilter({ to })} />
        <span className="muted small">UTC</span>
        <label className="graph-field">
          Min risk
          <input
            type="number"
            min={0}
            step={1}
            className="graph-risk"
            aria-label="Minimum risk"
            value={filter.minRisk}
            onChange={(e) => setFilter({ minRisk: Math.max(0, Number(e.target.value) || 0) })}
          />
        </label>
        {summary?.last && (
          <span className="muted small graph-run" title={summary.last.error ?? undefined}>
            {summary.last.status === 'failed'
              ? 'last computation failed'
              : `${fmtInt(summary.communities)} communities · modularity ${summary.last.modularity?.toFixed(2) ?? '—'} · ${summary.last.ms} ms ${summary.last.mode === 'worker' ? 'in background' : ''}`}
          </span>
        )}
      </div>
    </div>
  );
});

/** A UTC time typed as the rest of the workbench writes it (2015-05-17 10:05); applied on Enter or leaving the box. */
function TimeField({ label, aria, side, value, onChange }: { label: string; aria: string; side: 'from' | 'to'; value: string; onChange(v: string): void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const bad = draft.trim() !== '' && timeBound(draft, side) === undefined;
  const apply = () => {
    if (!bad && draft.trim() !== value) onChange(draft.trim());
  };
  return (
    <label className="graph-field">
      {label}
      <input
        type="text"
        className={`graph-time${bad ? ' invalid' : ''}`}
        aria-label={aria}
        aria-invalid={bad}
        placeholder="YYYY-MM-DD HH:MM"
        title={bad ? 'Write a UTC time: 2015-05-17, 2015-05-17 10:05 or 2015-05-17T10:05:03' : `${label} (UTC); a date alone is the whole day`}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          else if (e.key === 'Escape') setDraft(value);
        }}
      />
    </label>
  );
}

function EntitySearch() {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<GraphNode[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const showError = useApp((s) => s.showError);
  const seq = useRef(0);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setHits([]);
      return;
    }
    const n = ++seq.current;
    const t = setTimeout(() => {
      useGraph
        .getState()
        .find(q)
        .then((r) => {
          if (seq.current !== n) return;
          setHits(r);
          setActive(0);
          setOpen(true);
        })
        .catch(showError);
    }, 120);
    return () => clearTimeout(t);
  }, [query, showError]);

  const pick = (n: GraphNode) => {
    setOpen(false);
    setQuery(n.value);
    void useGraph.getState().focus(n).catch(showError);
  };

  return (
    <div className="graph-search">
      <input
        type="search"
        className="search"
        placeholder="Find an IP, user, host, path…"
        aria-label="Find entity"
        role="combobox"
        aria-expanded={open && hits.length > 0}
        aria-controls="graph-search-hits"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onFocus={() => hits.length > 0 && setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(hits.length - 1, a + 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
          else if (e.key === 'Enter' && hits[active]) pick(hits[active]!);
          else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && query.trim() && (
        <ul className="graph-hits" id="graph-search-hits" role="listbox" aria-label="Matching entities">
          {hits.length === 0 && <li className="muted small graph-nohit">No entity contains “{query.trim()}”.</li>}
          {hits.map((n, i) => (
            <li key={n.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(n)}>
              <span className="graph-swatch" style={{ background: communityColour(n.community) }} />
              <span className="badge">{n.type}</span> <span className="mono">{n.value}</span>
              <span className="muted small"> {fmtInt(n.events)} events</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
