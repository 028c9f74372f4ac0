/** The incident queue: a virtualised table sorted and filtered in the engine; j/k or arrows, Enter, Esc. */
import { tableFeatures, useTable, type ColumnDef } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { INCIDENT_CATEGORIES, INCIDENT_SEVERITIES, INCIDENT_STATUSES, type IncidentRow } from '../../../src-shared/contract-incidents';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useIncidents, type IncidentsFilter } from '../store/incidents';
import { IncidentLlmSettings } from './IncidentLlm';
import { useTriage } from '../store/triage';
import { TriageBulkBar } from './TriageBulkBar';
import { categoryLabel, fmtShort, patternLabel, RiskBadge, SeverityBadge } from './IncidentParts';
import { indexFields, parseQuery, QueryError } from '../../../src-shared/query';
import { INCIDENT_FIELDS } from '../../../src-shared/query-fields';
import { detectingText, useDetect } from '../store/detect';
import { useCollector } from '../store/collector';
import { useIngest } from '../store/ingest';
import { QueryHelp, QueryProblemLine } from './QueryParts';

const ROW_HEIGHT = 42;
const HEAD_HEIGHT = 30;
const FEATURES = tableFeatures({});
const INCIDENT_FIELD_INDEX = indexFields(INCIDENT_FIELDS);

interface Column {
  id: string;
  header: string;
  sort?: IncidentsFilter['sort'];
  width: string;
  /** Left out when the table is narrower than this (px), so the rest keep their room. */
  hideBelow?: number;
  cell: (r: IncidentRow) => React.ReactNode;
}

const COLUMNS: Column[] = [
  // The selection checkbox is drawn by the row itself (it needs the selection state).
  { id: 'sel', header: '', width: '28px', cell: () => null },
  { id: 'priority', header: 'Prio', sort: 'priority', width: '40px', cell: (r) => <span className="num">{r.priority.toFixed(0)}</span> },
  { id: 'severity', header: 'Severity', sort: 'severity', width: '76px', cell: (r) => <SeverityBadge severity={r.severity} /> },
  {
    id: 'category',
    header: 'Category',
    sort: 'category',
    width: '140px',
    hideBelow: 1000,
    cell: (r) => (
      <span className={`inc-cat ${r.category}`} title={categoryLabel(r.category)}>
        {r.category === 'auth_attack' && r.pattern ? patternLabel(r.pattern) : categoryLabel(r.category)}
      </span>
    ),
  },
  {
    id: 'title',
    header: 'Incident',
    width: 'minmax(220px, 3fr)',
    cell: (r) => (
      <span className="inc-title-cell" title={`${r.title}\n${r.summary}`}>
        {r.kind === 'campaign' ? (
          <span className="badge inc-campaign" title={`One row for ${r.memberCount} addresses that behave alike`}>
            campaign · {fmtInt(r.memberCount)}
          </span>
        ) : r.campaignId ? (
          <span className="badge inc-lifted" title="Got in: lifted out of its campaign">
            ↑ got in
          </span>
        ) : null}
        <TitleLine row={r} />
        <span className="muted inc-summary-line">{r.summary}</span>
      </span>
    ),
  },
  {
    id: 'entities',
    header: 'Entities',
    width: 'minmax(120px, 1fr)',
    hideBelow: 1150,
    cell: (r) => (
      <span className="mono inc-ellipsis" title={r.entities.map((e) => `${e.type} ${e.value}`).join('\n')}>
        {r.kind === 'campaign' ? `${fmtInt(r.memberCount)} addresses · ` : ''}
        {r.entities
          .slice(0, 4)
          .map((e) => e.value)
          .join(', ')}
        {r.entities.length > 4 ? ' …' : ''}
      </span>
    ),
  },
  { id: 'risk', header: 'Risk', sort: 'risk', width: '48px', cell: (r) => <RiskBadge risk={r.risk} /> },
  { id: 'events', header: 'Events', sort: 'events', width: '58px', cell: (r) => <span className="num">{fmtInt(r.eventCount)}</span> },
  { id: 'first', header: 'First (UTC)', sort: 'first', width: '124px', cell: (r) => <span className="mono">{fmtShort(r.firstTs)}</span> },
  {
    id: 'status',
    header: 'Status',
    width: '92px',
    cell: (r) => (
      <span>
        {r.status}
        {r.label ? <span className={`badge inc-label ${r.label}`}>{r.label === 'true' ? 'true' : 'benign'}</span> : null}
      </span>
    ),
  },
];

/**
 * The title on one line, its actor never cut: "Possible compromise after failed logins from
 * 24.151.103.17" loses words of its first part before a digit of the address.
 */
function TitleLine({ row }: { row: IncidentRow }) {
  const who = row.groupKey.slice(row.groupKey.indexOf(':') + 1);
  const cut = who && row.title.endsWith(who) ? row.title.length - who.length : -1;
  if (cut <= 0) return <strong className="inc-title-line">{row.title}</strong>;
  return (
    <strong className="inc-title-line split">
      <span className="inc-title-name">{row.title.slice(0, cut)}</span>
      <span className="inc-title-actor">{who}</span>
    </strong>
  );
}

export function IncidentQueue() {
  const { rows, total, counts, loaded, filter, cursor, setFilter, setCursor, open, refresh } = useIncidents();
  const selected = useTriage((s) => s.selected);
  const showError = useApp((s) => s.showError);
  const setView = useApp((s) => s.setView);
  const [draft, setDraft] = useState(filter.query);
  const [showLlm, setShowLlm] = useState(false);
  const [help, setHelp] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const first = useRef(true);
  const [width, setWidth] = useState(1400);
  const detecting = useDetect((s) => s.running);
  const importing = useIngest((s) => s.jobs.some((j) => j.status === 'running' && !j.live));
  const collecting = useCollector((s) => s.status?.running ?? false);
  const problem = useMemo(() => {
    try {
      parseQuery(draft, INCIDENT_FIELD_INDEX);
      return null;
    } catch (e) {
      return e instanceof QueryError ? { message: e.message, position: e.position, length: e.length } : null;
    }
  }, [draft]);

  useEffect(() => {
    if (problem) return;
    const t = setTimeout(() => {
      if (draft !== useIncidents.getState().filter.query) setFilter({ query: draft });
    }, 250);
    return () => clearTimeout(t);
  }, [draft, problem, setFilter]);

  useEffect(() => {
    const el = tableRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, [loaded, rows.length > 0]);
  const visible = useMemo(() => COLUMNS.filter((c) => !c.hideBelow || width >= c.hideBelow), [width]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void refresh().catch(showError);
  }, [filter.query, filter.category, filter.severity, filter.status, filter.label, filter.kind, filter.sort, filter.desc, refresh, showError]);

  const columns = useMemo<ColumnDef<typeof FEATURES, IncidentRow>[]>(() => visible.map((c) => ({ id: c.id, header: c.header })), [visible]);
  // Sorting and filtering run in the engine; the table models columns and rows for the virtual list.
  const table = useTable({ features: FEATURES, columns, data: rows, getRowId: (r: IncidentRow) => r.id });
  const tableRows = table.getRowModel().rows;

  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The header sits in the same scroller (so it scrolls sideways with the rows), above them.
    scrollMargin: HEAD_HEIGHT,
  });

  // Follow the cursor when it moves to another incident, not when rows arrive around it while
  // collecting: the analyst's scroll stays where it was.
  const cursorId = rows[cursor]?.id;
  useEffect(() => {
    if (cursorId !== undefined) virtualizer.scrollToIndex(useIncidents.getState().cursor, { align: 'auto' });
  }, [cursorId, virtualizer]);

  useEffect(() => {
    // Keep focus in the list after coming back from a detail, so j/k work at once.
    scrollRef.current?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    // The queue answers j/k, arrows, Home/End and Enter wherever focus is, except while typing.
    const onKey = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      // A row's selection checkbox is not a text field: the queue's keys keep working there.
      const checkbox = t instanceof HTMLInputElement && t.type === 'checkbox';
      if (t && !checkbox && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const st = useIncidents.getState();
      if (e.key === 'ArrowDown' || e.key === 'j') st.setCursor(st.cursor + 1);
      else if (e.key === 'ArrowUp' || e.key === 'k') st.setCursor(st.cursor - 1);
      else if (e.key === 'Home') st.setCursor(0);
      else if (e.key === 'End') st.setCursor(st.rows.length - 1);
      else if (e.key === 'Enter' && t?.tagName !== 'BUTTON') {
        const row = st.rows[st.cursor];
        if (!row) return;
        void st.open(row.id);
      } else if (e.key === '/') searchRef.current?.focus();
      else if (e.key === 'x' || (e.key === ' ' && !checkbox && t?.tagName !== 'BUTTON')) {
        // Select the row under the cursor for bulk labelling.
        const row = st.rows[st.cursor];
        if (row) useTriage.getState().toggle(row.id);
      } else if (e.key === 't' || e.key === 'b' || e.key === 'u') {
        // Label the selection, or the row under the cursor when nothing is selected.
        const tr = useTriage.getState();
        const row = st.rows[st.cursor];
        const ids = tr.selected.length ? tr.selected : row ? [row.id] : [];
        void tr.label(ids, e.key === 't' ? 'true' : e.key === 'b' ? 'benign' : null).catch(useApp.getState().showError);
      } else if (e.key === 'Escape' && useTriage.getState().selected.length) useTriage.getState().setSelected([]);
      else return;
      e.preventDefault();
    };
    const onSelectAll = (e: globalThis.KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === 'a') {
        e.preventDefault();
        useTriage.getState().setSelected(useIncidents.getState().rows.map((r) => r.id));
      }
    };
    window.addEventListener('keydown', onSelectAll);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keydown', onSelectAll);
    };
  }, []);

  const filtered =
    filter.query !== '' || filter.category !== '' || filter.severity !== '' || filter.status !== '' || filter.label !== '' || filter.kind !== '';
  const grid = visible.map((c) => c.width).join(' ');
  const allTotal = counts ? Object.values(counts.category).reduce((a, b) => a + b, 0) : 0;

  return (
    <div className="inc-queue">
      <div className="toolbar inc-toolbar">
        <input
          ref={searchRef}
          type="search"
          className={`search${problem ? ' invalid' : ''}`}
          placeholder="Search: words, ip:…, user:…, severity:>=high, label:none, NOT, OR   (/ to focus)"
          aria-label="Search incidents"
          aria-invalid={!!problem}
          spellCheck={false}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' || e.key === 'Enter') {
              e.preventDefault();
              scrollRef.current?.focus();
            } else if (e.key === 'Escape') setDraft('');
          }}
        />
        <button
          className={help ? 'ghost small on' : 'ghost small'}
          aria-label="Search syntax"
          aria-expanded={help}
          onClick={() => setHelp(!help)}
        >
          ?
        </button>
        <select
          aria-label="Filter by category"
          value={filter.category}
          onChange={(e) => setFilter({ category: e.target.value as IncidentsFilter['category'] })}
        >
          <option value="">any category</option>
          {INCIDENT_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {categoryLabel(c)} ({counts?.category[c] ?? 0})
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by severity"
          value={filter.severity}
          onChange={(e) => setFilter({ severity: e.target.value as IncidentsFilter['severity'] })}
        >
          <option value="">any severity</option>
          {[...INCIDENT_SEVERITIES].reverse().map((s) => (
            <option key={s} value={s}>
              {s} ({counts?.severity[s] ?? 0})
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by status"
          value={filter.status}
          onChange={(e) => setFilter({ status: e.target.value as IncidentsFilter['status'] })}
        >
          <option value="">any status</option>
          {INCIDENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s} ({counts?.status[s] ?? 0})
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by label"
          value={filter.label}
          onChange={(e) => setFilter({ label: e.target.value as IncidentsFilter['label'] })}
        >
          <option value="">any label</option>
          <option value="true">true incident ({counts?.label['true'] ?? 0})</option>
          <option value="benign">benign ({counts?.label['benign'] ?? 0})</option>
          <option value="none">unlabelled ({counts?.label['none'] ?? 0})</option>
        </select>
        <select aria-label="Filter by kind" value={filter.kind} onChange={(e) => setFilter({ kind: e.target.value as IncidentsFilter['kind'] })}>
          <option value="">campaigns and incidents</option>
          <option value="campaign">campaigns ({counts?.kind?.['campaign'] ?? 0})</option>
          <option value="incident">single incidents ({counts?.kind?.['incident'] ?? 0})</option>
        </select>
        <span className="muted" data-testid="incidents-count">
          {filtered ? `${fmtInt(total)} of ${fmtInt(allTotal)}` : fmtInt(total)} incident{total === 1 ? '' : 's'}
        </span>
        <button className="ghost small" onClick={() => setShowLlm(!showLlm)} aria-expanded={showLlm}>
          Explanations…
        </button>
      </div>
      {problem && <QueryProblemLine query={draft} problem={problem} />}
      {help && (
        <QueryHelp
          fields={INCIDENT_FIELDS}
          onTry={(example) => {
            setDraft(example);
            setFilter({ query: example });
          }}
          onClose={() => setHelp(false)}
        />
      )}
      {showLlm && <IncidentLlmSettings onClose={() => setShowLlm(false)} />}
      {rows.length > 0 && (detecting || importing) && (
        <p className="inc-busy small" role="status" data-testid="queue-detecting">
          {importing ? 'Importing… ' : ''}
          {detecting ? detectingText(detecting) : ''} The queue refreshes when the pass ends.
        </p>
      )}
      <TriageBulkBar />
      {!loaded ? (
        <p className="muted">Loading incidents…</p>
      ) : rows.length === 0 ? (
        <div className="empty small">
          {filtered ? (
            <p>No incident matches these filters.</p>
          ) : detecting || importing ? (
            <div data-testid="queue-detecting">
              <h2>{detecting ? detectingText(detecting) : 'Importing…'}</h2>
              <p>Incidents appear here when the detection pass over the case ends.</p>
            </div>
          ) : collecting ? (
            <div data-testid="queue-collecting">
              <h2>No incidents yet</h2>
              <p>The collector is running: incidents appear here within seconds of the lines that show them.</p>
            </div>
          ) : (
            <>
              <h2>No incidents yet</h2>
              <p>
                Incidents group related alerts from every detector. Import logs in Sources; incidents appear here when detection has run on
                them.
              </p>
              <button onClick={() => setView('sources')}>Go to Sources</button>
            </>
          )}
        </div>
      ) : (
        <div ref={tableRef} className="inc-table" role="grid" aria-label="Incident queue" aria-rowcount={rows.length}>
          <div
            ref={scrollRef}
            className="inc-scroll"
            tabIndex={0}
            aria-activedescendant={rows[cursor] ? `inc-row-${rows[cursor]!.id}` : undefined}
          >
            <div className="inc-head" role="row" style={{ gridTemplateColumns: grid }}>
              {table.getHeaderGroups()[0]!.headers.map((h, i) => {
                const col = visible[i]!;
                const active = col.sort && filter.sort === col.sort;
                return (
                  <div
                    key={h.id}
                    role="columnheader"
                    aria-sort={active ? (filter.desc ? 'descending' : 'ascending') : undefined}
                    className={col.sort ? 'inc-sortable' : undefined}
                  >
                    {col.sort ? (
                      <button className="link" onClick={() => setFilter(active ? { desc: !filter.desc } : { sort: col.sort!, desc: true })}>
                        {col.header}
                        {active ? (filter.desc ? ' ▾' : ' ▴') : ''}
                      </button>
                    ) : (
                      col.header
                    )}
                  </div>
                );
              })}
            </div>
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} data-testid="incident-queue" role="rowgroup">
              {virtualizer.getVirtualItems().map((item) => {
                const row = tableRows[item.index]!;
                return (
                  <div
                    key={row.id}
                    id={`inc-row-${row.id}`}
                    role="row"
                    aria-selected={item.index === cursor}
                    className={`inc-row${item.index === cursor ? ' cursor' : ''}${selected.includes(row.original.id) ? ' picked' : ''} sev-${row.original.severity}`}
                    style={{ transform: `translateY(${item.start - HEAD_HEIGHT}px)`, height: ROW_HEIGHT, gridTemplateColumns: grid }}
                    onClick={(e) => {
                      setCursor(item.index);
                      if (e.shiftKey)
                        useTriage.getState().selectRange(
                          row.original.id,
                          rows.map((r) => r.id),
                        );
                      else if (e.ctrlKey || e.metaKey) useTriage.getState().toggle(row.original.id);
                    }}
                    onDoubleClick={() => void open(row.original.id)}
                  >
                    {row.getAllCells().map((cell) => (
                      <div key={cell.id} role="gridcell" className="inc-cell">
                        {cell.column.id === 'sel' ? (
                          <input
                            type="checkbox"
                            aria-label={`Select ${row.original.title}`}
                            checked={selected.includes(row.original.id)}
                            onClick={(e) => {
                              e.stopPropagation();
                              if (e.shiftKey)
                                useTriage.getState().selectRange(
                                  row.original.id,
                                  rows.map((r) => r.id),
                                );
                              else useTriage.getState().toggle(row.original.id);
                            }}
                            onChange={() => undefined}
                          />
                        ) : (
                          visible.find((c) => c.id === cell.column.id)!.cell(row.original)
                        )}
                      </div>
                    ))}
                  </div>
                );
              })}
            </div>
          </div>
          <p className="muted small inc-keys">
            j/k or ↑/↓ move · Enter opens · / searches · x selects (shift-click a range, Ctrl+A all) · t true · b benign · u clears · Ctrl+Z
            undoes
          </p>
        </div>
      )}
    </div>
  );
}
