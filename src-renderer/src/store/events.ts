/**
 * The events explorer's window onto the case: one query in the query language, a time range (the
 * histogram's brush), an order; rows are fetched in pages as the virtual list scrolls, so a million
 * lines cost only what is on screen. A query that does not parse stays in the box with its error.
 */
import { create } from 'zustand';
import type { EventDetail, EventRow, EventsHistogram } from '../../../src-shared/dto';
import { VigilError } from '../../../src-shared/envelope';
import { indexFields, parseQuery, QueryError } from '../../../src-shared/query';
import { EVENT_FIELDS } from '../../../src-shared/query-fields';
import { api } from '../api';

export const PAGE_SIZE = 200;
/**
 * The list holds at most this many matches at a time; past them it pages on from the last one
 * (keyset paging in the contract), so every match is reachable and no offset grows large.
 */
export const WINDOW = 100_000;

/** Where a window of the list starts: after this row (null: at the first match), with `base` matches before it. */
export interface EventWindow {
  after: { ts: number | null; id: number } | null;
  base: number;
}
export const EVENT_FIELD_INDEX = indexFields(EVENT_FIELDS);

export interface QueryProblem {
  message: string;
  /** Where in the query text; null when the engine did not say. */
  position: number | null;
  length: number;
}

export type EventOrder = 'time' | 'file';

interface EventsState {
  query: string;
  /** The brushed or typed time range, [from, to) in epoch ms. */
  range: { from: number; to: number } | null;
  order: EventOrder;
  problem: QueryProblem | null;
  /** Matches from the window's start (capped when `totalCapped`). */
  total: number;
  totalCapped: boolean;
  window: EventWindow;
  /** Earlier windows, to go back to. */
  windows: EventWindow[];
  histogram: EventsHistogram | null;
  /** Bumps whenever the query or the case's contents change, so stale replies are dropped. */
  generation: number;
  pages: Record<number, EventRow[]>;
  loading: Record<number, boolean>;
  expanded: Record<number, boolean>;
  details: Record<number, EventDetail | 'loading' | string>;
  setQuery(query: string): void;
  setRange(range: { from: number; to: number } | null): void;
  setOrder(order: EventOrder): void;
  /** Narrow the current query by one more clause (AND). */
  addClause(clause: string): void;
  /** Replace query and range at once (a pivot from elsewhere). */
  show(query: string, range?: { from: number; to: number } | null): void;
  toggle(id: number): void;
  reload(): void;
  /** The case grew (live collection): the same query's figures and loaded pages again, expanded rows kept. */
  refresh(): void;
  ensurePages(first: number, last: number): void;
  /** Move the list on to the matches after the last one of this window. */
  nextWindow(): Promise<void>;
  /** Back to the window before (or the first). */
  previousWindow(): void;
}

/** The query's own problem, found here before any request: the same parser the engine runs. */
export function checkQuery(query: string): QueryProblem | null {
  try {
    parseQuery(query, EVENT_FIELD_INDEX);
    return null;
  } catch (e) {
    if (e instanceof QueryError) return { message: e.message, position: e.position, length: e.length };
    return { message: String(e), position: null, length: 0 };
  }
}

function problemOf(err: unknown): QueryProblem {
  if (err instanceof VigilError && err.code === 'invalid_input') {
    const d = err.details as { position?: number; length?: number } | undefined;
    return { message: err.message.replace(/^Query: /, ''), position: d?.position ?? null, length: d?.length ?? 1 };
  }
  return { message: err instanceof Error ? err.message : String(err), position: null, length: 0 };
}

export const useEvents = create<EventsState>((set, get) => {
  const filter = () => {
    const { query, range } = get();
    return { query, ...(range ? { from: Math.floor(range.from), to: Math.ceil(range.to) } : {}) };
  };

  const loadHistogram = (generation: number) => {
    api()
      .call('events.histogram', { ...filter(), buckets: 120 })
      .then((histogram) => {
        if (get().generation === generation) set({ histogram });
      })
      .catch(() => undefined);
  };

  const fetchPage = (page: number, generation: number) => {
    const { order, window } = get();
    set({ loading: { ...get().loading, [page]: true } });
    // Scrolling on: from the last row of the page before, at no offset; a jump: from the window's start.
    const before = get().pages[page - 1];
    const tail = before && before.length === PAGE_SIZE ? before[PAGE_SIZE - 1]! : null;
    const from = tail ? { after: { ts: tail.ts, id: tail.id }, offset: 0 } : { ...(window.after ? { after: window.after } : {}), offset: page * PAGE_SIZE };
    api()
      .call('events.search', { ...filter(), order, ...from, limit: PAGE_SIZE })
      .then((res) => {
        if (get().generation !== generation) return;
        set({
          pages: { ...get().pages, [page]: res.rows },
          loading: { ...get().loading, [page]: false },
          // Totals count from the request's cursor: only the window's own say how many it holds.
          ...(tail ? {} : { total: res.total, totalCapped: res.totalCapped }),
        });
      })
      .catch((err: unknown) => {
        if (get().generation !== generation) return;
        set({ loading: { ...get().loading, [page]: false }, problem: problemOf(err), total: 0, totalCapped: false });
      });
  };

  return {
    query: '',
    range: null,
    order: 'time',
    problem: null,
    total: 0,
    totalCapped: false,
    window: { after: null, base: 0 },
    windows: [],
    histogram: null,
    generation: 0,
    pages: {},
    loading: {},
    expanded: {},
    details: {},
    setQuery(query) {
      set({ query });
      get().reload();
    },
    setRange(range) {
      set({ range });
      get().reload();
    },
    setOrder(order) {
      set({ order });
      get().reload();
    },
    addClause(clause) {
      const q = get().query.trim();
      // An OR at the top would bind the new clause to its last term only: group it first.
      const grouped = /\sOR\s/.test(q) ? `(${q})` : q;
      get().setQuery(grouped ? `${grouped} ${clause}` : clause);
    },
    show(query, range = null) {
      set({ query, range });
      get().reload();
    },
    toggle(id) {
      const open = !get().expanded[id];
      set({ expanded: { ...get().expanded, [id]: open } });
      if (!open || get().details[id]) return;
      set({ details: { ...get().details, [id]: 'loading' } });
      api()
        .call('events.get', { id })
        .then(
          (d) => set({ details: { ...get().details, [id]: d } }),
          (err: unknown) => set({ details: { ...get().details, [id]: err instanceof Error ? err.message : String(err) } }),
        );
    },
    reload() {
      const generation = get().generation + 1;
      const problem = checkQuery(get().query);
      set({ generation, pages: {}, loading: {}, problem, expanded: {}, details: {}, window: { after: null, base: 0 }, windows: [] });
      if (problem) {
        set({ total: 0, totalCapped: false, histogram: null });
        return;
      }
      // The engine answers in order: the page first, so the list is not kept waiting for the histogram.
      get().ensurePages(0, 0);
      loadHistogram(generation);
    },
    refresh() {
      if (get().problem) return;
      const generation = get().generation + 1;
      const shown = Object.keys(get().pages).map(Number);
      // The rows on screen stay until their fresh copies arrive: nothing blinks, scroll stays.
      set({ generation, loading: {} });
      loadHistogram(generation);
      for (const page of shown.length > 0 ? shown : [0]) fetchPage(page, generation);
    },
    ensurePages(first, last) {
      const { pages, loading, generation, problem } = get();
      if (problem) return;
      const lastPage = Math.ceil(WINDOW / PAGE_SIZE) - 1;
      for (let page = first; page <= Math.min(last, lastPage); page++) {
        if (pages[page] || loading[page]) continue;
        fetchPage(page, generation);
      }
    },
    async nextWindow() {
      const { window, order, query, range, pages } = get();
      // The window's last match is the cursor of the next one: on screen already after a scroll to the end.
      const shown = pages[Math.ceil(WINDOW / PAGE_SIZE) - 1]?.at(-1);
      const last =
        shown ??
        (await api().call('events.search', { ...filter(), order, ...(window.after ? { after: window.after } : {}), offset: WINDOW - 1, limit: 1 }))
          .rows[0];
      // Another search or window meanwhile makes this step moot; a refresh (the case grew, a pass
      // ended) does not: it used to drop the click, and the list stayed on the window it was asked to leave.
      const s = get();
      if (!last || s.window !== window || s.order !== order || s.query !== query || s.range !== range) return;
      const next = { after: { ts: last.ts, id: last.id }, base: window.base + WINDOW };
      set({ generation: s.generation + 1, windows: [...s.windows, window], window: next, pages: {}, loading: {}, expanded: {}, details: {} });
      get().ensurePages(0, 0);
    },
    previousWindow() {
      const windows = get().windows;
      const back = windows[windows.length - 1] ?? { after: null, base: 0 };
      set({ generation: get().generation + 1, windows: windows.slice(0, -1), window: back, pages: {}, loading: {}, expanded: {}, details: {} });
      get().ensurePages(0, 0);
    },
  };
});
