/**
 * Every line of the case that matches the query, in event time (or file order), virtualised for
 * millions of rows; the hit histogram above; a row opens to its fields, template, entities and whole
 * line, where a click narrows the search further.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { EVENT_FIELDS } from '../../../src-shared/query-fields';
import { fmtInt, fmtTime } from '../format';
import { checkQuery, EVENT_FIELD_INDEX, PAGE_SIZE, useEvents } from '../store/events';
import { BackButton } from '../components/BackButton';
import { EventsHistogram } from './EventsHistogram';
import { EventDetailPanel } from './EventDetailPanel';
import { Highlighted, QueryHelp, QueryProblemLine, useHighlighter } from './QueryParts';

const ROW_HEIGHT = 24;

export function LinesTab() {
  const { total, totalCapped, pages, query, range, order, problem, expanded, setQuery, setRange, setOrder, ensurePages, toggle } =
    useEvents();
  const [draft, setDraft] = useState(query);
  const [help, setHelp] = useState(false);
  const [cursor, setCursor] = useState(0);
  const parentRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const draftProblem = useMemo(() => checkQuery(draft), [draft]);
  const re = useHighlighter(query, EVENT_FIELD_INDEX);

  // The query can change from elsewhere (a click on a field, a pivot): the box follows.
  useEffect(() => setDraft(query), [query]);

  useEffect(() => {
    if (draftProblem || draft === useEvents.getState().query) return;
    const t = setTimeout(() => setQuery(draft), 400);
    return () => clearTimeout(t);
  }, [draft, draftProblem, setQuery]);

  useEffect(() => {
    // "/" focuses search, as in most log tools.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && !(document.activeElement instanceof HTMLInputElement)) {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    ensurePages(Math.floor(firstIndex / PAGE_SIZE), Math.floor(lastIndex / PAGE_SIZE));
  }, [firstIndex, lastIndex, ensurePages, pages]);

  useEffect(() => setCursor(0), [query, range, order]);

  const rowAt = (i: number) => pages[Math.floor(i / PAGE_SIZE)]?.[i % PAGE_SIZE];
  const onGridKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'j') setCursor((c) => Math.min(total - 1, c + 1));
    else if (e.key === 'ArrowUp' || e.key === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (e.key === 'Enter' || e.key === ' ') {
      const row = rowAt(cursor);
      if (row) toggle(row.id);
    } else return;
    e.preventDefault();
  };
  useEffect(() => {
    if (total > 0) virtualizer.scrollToIndex(cursor, { align: 'auto' });
  }, [cursor, total, virtualizer]);

  const shownProblem = draftProblem && draft !== query ? draftProblem : problem;
  const narrowed = !!query.trim() || !!range;
  return (
    <>
      <div className="toolbar events-toolbar">
        <BackButton />
        <input
          ref={searchRef}
          type="search"
          className={`search${shownProblem ? ' invalid' : ''}`}
          placeholder='Search: words, "phrases", field:value, status:>=500, path:/api/*, NOT, OR, ( )   (press / to focus, ? for help)'
          aria-label="Search events"
          aria-invalid={!!shownProblem}
          spellCheck={false}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') setQuery(draft);
            else if (e.key === 'Escape') setDraft('');
            else if (e.key === '?' && draft === '') {
              e.preventDefault();
              setHelp(!help);
            }
          }}
        />
        <button
          className={help ? 'ghost small on' : 'ghost small'}
          aria-expanded={help}
          onClick={() => setHelp(!help)}
          title="Search syntax"
        >
          ?
        </button>
        <select aria-label="Order" value={order} onChange={(e) => setOrder(e.target.value as typeof order)}>
          <option value="time">Event time</option>
          <option value="file">File order</option>
        </select>
        <span className="muted nowrap" data-testid="events-count">
          {fmtInt(total)}
          {totalCapped ? '+' : ''} {narrowed ? (total === 1 ? 'match' : 'matches') : total === 1 ? 'line' : 'lines'}
        </span>
      </div>
      {shownProblem && <QueryProblemLine query={draftProblem && draft !== query ? draft : query} problem={shownProblem} />}
      {help && (
        <QueryHelp
          fields={EVENT_FIELDS}
          onTry={(example) => {
            setDraft(example);
            setQuery(example);
          }}
          onClose={() => setHelp(false)}
        />
      )}
      <div className="events-range muted small">
        {range ? (
          <>
            <span data-testid="events-range">
              {fmtTime(range.from)} → {fmtTime(range.to)}
            </span>
            <button className="link small" onClick={() => setRange(null)}>
              all times
            </button>
          </>
        ) : (
          <span>all times · drag across the histogram to narrow</span>
        )}
      </div>
      <EventsHistogram />
      {total === 0 ? (
        <div className="empty small">
          <p>{shownProblem ? 'Fix the query to search.' : narrowed ? 'No line matches.' : 'No events yet: import logs in Sources.'}</p>
        </div>
      ) : (
        <div
          ref={parentRef}
          className="table-scroll"
          role="grid"
          aria-label="Matching lines"
          aria-rowcount={total}
          tabIndex={0}
          onKeyDown={onGridKey}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              const open = !!(row && expanded[row.id]);
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className={`event-item${open ? ' open' : ''}${item.index === cursor ? ' cursor' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  {row ? (
                    <>
                      <div role="row" className="event-row" aria-expanded={open} onClick={() => (setCursor(item.index), toggle(row.id))}>
                        <span className="cell caret" aria-hidden>
                          {open ? '▾' : '▸'}
                        </span>
                        <span className="cell ts">{fmtTime(row.ts)}</span>
                        <span
                          className={`cell outcome ${row.outcome}`}
                          title={`${row.parser}${row.action ? ` · ${row.action}` : ''} · ${row.outcome}`}
                        >
                          {row.outcome === 'unknown' ? '' : row.outcome === 'failure' ? '✗' : '✓'}
                        </span>
                        <span className="cell source" title={`${row.source}:${row.lineNo}`}>
                          {row.source}:{row.lineNo}
                        </span>
                        <span className="cell raw">
                          <Highlighted text={row.raw} re={re} />
                        </span>
                      </div>
                      {open && <EventDetailPanel id={row.id} re={re} />}
                    </>
                  ) : (
                    <div className="event-row">
                      <span className="cell muted">…</span>
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </>
  );
}
