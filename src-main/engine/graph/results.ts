/**
 * Stores one computation's results per vertex and per community, raises the detections that need
 * them, refreshes each vertex's risk from the risk register, and records the run. Runs inside one
 * transaction (the pass's, or its own for a background computation).
 */
import type { Database } from 'better-sqlite3';
import type { GraphComputation } from '../../../src-shared/contract-graph';
import type { AlertSink } from '../store/alerts';
import type { MetricsOutput } from './algorithms';
import { communityCrossings, suddenCentrality, type ComputedGraph } from './detections';
import type { Edge, EntityGraph, Snapshot } from './model';

const TOP_MEMBERS = 10;

export function applyResults(
  db: Database,
  graph: EntityGraph,
  snap: Snapshot,
  out: MetricsOutput,
  sink: AlertSink,
  run: { mode: GraphComputation['mode']; ms: number; sinceEvent: number },
): GraphComputation {
  const ids = snap.ids;
  const n = ids.length;
  const previous = new Map<number, number>();
  for (const [v, pr] of db.prepare('SELECT vertex, pagerank FROM graph_metrics WHERE pagerank IS NOT NULL').raw().iterate() as IterableIterator<[number, number]>) {
    previous.set(v, pr);
  }
  const hasPrevious = (db.prepare(`SELECT count(*) FROM graph_runs WHERE status = 'done'`).pluck().get() as number) > 0;

  db.exec('DELETE FROM graph_metrics; DELETE FROM graph_communities;');
  const insert = db.prepare('INSERT INTO graph_metrics (vertex, pagerank, prev_pagerank, betweenness, community, fan_in, fan_out) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const community = new Map<number, number>();
  const pagerank = new Map<number, number>();
  const size = new Map<number, number>();
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const c = out.community[i] as number;
    const pr = out.pagerank[i] as number;
    const b = out.betweenness[i] as number;
    insert.run(id, pr, previous.get(id) ?? null, Number.isNaN(b) ? null : b, c, graph.fanIn(id), graph.fanOut(id));
    community.set(id, c);
    pagerank.set(id, pr);
    size.set(c, (size.get(c) ?? 0) + 1);
    let m = members.get(c);
    if (!m) members.set(c, (m = []));
    m.push(id);
  }

  // Edge counts inside and between communities, over the merged undirected edges.
  const internal = new Map<number, number>();
  const external = new Map<number, number>();
  const { src, dst } = snap.input;
  for (let k = 0; k < src.length; k++) {
    const ca = out.community[src[k] as number] as number;
    const cb = out.community[dst[k] as number] as number;
    if (ca === cb) internal.set(ca, (internal.get(ca) ?? 0) + 1);
    else {
      external.set(ca, (external.get(ca) ?? 0) + 1);
      external.set(cb, (external.get(cb) ?? 0) + 1);
    }
  }
  const insertCommunity = db.prepare('INSERT INTO graph_communities (id, size, types, top, internal_edges, external_edges) VALUES (?, ?, ?, ?, ?, ?)');
  for (const [c, list] of members) {
    const types: Record<string, number> = {};
    for (const id of list) {
      const t = graph.vertex(id)?.type ?? 'unknown';
      types[t] = (types[t] ?? 0) + 1;
    }
    const top = list
      .slice()
      .sort((a, b) => (pagerank.get(b) as number) - (pagerank.get(a) as number))
      .slice(0, TOP_MEMBERS);
    insertCommunity.run(c, list.length, JSON.stringify(types), JSON.stringify(top), internal.get(c) ?? 0, external.get(c) ?? 0);
  }

  const computed: ComputedGraph = {
    vertex: (id) => graph.vertex(id),
    edges: () => graph.allEdges(),
    community,
    communitySize: size,
    pagerank,
    previousPagerank: previous,
    sinceEvent: run.sinceEvent,
    hasPrevious,
  };
  const edgesOf = (id: number): Edge[] => graph.edgesOf(id);
  for (const a of communityCrossings(computed)) sink.add(a);
  for (const a of suddenCentrality(computed, n, edgesOf)) sink.add(a);

  refreshRisk(db);

  const result: GraphComputation = {
    mode: run.mode,
    status: 'done',
    vertices: n,
    edges: graph.size,
    communities: out.communities,
    modularity: out.modularity,
    betweenness: out.betweennessMode,
    ms: run.ms,
    finishedAt: Date.now(),
    error: null,
  };
  recordRun(db, result, snap.maxEvent);
  return result;
}

/**
 * Each vertex's risk (the caller tells the case's readers that the metrics changed): its entity's peak risk in the risk register (what the incident queue shows
 * for the same entity), and how many alerts name it; a community's risk is its members' sum.
 */
export function refreshRisk(db: Database): void {
  db.exec(`
    UPDATE graph_metrics SET risk = 0, alerts = 0 WHERE risk != 0 OR alerts != 0;
    WITH named AS (
      SELECT je.value ->> 'type' AS type, je.value ->> 'value' AS value
      FROM alerts a, json_each(a.entities) je
    ), agg AS (
      SELECT type, value, count(*) AS n FROM named GROUP BY type, value
    )
    UPDATE graph_metrics SET alerts = x.n
    FROM (SELECT v.id AS vertex, agg.n FROM agg JOIN graph_vertices v ON v.type = agg.type AND v.value = agg.value) AS x
    WHERE graph_metrics.vertex = x.vertex;
    UPDATE graph_metrics SET risk = x.peak
    FROM (SELECT v.id AS vertex, r.peak FROM entity_risk r JOIN graph_vertices v ON v.type = r.type AND v.value = r.value) AS x
    WHERE graph_metrics.vertex = x.vertex;
    UPDATE graph_communities SET risk = coalesce((SELECT sum(m.risk) FROM graph_metrics m WHERE m.community = graph_communities.id), 0);
  `);
}

export function recordRun(db: Database, r: GraphComputation, maxEvent: number): void {
  db.prepare(
    'INSERT INTO graph_runs (mode, status, vertices, edges, communities, modularity, betweenness, ms, max_event, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(r.mode, r.status, r.vertices, r.edges, r.communities, r.modularity, r.betweenness, r.ms, maxEvent, r.finishedAt, r.error);
}
