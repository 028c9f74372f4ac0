/**
 * Read-side of the entity graph for the contract: capped slices, ego graphs, search, vertex details
 * and communities. Vertices, metrics and communities come from the case's graph tables; edges from
 * the graph in memory (the stage's, which is also the freshest), through its per-vertex adjacency.
 * Every reply is bounded by the caller's caps and says how much it left out.
 */
import type { Database } from 'better-sqlite3';
import {
  GRAPH_SLICE_EDGE_FIELDS,
  GRAPH_SLICE_NODE_FIELDS,
  toColumns,
  type GraphAlert,
  type GraphCommunitiesPage,
  type GraphCommunity,
  type GraphComputation,
  type GraphEdge,
  type GraphEntityType,
  type GraphNode,
  type GraphSlice,
  type GraphSliceEdge,
  type GraphSliceNode,
  type GraphSummary,
  type GraphVertexDetail,
} from '../../../src-shared/contract-graph';
import { EntityGraph, type Edge } from './model';
import { CaseGraph } from './runtime';

export interface SliceFilter {
  from?: number;
  to?: number;
  types?: GraphEntityType[];
  minRisk: number;
}

const NODE_SELECT = `SELECT v.id, v.entity_id, v.type, v.value, v.first_seen, v.last_seen, v.events, m.pagerank, m.betweenness, m.community,
  coalesce(m.fan_in, 0) AS fan_in, coalesce(m.fan_out, 0) AS fan_out, coalesce(m.risk, 0) AS risk, coalesce(m.alerts, 0) AS alerts
  FROM graph_vertices v LEFT JOIN graph_metrics m ON m.vertex = v.id`;

const RANK = 'm.pagerank DESC NULLS LAST, v.events DESC, v.id';

interface NodeRow {
  id: number;
  entity_id: string;
  type: GraphEntityType;
  value: string;
  first_seen: number | null;
  last_seen: number | null;
  events: number;
  pagerank: number | null;
  betweenness: number | null;
  community: number | null;
  fan_in: number;
  fan_out: number;
  risk: number;
  alerts: number;
}


function toNode(r: NodeRow): GraphNode {
  return {
    id: r.id,
    entityId: r.entity_id,
    type: r.type,
    value: r.value,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    events: r.events,
    pagerank: r.pagerank,
    betweenness: r.betweenness,
    community: r.community,
    fanIn: r.fan_in,
    fanOut: r.fan_out,
    risk: r.risk,
    alerts: r.alerts,
  };
}

function toEdge(e: Edge): GraphEdge {
  return { src: e.src, dst: e.dst, type: e.type, count: e.count, firstSeen: e.first, lastSeen: e.last };
}

/** A slice as the contract sends it: what draws each vertex and edge, as columns. */
function sliceOf(nodes: readonly GraphNode[], edges: readonly GraphEdge[], rest: Omit<GraphSlice, 'nodes' | 'edges'>): GraphSlice {
  return {
    nodes: toColumns<GraphSliceNode, typeof GRAPH_SLICE_NODE_FIELDS>(nodes, GRAPH_SLICE_NODE_FIELDS),
    edges: toColumns<GraphSliceEdge, typeof GRAPH_SLICE_EDGE_FIELDS>(edges, GRAPH_SLICE_EDGE_FIELDS),
    ...rest,
  };
}

/** Strongest first, then by ends: the order every edge list of a reply is in. */
const byStrength = (a: Edge, b: Edge) => b.count - a.count || a.src - b.src || a.dst - b.dst;

/** WHERE clauses over vertices `v`, metrics `m` (and edges `e` when given) for a filter. */
function vertexWhere(f: SliceFilter, where: string[], params: unknown[]): void {
  if (f.types && f.types.length > 0) {
    where.push(`v.type IN (${f.types.map(() => '?').join(',')})`);
    params.push(...f.types);
  }
  if (f.from !== undefined) {
    where.push('v.last_seen >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('v.first_seen < ?');
    params.push(f.to);
  }
  if (f.minRisk > 0) {
    where.push('coalesce(m.risk, 0) >= ?');
    params.push(f.minRisk);
  }
}

/** An edge seen within the filter's time range (an edge without times is outside any range). */
function inTime(f: SliceFilter, e: Edge): boolean {
  if (f.from !== undefined && (e.last === null || e.last < f.from)) return false;
  if (f.to !== undefined && (e.first === null || e.first >= f.to)) return false;
  return true;
}

const clause = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

export class GraphQueries {
  private own: EntityGraph | null = null;

  constructor(
    private readonly db: Database,
    /** The case's graph: its stage's graph in memory and the version of its metrics. */
    private readonly caseGraph: CaseGraph = new CaseGraph(),
  ) {}

  /** The case's graph stage's graph; without a stage (a look at a case nothing detects in), loaded once. */
  private graph(): EntityGraph {
    const runtime = this.caseGraph.runtime;
    if (runtime) return runtime.graph();
    if (!this.own) {
      this.own = new EntityGraph();
      this.own.load(this.db);
    }
    return this.own;
  }

  summary(): GraphSummary {
    const db = this.db;
    const byType: GraphSummary['byType'] = {};
    for (const r of db.prepare('SELECT type, count(*) AS n FROM graph_vertices GROUP BY type').all() as { type: GraphEntityType; n: number }[]) byType[r.type] = r.n;
    const g = this.graph();
    const edgeTypes: Record<string, number> = {};
    for (const [type, n] of [...g.edgeTypeCounts()].sort((a, b) => b[1] - a[1])) edgeTypes[type] = n;
    const range = db.prepare('SELECT min(first_seen) AS a, max(last_seen) AS b, count(*) AS n FROM graph_vertices').get() as { a: number | null; b: number | null; n: number };
    const edges = g.size;
    const communities = db.prepare('SELECT count(*) FROM graph_communities').pluck().get() as number;
    const maxRisk = db.prepare('SELECT coalesce(max(risk), 0) FROM graph_metrics').pluck().get() as number;
    const last = db.prepare('SELECT * FROM graph_runs ORDER BY id DESC LIMIT 1').get() as
      | { mode: GraphComputation['mode']; status: GraphComputation['status']; vertices: number; edges: number; communities: number; modularity: number | null; betweenness: GraphComputation['betweenness']; ms: number; finished_at: number; error: string | null }
      | undefined;
    return {
      vertices: range.n,
      edges,
      communities,
      byType,
      edgeTypes,
      firstSeen: range.a,
      lastSeen: range.b,
      maxRisk,
      computing: this.caseGraph.runtime?.computing ?? false,
      last: last
        ? {
            mode: last.mode,
            status: last.status,
            vertices: last.vertices,
            edges: last.edges,
            communities: last.communities,
            modularity: last.modularity,
            betweenness: last.betweenness,
            ms: last.ms,
            finishedAt: last.finished_at,
            error: last.error,
          }
        : null,
    };
  }

  /** The most central vertices passing the filter, and the edges among them. */
  slice(f: SliceFilter & { community?: number; maxNodes: number; maxEdges: number }): GraphSlice {
    const where: string[] = [];
    const params: unknown[] = [];
    vertexWhere(f, where, params);
    if (f.community !== undefined) {
      where.push('m.community = ?');
      params.push(f.community);
    }
    const w = clause(where);
    const matched = this.db.prepare(`SELECT count(*) FROM graph_vertices v LEFT JOIN graph_metrics m ON m.vertex = v.id ${w}`).pluck().get(...params) as number;
    const rows = this.db.prepare(`${NODE_SELECT} ${w} ORDER BY ${RANK} LIMIT ?`).all(...params, f.maxNodes) as NodeRow[];
    const nodes = rows.map(toNode);
    const { edges, more } = this.edgesAmong(
      nodes.map((n) => n.id),
      f,
      f.maxEdges,
    );
    return sliceOf(nodes, edges, { center: null, matchedNodes: matched, moreNodes: Math.max(0, matched - nodes.length), moreEdges: more, hiddenNeighbours: {} });
  }

  /** A vertex and its strongest neighbours up to `depth` hops. */
  ego(f: SliceFilter & { vertexId: number; depth: number; maxNodes: number }): GraphSlice {
    const center = this.node(f.vertexId);
    if (!center) return sliceOf([], [], { center: null, matchedNodes: 0, moreNodes: 0, moreEdges: 0, hiddenNeighbours: {} });
    const chosen = new Map<number, GraphNode>([[center.id, center]]);
    const first = this.neighbours(center.id, f, f.maxNodes - 1);
    for (const r of first.rows) chosen.set(r.id, toNode(r));
    const moreNodes = Math.max(0, first.total - first.rows.length);
    const ring = first.rows.map((r) => r.id);
    // Each ring vertex's neighbour count, kept from the second ring's lookups for the "N more" below.
    const totals = new Map<number, number>([[center.id, first.total]]);
    if (f.depth > 1 && ring.length > 0) {
      // The second ring shares what is left of the budget, strongest first-ring vertices first.
      const per = Math.ceil((f.maxNodes - chosen.size) / ring.length);
      for (const id of ring) {
        if (chosen.size >= f.maxNodes) break;
        let added = 0;
        const next = this.neighbours(id, f, per + chosen.size);
        totals.set(id, next.total);
        for (const r of next.rows) {
          if (chosen.has(r.id)) continue;
          if (added >= per || chosen.size >= f.maxNodes) break;
          chosen.set(r.id, toNode(r));
          added++;
        }
      }
    }
    const ids = [...chosen.keys()];
    const { edges, more } = this.edgesAmong(ids, f, 20_000);
    // "N more" per vertex: its neighbours (under the filter) that this reply does not show.
    const present = new Map<number, Set<number>>();
    const link = (a: number, b: number) => {
      let s = present.get(a);
      if (!s) present.set(a, (s = new Set()));
      s.add(b);
    };
    for (const e of edges) {
      link(e.src, e.dst);
      link(e.dst, e.src);
    }
    const hidden: Record<string, number> = {};
    for (const id of [center.id, ...ring]) {
      const total = totals.get(id) ?? this.neighbours(id, f, 0).total;
      hidden[String(id)] = Math.max(0, total - (present.get(id)?.size ?? 0));
    }
    return sliceOf([...chosen.values()], edges, { center: center.id, matchedNodes: chosen.size + moreNodes, moreNodes, moreEdges: more, hiddenNeighbours: hidden });
  }

  find(query: string, types: GraphEntityType[] | undefined, limit: number): GraphNode[] {
    const where = ["v.value LIKE ? ESCAPE '\\'"];
    const params: unknown[] = [`%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`];
    if (types && types.length > 0) {
      where.push(`v.type IN (${types.map(() => '?').join(',')})`);
      params.push(...types);
    }
    const rows = this.db.prepare(`${NODE_SELECT} ${clause(where)} ORDER BY (v.value = ?) DESC, ${RANK} LIMIT ?`).all(...params, query, limit) as NodeRow[];
    return rows.map(toNode);
  }

  /**
   * A group of entities as one selection (a campaign's member addresses): their vertices, then
   * the vertices most of them touch (the accounts or paths they share), and the edges among all.
   */
  group(entities: { type: GraphEntityType; value: string }[], f: SliceFilter, maxNodes: number): GraphSlice & { group: number[] } {
    const rows = entities.length
      ? (this.db
          .prepare(`${NODE_SELECT} WHERE (v.type, v.value) IN (SELECT json_extract(value, '$.type'), json_extract(value, '$.value') FROM json_each(?)) ORDER BY ${RANK}`)
          .all(JSON.stringify(entities)) as NodeRow[])
      : [];
    const members = rows.slice(0, Math.max(1, Math.floor(maxNodes * 0.8)));
    const chosen = new Map<number, GraphNode>(members.map((r) => [r.id, toNode(r)]));
    // What the members share: neighbours ranked by how many members touch them.
    const shared = new Map<number, number>();
    for (const m of members) for (const n of this.graph().neighbourCounts(m.id, f.from, f.to).keys()) if (!chosen.has(n)) shared.set(n, (shared.get(n) ?? 0) + 1);
    const top = [...shared.entries()]
      .filter(([, k]) => k >= 2 || members.length === 1)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, maxNodes - chosen.size)
      .map(([id]) => id);
    if (top.length)
      for (const r of this.db.prepare(`${NODE_SELECT} WHERE v.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(top)) as NodeRow[])
        chosen.set(r.id, toNode(r));
    const { edges, more } = this.edgesAmong([...chosen.keys()], f, 20_000);
    return {
      ...sliceOf([...chosen.values()], edges, {
        center: null,
        matchedNodes: rows.length + shared.size,
        moreNodes: Math.max(0, rows.length - members.length) + Math.max(0, [...shared.values()].filter((k) => k >= 2).length - top.length),
        moreEdges: more,
        hiddenNeighbours: {},
      }),
      group: members.map((r) => r.id),
    };
  }

  node(id: number): GraphNode | null {
    const r = this.db.prepare(`${NODE_SELECT} WHERE v.id = ?`).get(id) as NodeRow | undefined;
    return r ? toNode(r) : null;
  }

  vertex(id: number, maxEdges: number, maxAlerts: number): GraphVertexDetail | null {
    const node = this.node(id);
    if (!node) return null;
    const incident = this.graph().edgesOf(id);
    const all = incident.length;
    const edges = incident.sort(byStrength).slice(0, maxEdges).map(toEdge);
    const others = [...new Set(edges.map((e) => (e.src === id ? e.dst : e.src)))];
    const neighbours = others.length
      ? (this.db.prepare(`${NODE_SELECT} WHERE v.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(others)) as NodeRow[]).map(toNode)
      : [];
    const community = node.community === null ? null : this.community(node.community, 5);
    const match = `EXISTS (SELECT 1 FROM json_each(a.entities) je WHERE je.value ->> 'type' = ? AND je.value ->> 'value' = ?)`;
    const alertsTotal = this.db.prepare(`SELECT count(*) FROM alerts a WHERE ${match}`).pluck().get(node.type, node.value) as number;
    const alerts = (
      this.db
        .prepare(`SELECT id, detector, kind, title, severity, first_ts, last_ts FROM alerts a WHERE ${match} ORDER BY coalesce(first_ts, 0) DESC, id DESC LIMIT ?`)
        .all(node.type, node.value, maxAlerts) as { id: number; detector: string; kind: string; title: string; severity: string; first_ts: number | null; last_ts: number | null }[]
    ).map((a): GraphAlert => ({ id: a.id, detector: a.detector, kind: a.kind, title: a.title, severity: a.severity, firstTs: a.first_ts, lastTs: a.last_ts }));
    return { node, community, edges, neighbours, moreEdges: Math.max(0, all - edges.length), alerts, alertsTotal };
  }

  communities(minSize: number, topMembers: number, offset: number, limit: number): GraphCommunitiesPage {
    const total = this.db.prepare('SELECT count(*) FROM graph_communities WHERE size >= ?').pluck().get(minSize) as number;
    const rows = this.db.prepare('SELECT * FROM graph_communities WHERE size >= ? ORDER BY size DESC, id LIMIT ? OFFSET ?').all(minSize, limit, offset) as CommunityRow[];
    return { rows: rows.map((r) => this.toCommunity(r, topMembers)), offset, total };
  }

  community(id: number, topMembers: number): GraphCommunity | null {
    const r = this.db.prepare('SELECT * FROM graph_communities WHERE id = ?').get(id) as CommunityRow | undefined;
    return r ? this.toCommunity(r, topMembers) : null;
  }

  private toCommunity(r: CommunityRow, topMembers: number): GraphCommunity {
    const ids = (JSON.parse(r.top) as number[]).slice(0, topMembers);
    const members = ids.length
      ? (this.db
          .prepare('SELECT v.id, v.type, v.value, coalesce(m.pagerank, 0) AS pagerank FROM graph_vertices v LEFT JOIN graph_metrics m ON m.vertex = v.id WHERE v.id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(ids)) as GraphCommunity['top'])
      : [];
    members.sort((a, b) => b.pagerank - a.pagerank);
    return {
      id: r.id,
      size: r.size,
      types: JSON.parse(r.types) as GraphCommunity['types'],
      top: members,
      internalEdges: r.internal_edges,
      externalEdges: r.external_edges,
      risk: r.risk,
    };
  }

  /**
   * PageRank and risk per vertex, as the last computation stored them: read once per computation,
   * so ranking a hub's 50K neighbours is a sort in memory rather than a join.
   */
  private metrics(): Map<number, { pagerank: number | null; risk: number }> {
    const run = this.db.prepare(`SELECT id || ':' || finished_at FROM graph_runs ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
    const key = `${this.caseGraph.metricsVersion}:${run ?? ''}`;
    if (this.metricsCache?.key !== key) {
      const byVertex = new Map<number, { pagerank: number | null; risk: number }>();
      for (const [v, pagerank, risk] of this.db.prepare('SELECT vertex, pagerank, risk FROM graph_metrics').raw().iterate() as IterableIterator<[number, number | null, number]>) {
        byVertex.set(v, { pagerank, risk });
      }
      this.metricsCache = { key, byVertex };
    }
    return this.metricsCache.byVertex;
  }

  private metricsCache: { key: string; byVertex: Map<number, { pagerank: number | null; risk: number }> } | null = null;

  /**
   * A vertex's neighbours under the filter (edge times, vertex types, minimum risk), ranked by the
   * summed count of their edges with it, then as RANK does; the first `limit` as rows, and how many.
   */
  private neighbours(id: number, f: SliceFilter, limit: number): { rows: NodeRow[]; total: number } {
    const g = this.graph();
    const sums = g.neighbourCounts(id, f.from, f.to);
    const metrics = this.metrics();
    const types = f.types && f.types.length > 0 ? new Set<string>(f.types) : null;
    const ranked: { id: number; c: number; pagerank: number | null; events: number }[] = [];
    for (const [n, c] of sums) {
      const v = g.vertex(n);
      if (!v || (types && !types.has(v.type))) continue;
      const m = metrics.get(n);
      if (f.minRisk > 0 && (m?.risk ?? 0) < f.minRisk) continue;
      ranked.push({ id: n, c, pagerank: m?.pagerank ?? null, events: v.events });
    }
    if (limit <= 0 || ranked.length === 0) return { rows: [], total: ranked.length };
    // Only those whose count reaches the limit-th highest can be in the first `limit`: sort them.
    let pool = ranked;
    if (ranked.length > 4 * limit) {
      const counts = Float64Array.from(ranked, (r) => r.c).sort();
      const floor = counts[counts.length - limit] as number;
      pool = ranked.filter((r) => r.c >= floor);
    }
    pool.sort((a, b) => b.c - a.c || (b.pagerank ?? -Infinity) - (a.pagerank ?? -Infinity) || b.events - a.events || a.id - b.id);
    const top = pool.slice(0, limit).map((r) => r.id);
    const byId = new Map((this.db.prepare(`${NODE_SELECT} WHERE v.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(top)) as NodeRow[]).map((r) => [r.id, r]));
    // A vertex the tables do not have yet (written with the graph's next flush) is left out.
    return { rows: top.flatMap((n) => byId.get(n) ?? []), total: ranked.length };
  }

  /**
   * Edges whose two ends are both in `ids`, strongest first, capped. Under the cap every vertex
   * keeps an edge (a greedy cover of strongest edges) before the rest go by strength, so a vertex
   * whose edges are all weak (an actor that tried a few accounts once) is not drawn alone.
   */
  private edgesAmong(ids: number[], f: SliceFilter, max: number): { edges: GraphEdge[]; more: number } {
    if (ids.length === 0) return { edges: [], more: 0 };
    const g = this.graph();
    const set = new Set(ids);
    const found: Edge[] = [];
    for (const id of set) for (const e of g.edgesFrom(id)) if (set.has(e.dst) && inTime(f, e)) found.push(e);
    found.sort(byStrength);
    if (found.length <= max) return { edges: found.map(toEdge), more: 0 };
    // Each vertex's strongest edge (the first met: found is strongest first) and its degree here.
    const best = new Map<number, Edge>();
    const degree = new Map<number, number>();
    for (const e of found) {
      for (const v of [e.src, e.dst]) {
        if (!best.has(v)) best.set(v, e);
        degree.set(v, (degree.get(v) ?? 0) + 1);
      }
    }
    // A greedy edge cover: the vertices with fewest edges choose first, a hub's ends are met anyway.
    const covered = new Set<number>();
    const cover = new Set<Edge>();
    for (const v of [...best.keys()].sort((a, b) => degree.get(a)! - degree.get(b)! || a - b)) {
      if (covered.has(v)) continue;
      const e = best.get(v)!;
      cover.add(e);
      covered.add(e.src);
      covered.add(e.dst);
    }
    const chosen = [...cover].sort(byStrength).slice(0, max);
    const taken = new Set(chosen);
    for (const e of found) {
      if (chosen.length >= max) break;
      if (!taken.has(e)) chosen.push(e);
    }
    chosen.sort(byStrength);
    return { edges: chosen.map(toEdge), more: found.length - chosen.length };
  }
}

interface CommunityRow {
  id: number;
  size: number;
  types: string;
  top: string;
  internal_edges: number;
  external_edges: number;
  risk: number;
}
