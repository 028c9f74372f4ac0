/**
 * The entity graph domain of the contract (DESIGN.md step 9): summaries, capped slices, ego graphs,
 * vertex details, communities. Every reply that carries vertices is capped on the engine side and
 * says how much it left out, so the renderer never receives a graph it cannot draw.
 */
import { z } from 'zod';
import { empty, reply } from './contract-util';

export const GRAPH_ENTITY_TYPES = ['ip', 'user', 'host', 'process', 'file', 'domain', 'url', 'user_agent'] as const;
export type GraphEntityType = (typeof GRAPH_ENTITY_TYPES)[number];

/** Hard caps of a reply; the renderer asks for less, the engine never sends more. */
export const GRAPH_MAX_NODES = 5000;
export const GRAPH_MAX_EDGES = 20_000;

export interface GraphNode {
  /** Vertex number in the case (stable while the case's graph is not rebuilt). */
  id: number;
  /** The entity's UUIDv5 (same as `entities.list`), for `events.search`. */
  entityId: string;
  type: GraphEntityType;
  value: string;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Events that gave the vertex an edge. */
  events: number;
  /** PageRank (sums to 1 over the graph); null before the first computation. */
  pagerank: number | null;
  /** Normalised betweenness; null when not computed for this vertex (see GraphSummary.betweenness). */
  betweenness: number | null;
  community: number | null;
  /** Distinct vertices it points to / that point to it. */
  fanOut: number;
  fanIn: number;
  /** Peak risk of the entity in the risk register: the figure the incident queue shows for it. */
  risk: number;
  alerts: number;
}

export interface GraphEdge {
  src: number;
  dst: number;
  /** authenticated_from, failed_login, logged_into, connected_to, requested, spawned, ... */
  type: string;
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

/**
 * A table sent column by column: field `k` of row `i` is `columns[k][i]`. A slice of 5,000
 * vertices and 10,000 edges as objects was ~2.3 MB of JSON whose keys repeat on every row, read
 * into 15,000 objects on the renderer's main thread (whose budget for a task is well under
 * 200 ms); as columns of what a drawing needs it is ~0.5 MB and a few dozen arrays.
 */
export type Columns<T> = { [K in keyof T]: T[K][] };

/**
 * What a slice says of a vertex: enough to draw, name and rank it. Its other facts (times, counts,
 * betweenness, fan-in/out, alerts) are one `graph.getVertex` away, for the vertex the analyst picks.
 */
export type GraphSliceNode = Pick<GraphNode, 'id' | 'type' | 'value' | 'community' | 'pagerank' | 'risk'>;
/** What a slice says of an edge: its ends, type and count (times: `graph.getVertex`). */
export type GraphSliceEdge = Pick<GraphEdge, 'src' | 'dst' | 'type' | 'count'>;

/** The columns of a slice, in order: every column it sends is one of these. */
export const GRAPH_SLICE_NODE_FIELDS = ['id', 'type', 'value', 'community', 'pagerank', 'risk'] as const satisfies readonly (keyof GraphSliceNode)[];
export const GRAPH_SLICE_EDGE_FIELDS = ['src', 'dst', 'type', 'count'] as const satisfies readonly (keyof GraphSliceEdge)[];

export type GraphNodeColumns = Columns<GraphSliceNode>;
export type GraphEdgeColumns = Columns<GraphSliceEdge>;

/** Rows as columns; `fields` must name every field of the row type (a field left out does not compile). */
export function toColumns<T, const F extends readonly (keyof T)[]>(rows: readonly T[], fields: F & ([Exclude<keyof T, F[number]>] extends [never] ? unknown : never)): Columns<T> {
  const out = {} as Columns<T>;
  for (const f of fields) out[f] = rows.map((r) => r[f]);
  return out;
}

/** Row `i` of a table sent as columns. */
export function rowAt<T>(columns: Columns<T>, i: number): T {
  const row = {} as T;
  for (const f of Object.keys(columns) as (keyof T)[]) row[f] = columns[f][i] as T[keyof T];
  return row;
}

/** Every row of a table sent as columns (for a few rows, or for a test: a big slice stays columns). */
export function rowsOf<T>(columns: Columns<T>): T[] {
  const first = Object.keys(columns)[0] as keyof T | undefined;
  const n = first === undefined ? 0 : columns[first].length;
  return Array.from({ length: n }, (_, i) => rowAt(columns, i));
}

export interface GraphSlice {
  /** The vertices, as columns (row i is one vertex). */
  nodes: GraphNodeColumns;
  /** The edges among them, as columns, strongest first. */
  edges: GraphEdgeColumns;
  /** The vertex an ego graph is centred on. */
  center: number | null;
  /** Vertices that matched the filter, before the cap. */
  matchedNodes: number;
  /** Vertices and edges that matched but were left out by the caps. */
  moreNodes: number;
  moreEdges: number;
  /** Per shown vertex: neighbours left out of this reply (ego graphs), for an honest "N more". */
  hiddenNeighbours: Record<string, number>;
}

export interface GraphCommunityMember {
  id: number;
  type: GraphEntityType;
  value: string;
  pagerank: number;
}

export interface GraphCommunity {
  id: number;
  size: number;
  /** Vertices per entity type. */
  types: Partial<Record<GraphEntityType, number>>;
  /** Highest PageRank first. */
  top: GraphCommunityMember[];
  /** Edges inside the community / edges to other communities. */
  internalEdges: number;
  externalEdges: number;
  risk: number;
}

export interface GraphCommunitiesPage {
  rows: GraphCommunity[];
  offset: number;
  total: number;
}

export interface GraphComputation {
  /** 'inline' ran at the end of a detection pass; 'worker' in a background thread. */
  mode: 'inline' | 'worker';
  status: 'done' | 'failed';
  vertices: number;
  edges: number;
  communities: number;
  modularity: number | null;
  /** Betweenness was exact over the whole graph, or over its highest-PageRank core only. */
  betweenness: 'exact' | 'core';
  ms: number;
  finishedAt: number;
  error: string | null;
}

export interface GraphSummary {
  vertices: number;
  edges: number;
  communities: number;
  byType: Partial<Record<GraphEntityType, number>>;
  edgeTypes: Record<string, number>;
  firstSeen: number | null;
  lastSeen: number | null;
  maxRisk: number;
  /** Algorithms are running in the background. */
  computing: boolean;
  last: GraphComputation | null;
}

export interface GraphVertexDetail {
  node: GraphNode;
  community: GraphCommunity | null;
  /** Strongest edges of the vertex, both directions, highest count first. */
  edges: GraphEdge[];
  neighbours: GraphNode[];
  moreEdges: number;
  /** Alerts naming the entity, newest first. */
  alerts: GraphAlert[];
  alertsTotal: number;
}

export interface GraphAlert {
  id: number;
  detector: string;
  kind: string;
  title: string;
  severity: string;
  firstTs: number | null;
  lastTs: number | null;
}

export interface GraphProgress {
  phase: 'snapshot' | 'pagerank' | 'louvain' | 'betweenness' | 'writing';
  vertices: number;
  edges: number;
}

const vertexId = z.number().int().min(1);
const time = z.number().int().optional();
const types = z.array(z.enum(GRAPH_ENTITY_TYPES)).max(GRAPH_ENTITY_TYPES.length).optional();

/** Filters every slice method shares. */
const sliceFilter = {
  /** Only vertices and edges seen at or after this time (epoch ms). */
  from: time,
  /** Only vertices and edges seen before this time (epoch ms). */
  to: time,
  /** Only these entity types (all when absent). */
  types,
  /** Only vertices whose risk is at least this. */
  minRisk: z.number().min(0).max(1e9).default(0),
};

export const graphMethods = {
  'graph.getSummary': { input: empty, output: reply<GraphSummary>() },
  /** The most central vertices that pass the filters (PageRank order) and the edges among them. */
  'graph.getSlice': {
    input: z
      .object({
        ...sliceFilter,
        community: z.number().int().min(0).optional(),
        maxNodes: z.number().int().min(1).max(GRAPH_MAX_NODES).default(300),
        maxEdges: z.number().int().min(1).max(GRAPH_MAX_EDGES).default(3000),
      })
      .strict(),
    output: reply<GraphSlice>(),
  },
  /** A vertex and its neighbours up to `depth` hops, strongest edges first, capped. */
  'graph.getEgo': {
    input: z
      .object({
        ...sliceFilter,
        vertexId,
        depth: z.number().int().min(1).max(2).default(1),
        maxNodes: z.number().int().min(1).max(1000).default(60),
      })
      .strict(),
    output: reply<GraphSlice>(),
  },
  /**
   * A campaign's member addresses as one group: their vertices, the vertices most of them share,
   * the edges among them; `group` lists the members' vertex ids, to select together.
   */
  'graph.getGroup': {
    input: z
      .object({
        ...sliceFilter,
        campaignId: z.string().trim().min(1).max(64),
        maxNodes: z.number().int().min(1).max(GRAPH_MAX_NODES).default(400),
      })
      .strict(),
    output: reply<GraphSlice & { group: number[]; title: string }>(),
  },
  /** Vertices whose value contains the query (exact matches first, then by PageRank). */
  'graph.findVertices': {
    input: z
      .object({
        query: z.string().trim().min(1).max(500),
        types,
        limit: z.number().int().min(1).max(50).default(10),
      })
      .strict(),
    output: reply<GraphNode[]>(),
  },
  'graph.getVertex': {
    input: z
      .object({
        vertexId,
        maxEdges: z.number().int().min(1).max(200).default(25),
        maxAlerts: z.number().int().min(0).max(200).default(20),
      })
      .strict(),
    output: reply<GraphVertexDetail>(),
  },
  'graph.listCommunities': {
    input: z
      .object({
        minSize: z.number().int().min(1).default(1),
        topMembers: z.number().int().min(0).max(20).default(5),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: reply<GraphCommunitiesPage>(),
  },
  /** Run PageRank, Louvain and betweenness now (e.g. while the collector streams); replies at once. */
  'graph.recompute': { input: empty, output: reply<null>() },
} as const;

export const graphEvents = {
  /** A background computation moved to its next phase. */
  'graph.progressed': reply<GraphProgress>(),
  /** PageRank, communities and betweenness were stored (and their alerts raised). */
  'graph.computed': reply<GraphComputation>(),
} as const;
