/**
 * The graph explorer's state: the filter, the vertices and edges on screen (an overview slice, a
 * community, or ego graphs expanded one by one), the selected vertex's details, the communities.
 * Every request is capped by the engine; what it left out is kept for an honest "N more".
 */
import { create } from 'zustand';
import {
  GRAPH_ENTITY_TYPES,
  GRAPH_SLICE_EDGE_FIELDS,
  GRAPH_SLICE_NODE_FIELDS,
  toColumns,
  type Columns,
  type GraphCommunitiesPage,
  type GraphEdgeColumns,
  type GraphEntityType,
  type GraphNode,
  type GraphNodeColumns,
  type GraphSlice,
  type GraphSliceEdge,
  type GraphSliceNode,
  type GraphSummary,
  type GraphVertexDetail,
} from '../../../src-shared/contract-graph';
import type { EventRow } from '../../../src-shared/dto';
import { parseTime } from '../../../src-shared/query-time';
import { api } from '../api';

export const NODE_CAPS = [100, 300, 1000, 2000, 5000] as const;
export const EGO_SIZE = 40;

export interface GraphFilter {
  /** UTC times as typed (2015-05-17, 2015-05-17 10:05, …; '' for an open end), like the rest of the workbench. */
  from: string;
  to: string;
  /** Entity types to show; empty means all. */
  types: GraphEntityType[];
  minRisk: number;
  maxNodes: number;
}

export type GraphMode =
  | { kind: 'overview' }
  | { kind: 'community'; id: number }
  | { kind: 'ego'; center: number }
  /** A campaign's member addresses, selected together, with what they share. */
  | { kind: 'group'; campaignId: string; title: string };

/** Edge `i` of a set of edge columns, named by its ends and type. */
export function edgeKey(e: GraphEdgeColumns, i: number): string {
  return `${e.src[i]}-${e.dst[i]}-${e.type[i]}`;
}

/** `a` with the rows of `b` that `keep` accepts appended: new arrays, `a` untouched. */
function appendRows<T>(a: Columns<T>, b: Columns<T>, keep: (i: number) => boolean): Columns<T> {
  const fields = Object.keys(a) as (keyof T)[];
  const rows: number[] = [];
  const n = b[fields[0]!]?.length ?? 0;
  for (let i = 0; i < n; i++) if (keep(i)) rows.push(i);
  const out = {} as Columns<T>;
  for (const f of fields) out[f] = a[f].concat(rows.map((i) => b[f][i] as T[keyof T]));
  return out;
}

interface GraphState {
  summary: GraphSummary | null;
  filter: GraphFilter;
  mode: GraphMode;
  /**
   * What is on screen, as the slices' columns (row i is one vertex or edge): a 5,000-vertex view
   * is a few dozen arrays, never turned into an object per vertex on the main thread.
   */
  nodes: GraphNodeColumns;
  edges: GraphEdgeColumns;
  /** Bumped when the view is replaced (full layout) rather than grown (incremental layout). */
  layoutKey: number;
  /** What the replaced view shows (mode and filter): its layout is cached under this, per case. */
  viewBase: string;
  matchedNodes: number;
  moreNodes: number;
  moreEdges: number;
  /** Per vertex: neighbours not on screen, from the last ego reply that covered it. */
  hidden: Record<string, number>;
  expanded: Set<number>;
  selectedId: number | null;
  /** Bumped when a vertex is brought into view on purpose (search, pivot): the canvas pans to it. */
  focusKey: number;
  /** A pivot waiting for the view to open: the entity to centre on, the time range to show. */
  pending: { entity?: { type: string; value: string }; range?: { from: number; to: number } } | null;
  /** Why the last pivot found nothing to centre on. */
  notice: string | null;
  /** Vertices selected as one group (a campaign's members). */
  groupIds: Set<number>;
  /** A campaign to show when the explorer opens (set by the incident detail before switching views). */
  pendingGroup: string | null;
  detail: GraphVertexDetail | null;
  events: EventRow[];
  eventsTotal: number;
  communities: GraphCommunitiesPage | null;
  loading: boolean;
  computing: boolean;
  generation: number;
  refresh(): Promise<void>;
  setFilter(partial: Partial<GraphFilter>): void;
  showOverview(): Promise<void>;
  showCommunity(id: number): Promise<void>;
  showGroup(campaignId: string): Promise<void>;
  /** Ask the explorer to open on this campaign's members the next time it mounts. */
  openGroup(campaignId: string): void;
  /** Put a vertex on screen with its edges (keeping the view if it is there already), select it, pan to it. */
  focus(node: Pick<GraphNode, 'id'>): Promise<void>;
  /** Ask for a pivot; the view applies it when it opens (or at once if open). */
  request(target: { entity?: { type: string; value: string }; range?: { from: number; to: number } }): void;
  /** Apply the waiting pivot, if any; false when there was none. */
  applyPending(): Promise<boolean>;
  expand(id: number): Promise<void>;
  select(id: number | null): Promise<void>;
  find(query: string): Promise<GraphNode[]>;
  recompute(): Promise<void>;
  onComputing(): void;
  /** The graph changed in the engine (a computation or a detection pass ended). */
  onChanged(): void;
  reset(): void;
}

/** A typed UTC time: the start of what it names for `from`, the end for `to` (a date alone is the whole day). */
export function timeBound(text: string, side: 'from' | 'to'): number | undefined {
  const t = text.trim() ? parseTime(text.trim()) : null;
  if (!t) return undefined;
  return side === 'from' ? t.lo : t.hi;
}

/** An instant as the filter boxes show it. */
export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function filterInput(f: GraphFilter) {
  const from = timeBound(f.from, 'from');
  const to = timeBound(f.to, 'to');
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(f.types.length > 0 ? { types: f.types } : {}),
    minRisk: f.minRisk,
  };
}

const EMPTY_VIEW = {
  nodes: toColumns<GraphSliceNode, typeof GRAPH_SLICE_NODE_FIELDS>([], GRAPH_SLICE_NODE_FIELDS),
  edges: toColumns<GraphSliceEdge, typeof GRAPH_SLICE_EDGE_FIELDS>([], GRAPH_SLICE_EDGE_FIELDS),
  matchedNodes: 0,
  moreNodes: 0,
  moreEdges: 0,
  hidden: {},
  expanded: new Set<number>(),
};

export const useGraph = create<GraphState>((set, get) => {
  /** Replace the view with a slice; drops replies overtaken by a newer request. */
  const replace = (slice: GraphSlice, mode: GraphMode, generation: number) => {
    if (get().generation !== generation) return;
    const f = get().filter;
    set({
      mode,
      viewBase: JSON.stringify([mode, filterInput(f), f.maxNodes]),
      nodes: slice.nodes,
      edges: slice.edges,
      matchedNodes: slice.matchedNodes,
      moreNodes: slice.moreNodes,
      moreEdges: slice.moreEdges,
      hidden: slice.hiddenNeighbours,
      expanded: new Set(slice.center !== null ? [slice.center] : []),
      groupIds: new Set('group' in slice && mode.kind === 'group' ? (slice as GraphSlice & { group: number[] }).group : []),
      layoutKey: get().layoutKey + 1,
      loading: false,
    });
  };

  const request = async <T>(fn: (generation: number) => Promise<T>): Promise<T> => {
    const generation = get().generation + 1;
    set({ generation, loading: true });
    try {
      return await fn(generation);
    } finally {
      if (get().generation === generation) set({ loading: false });
    }
  };

  const loadMode = async (mode: GraphMode): Promise<void> => {
    const f = get().filter;
    await request(async (generation) => {
      if (mode.kind === 'ego') {
        const slice = await api().call('graph.getEgo', { ...filterInput(f), vertexId: mode.center, maxNodes: EGO_SIZE });
        replace(slice, mode, generation);
      } else if (mode.kind === 'group') {
        const slice = await api().call('graph.getGroup', { ...filterInput(f), campaignId: mode.campaignId, maxNodes: Math.max(100, f.maxNodes) });
        replace(slice, { ...mode, title: slice.title }, generation);
      } else {
        const slice = await api().call('graph.getSlice', {
          ...filterInput(f),
          maxNodes: f.maxNodes,
          // Each vertex's strongest edge first, then the strongest of the rest: two per vertex on average.
          maxEdges: Math.min(20_000, f.maxNodes * 2),
          ...(mode.kind === 'community' ? { community: mode.id } : {}),
        });
        replace(slice, mode, generation);
      }
    });
  };

  return {
    summary: null,
    filter: { from: '', to: '', types: [], minRisk: 0, maxNodes: 300 },
    mode: { kind: 'overview' },
    ...EMPTY_VIEW,
    layoutKey: 0,
    viewBase: '',
    selectedId: null,
    focusKey: 0,
    pending: null,
    notice: null,
    groupIds: new Set(),
    pendingGroup: null,
    detail: null,
    events: [],
    eventsTotal: 0,
    communities: null,
    loading: false,
    computing: false,
    generation: 0,

    async refresh() {
      const [summary, communities] = await Promise.all([
        api().call('graph.getSummary'),
        api().call('graph.listCommunities', { minSize: 2, topMembers: 3, limit: 200 }),
      ]);
      set({ summary, communities, computing: summary.computing });
    },

    setFilter(partial) {
      set({ filter: { ...get().filter, ...partial } });
      void loadMode(get().mode);
    },

    showOverview: () => loadMode({ kind: 'overview' }),
    showCommunity: (id) => loadMode({ kind: 'community', id }),
    showGroup: (campaignId) => {
      set({ pendingGroup: null, selectedId: null, detail: null });
      return loadMode({ kind: 'group', campaignId, title: '' });
    },
    openGroup: (campaignId) => set({ pendingGroup: campaignId }),

    async focus(node) {
      if (!get().nodes.id.includes(node.id)) {
        // Off screen: show its ego graph, so the vertex comes with its edges, not alone.
        set({ selectedId: node.id });
        await loadMode({ kind: 'ego', center: node.id });
      }
      set({ focusKey: get().focusKey + 1, notice: null });
      await get().select(node.id);
    },

    request(target) {
      set({ pending: target });
    },

    async applyPending() {
      const p = get().pending;
      if (!p) return false;
      set({ pending: null, notice: null });
      if (p.range) set({ filter: { ...get().filter, from: isoMinute(p.range.from), to: isoMinute(p.range.to) } });
      if (!p.entity) {
        await loadMode({ kind: 'overview' });
        return true;
      }
      const { type, value } = p.entity;
      const types = (GRAPH_ENTITY_TYPES as readonly string[]).includes(type) ? [type as GraphEntityType] : undefined;
      const hits = await api().call('graph.findVertices', { query: value, limit: 10, ...(types ? { types } : {}) });
      const hit = hits.find((n) => n.type === type && n.value === value) ?? hits.find((n) => n.value === value);
      if (!hit) {
        set({ notice: `${type} ${value} has no vertex in the graph (it met no other entity in an event).` });
        await loadMode({ kind: 'overview' });
        return true;
      }
      await get().focus(hit);
      return true;
    },

    async expand(id) {
      const f = get().filter;
      await request(async (generation) => {
        const slice = await api().call('graph.getEgo', { ...filterInput(f), vertexId: id, maxNodes: EGO_SIZE });
        if (get().generation !== generation) return;
        const shown = get();
        const have = new Set(shown.nodes.id);
        const nodes = appendRows(shown.nodes, slice.nodes, (i) => !have.has(slice.nodes.id[i]!));
        const keys = new Set(shown.edges.src.map((_, i) => edgeKey(shown.edges, i)));
        const edges = appendRows(shown.edges, slice.edges, (i) => !keys.has(edgeKey(slice.edges, i)));
        const expanded = new Set(shown.expanded);
        expanded.add(id);
        // Vertices the slice had left out and the expansion brought in are no longer "more".
        const added = nodes.id.length - shown.nodes.id.length;
        set({ nodes, edges, expanded, hidden: { ...get().hidden, ...slice.hiddenNeighbours }, moreNodes: Math.max(0, get().moreNodes - added) });
      });
    },

    async select(id) {
      set({ selectedId: id, detail: null, events: [], eventsTotal: 0 });
      if (id === null) return;
      const detail = await api().call('graph.getVertex', { vertexId: id, maxEdges: 25, maxAlerts: 20 });
      if (get().selectedId !== id) return;
      set({ detail });
      const page = await api().call('events.search', { entityId: detail.node.entityId, limit: 20 }).catch(() => null);
      if (get().selectedId !== id || !page) return;
      set({ events: page.rows, eventsTotal: page.total });
    },

    find: (query) => api().call('graph.findVertices', { query, limit: 10 }),

    async recompute() {
      set({ computing: true });
      await api().call('graph.recompute');
    },

    onComputing: () => set({ computing: true }),

    onChanged() {
      void get()
        .refresh()
        .then(() => {
          const mode = get().mode;
          // An ego view the analyst built by hand is kept; overviews follow the new graph.
          if (mode.kind !== 'ego') void loadMode(mode);
          const sel = get().selectedId;
          if (sel !== null) void get().select(sel);
        })
        .catch(() => undefined);
    },

    reset() {
      set({
        summary: null,
        mode: { kind: 'overview' },
        ...EMPTY_VIEW,
        layoutKey: get().layoutKey + 1,
        selectedId: null,
        groupIds: new Set(),
        detail: null,
        events: [],
        eventsTotal: 0,
        communities: null,
        computing: false,
        notice: null,
        generation: get().generation + 1,
      });
    },
  };
});
