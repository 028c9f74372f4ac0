/** Full-text search over every line of the case, virtualised for millions of rows. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { fmtInt, fmtTime } from '../format';
import { PAGE_SIZE, useEvents } from '../store/events';

const ROW_HEIGHT = 24;

export function LinesTab() {
  const { total, totalCapped, pages, query, filter, setQuery, setFilter, ensurePages } = useEvents();
  const [draft, setDraft] = useState(query);
  const parentRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const t = setTimeout(() => {
      if (draft !== useEvents.getState().query) setQuery(draft);
    }, 250);
    return () => clearTimeout(t);
  }, [draft, setQuery]);

  useEffect(() => {
    // "/" focuses search, as in most log tools.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
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

  const narrowed = !!query || !!filter;
  return (
    <>
      <div className="toolbar">
        <input
          ref={searchRef}
          type="search"
          className="search"
          placeholder='Search lines: words, "exact phrase", prefix*   (press / to focus)'
          aria-label="Search events"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') setQuery(draft);
            if (e.key === 'Escape') setDraft('');
          }}
        />
        {filter && (
          <span className="chip">
            {filter.label}
            <button className="link" aria-label="Clear filter" onClick={() => setFilter(null)}>
              ×
            </button>
          </span>
        )}
        <span className="muted" data-testid="events-count">
          {fmtInt(total)}
          {totalCapped ? '+' : ''} {narrowed ? (total === 1 ? 'match' : 'matches') : total === 1 ? 'line' : 'lines'}
        </span>
      </div>
      {total === 0 ? (
        <div className="empty small">
          <p>{narrowed ? 'No line matches.' : 'No events yet: import logs in Sources.'}</p>
        </div>
      ) : (
        <div ref={parentRef} className="table-scroll" role="grid" aria-rowcount={total} tabIndex={0}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = pages[Math.floor(item.index / PAGE_SIZE)]?.[item.index % PAGE_SIZE];
              return (
                <div key={item.key} role="row" className="event-row" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
                  {row ? (
                    <>
                      <span className="cell ts">{fmtTime(row.ts)}</span>
                      <span className={`cell outcome ${row.outcome}`} title={`${row.parser}${row.action ? ` · ${row.action}` : ''}`}>
                        {row.outcome === 'unknown' ? '' : row.outcome === 'failure' ? '✗' : '✓'}
                      </span>
                      <span className="cell source" title={`${row.source}:${row.lineNo}`}>
                        {row.source}:{row.lineNo}
                      </span>
                      <span className="cell raw">{row.raw}</span>
                    </>
                  ) : (
                    <span className="cell muted">…</span>
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
