/**
 * A list read a page at a time that never ends silently: it says how many of how many it holds
 * and reads the next page on request (the filter above it narrows instead).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../../../src-shared/dto';
import { fmtInt } from '../format';

export interface PagedRows<T> {
  rows: T[];
  total: number | null;
  loading: boolean;
  more(): void;
}

/**
 * The first page of `read` whenever `key` changes (after `delayMs`, for typing), then more pages
 * appended by `more()`. An answer for an older key is dropped.
 */
export function usePagedRows<T>(read: (offset: number) => Promise<Page<T>>, key: string, onError: (e: unknown) => void, delayMs = 200): PagedRows<T> {
  const [state, setState] = useState<{ key: string; rows: T[]; total: number | null }>({ key, rows: [], total: null });
  const [loading, setLoading] = useState(false);
  const reader = useRef(read);
  reader.current = read;
  const current = useRef(key);
  current.current = key;

  useEffect(() => {
    const t = setTimeout(() => {
      setLoading(true);
      reader
        .current(0)
        .then((p) => current.current === key && setState({ key, rows: p.rows, total: p.total }), onError)
        .finally(() => current.current === key && setLoading(false));
    }, delayMs);
    return () => clearTimeout(t);
  }, [key, onError, delayMs]);

  const more = useCallback(() => {
    if (loading || state.key !== key) return;
    setLoading(true);
    reader
      .current(state.rows.length)
      .then((p) => current.current === key && setState((s) => (s.key === key ? { key, rows: [...s.rows, ...p.rows], total: p.total } : s)), onError)
      .finally(() => current.current === key && setLoading(false));
  }, [loading, state, key, onError]);

  return { rows: state.key === key ? state.rows : [], total: state.key === key ? state.total : null, loading, more };
}

/** Under a paged list: nothing when it holds everything, else how much it holds and a button for more. */
export function MoreRows({ shown, total, what, pageSize, loading, onMore }: { shown: number; total: number | null; what: string; pageSize: number; loading: boolean; onMore(): void }) {
  if (total === null || shown >= total) return null;
  return (
    <div className="more-rows muted small" role="status" data-testid={`${what}-more`}>
      The first {fmtInt(shown)} of {fmtInt(total)} {what}; filter to narrow, or{' '}
      <button className="ghost small" disabled={loading} onClick={onMore}>
        show {fmtInt(Math.min(pageSize, total - shown))} more
      </button>
    </div>
  );
}
