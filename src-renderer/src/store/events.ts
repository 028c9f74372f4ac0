/**
 * The events explorer's window onto the case: rows are fetched in pages as the virtual list
 * scrolls, so a million lines cost only what is on screen.
 */
import { create } from 'zustand';
import type { EventRow } from '../../../src-shared/dto';
import { api } from '../api';

export const PAGE_SIZE = 200;

export interface EventsFilter {
  templateId?: string;
  entityId?: string;
  /** What the filter chip says, e.g. "template t12" or "ip 10.0.0.1". */
  label: string;
}

interface EventsState {
  query: string;
  filter: EventsFilter | null;
  total: number;
  totalCapped: boolean;
  /** Bumps whenever the query or the case's contents change, so stale replies are dropped. */
  generation: number;
  pages: Record<number, EventRow[]>;
  loading: Record<number, boolean>;
  setQuery(query: string): void;
  setFilter(filter: EventsFilter | null): void;
  reload(): void;
  ensurePages(first: number, last: number): void;
}

export const useEvents = create<EventsState>((set, get) => ({
  query: '',
  filter: null,
  total: 0,
  totalCapped: false,
  generation: 0,
  pages: {},
  loading: {},
  setQuery(query) {
    set({ query });
    get().reload();
  },
  setFilter(filter) {
    set({ filter });
    get().reload();
  },
  reload() {
    set({ generation: get().generation + 1, pages: {}, loading: {} });
    get().ensurePages(0, 0);
  },
  ensurePages(first, last) {
    const { pages, loading, generation, query, filter } = get();
    for (let page = first; page <= last; page++) {
      if (pages[page] || loading[page]) continue;
      set({ loading: { ...get().loading, [page]: true } });
      api()
        .call('events.search', {
          query,
          offset: page * PAGE_SIZE,
          limit: PAGE_SIZE,
          ...(filter?.templateId ? { templateId: filter.templateId } : {}),
          ...(filter?.entityId ? { entityId: filter.entityId } : {}),
        })
        .then((res) => {
          if (get().generation !== generation) return;
          set({
            pages: { ...get().pages, [page]: res.rows },
            loading: { ...get().loading, [page]: false },
            total: res.total,
            totalCapped: res.totalCapped,
          });
        })
        .catch(() => {
          if (get().generation === generation) set({ loading: { ...get().loading, [page]: false } });
        });
    }
  },
}));
