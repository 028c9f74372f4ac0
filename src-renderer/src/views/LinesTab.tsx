/**
 * Every line of the case that matches the query, in event time (or file order), virtualised for
 * millions of rows; the hit histogram above; a row opens to its fields, template, entities and whole
 * line, where a click narrows the search further.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { EVENT_FIELDS } from '../../../src-shared/query-fields';
import { fmtInt, fmtTime } from '../format';
import { checkQuery, EVENT_FIELD_INDEX, PAGE_SIZE, useEvents, WINDOW } from '../store/events';
import { BackButton } from '../components/BackButton';
import { useApp } from '../store/app';
import { EventsHistogram } from './EventsHistogram';
import { EventDetailPanel } from './EventDetailPanel';
import { Highlighted, QueryHelp, QueryProblemLine, useHighlighter } from './QueryParts';

const ROW_HEIGHT = 24;

export function LinesTab() {
  const { total, totalCapped, pages, query, range, order, problem, expanded, window: listWindow, setQuery, setRange, setOrder, ensurePages, toggle } =
    useEvents();
  // The list holds one window of matches; past it, it pages on from its last match.
  const count = Math.min(total, WINDOW);
  const more = totalCapped || total > WINDOW;
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
    // Enter may have run this query meanwhile: a second run would reset the list under the analyst.
    const t = setTimeout(() => {
      if (draft !== useEvents.getState().query) setQuery(draft);
    }, 400);
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
    count,
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
    if (e.key === 'ArrowDown' || e.key === 'j') setCursor((c) => Math.min(count - 1, c + 1));
    else if (e.key === 'ArrowUp' || e.key === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (e.key === 'Enter' || e.key === ' ') {
      const row = rowAt(cursor);
      if (row) toggle(row.id);
    } else return;
    e.preventDefault();
  };
  useEffect(() => {
    if (count > 0) virtualizer.scrollToIndex(cursor, { align: 'auto' });
  }, [cursor, count, virtualizer]);
  useEffect(() => setCursor(0), [listWindow]);

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
          {fmtInt(listWindow.base + total)}
          {totalCapped ? '+' : ''} {narrowed ? (listWindow.base + total === 1 ? 'match' : 'matches') : listWindow.base + total === 1 ? 'line' : 'lines'}
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
      {(more || listWindow.base > 0) && <WindowBar count={count} more={more} narrowed={narrowed} />}
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
          aria-rowcount={count}
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

/**
 * Which matches the list holds when there are more than one window: their numbers and times, the
 * way on to the next ones (and back), and the histogram as the other way to narrow.
 */
function WindowBar({ count, more, narrowed }: { count: number; more: boolean; narrowed: boolean }) {
  const { window, windows, total, totalCapped, pages, nextWindow, previousWindow } = useEvents();
  const showError = useApp((s) => s.showError);
  const firstRow = pages[0]?.[0];
  const lastRow = pages[Math.floor((count - 1) / PAGE_SIZE)]?.[(count - 1) % PAGE_SIZE];
  const what = narrowed ? 'matches' : 'lines';
  return (
    <div className="events-window small" data-testid="events-window" role="status">
      <span>
        The list holds {what} {fmtInt(window.base + 1)}–{fmtInt(window.base + count)} of{' '}
        {totalCapped ? `more than ${fmtInt(window.base + total)}` : fmtInt(window.base + total)}
        {firstRow && ` (${fmtTime(firstRow.ts)}`}
        {firstRow && (lastRow ? ` → ${fmtTime(lastRow.ts)})` : ' → …)')}.
      </span>{' '}
      {window.base > 0 && (
        <button className="link small" onClick={previousWindow}>
          ← previous {fmtInt(Math.min(WINDOW, window.base))}
        </button>
      )}{' '}
      {more && (
        <button className="link small" onClick={() => void nextWindow().catch(showError)}>
          next {fmtInt(WINDOW)} {what} →
        </button>
      )}
      {more && <span className="muted"> · or drag across the histogram to narrow the time</span>}
      {windows.length > 1 && (
        <button className="link small" onClick={() => useEvents.getState().reload()}>
          back to the first
        </button>
      )}
    </div>
  );
}
