/**
 * The entity graph in memory: vertices are entities, edges are typed, counted and time-stamped
 * (see edge-rules.ts). It grows event by event, tracks what changed since the last flush, writes
 * only that to the case's graph tables, and reloads from them when the case is reopened.
 *
 * The streaming store is flat (a vertex array, per-vertex maps of out-edges keyed by small
 * integers): at 200K events/s the budget is 5 µs an event, and a graphology insert per new edge
 * took a quarter of it. graphology graphs are built from snapshots for the algorithms
 * (algorithms.ts), where its implementations of PageRank, Louvain and betweenness do the work.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { EntityType } from '../parse/entities';
import type { MetricsInput } from './algorithms';
import { eventEdges, type EdgeSink } from './edge-rules';
import { EntityResolver, type GraphEntity } from './entity-resolver';

export interface Vertex {
  id: number;
  entityId: string;
  type: EntityType;
  value: string;
  first: number | null;
  last: number | null;
  events: number;
  /** The last event counted in `events`, so an event with two edges counts once. */
  lastEvent: number;
  /** Out-edges by dst · TYPE_SLOTS + edge type number. */
  out: Map<number, Edge>;
  /** In-edges, in creation order. */
  in: Edge[];
  dirty: boolean;
}

export interface Edge {
  src: number;
  dst: number;
  type: string;
  count: number;
  first: number | null;
  last: number | null;
  firstEvent: number;
  lastEvent: number;
  dirty: boolean;
  /** Whether the case's table has this edge's row (so a flush updates it rather than inserts). */
  stored: boolean;
}

/** A new edge, as the structural detectors see it. */
export interface NewEdge {
  edge: Edge;
  src: Vertex;
  dst: Vertex;
  ts: number | null;
}

/** The snapshot the algorithms run on, and the vertex id of each dense index. */
export interface Snapshot {
  input: MetricsInput;
  ids: Int32Array;
  /** Highest event id in the graph when the snapshot was taken. */
  maxEvent: number;
}

/** Edge types get small numbers, so an edge is found by one small-integer key in its source's map. */
const TYPE_SLOTS = 32;
const typeIndex = new Map<string, number>();

function typeNo(type: string): number {
  let t = typeIndex.get(type);
  if (t === undefined) {
    t = typeIndex.size;
    if (t >= TYPE_SLOTS) throw new Error(`too many edge types (${type})`);
    typeIndex.set(type, t);
  }
  return t;
}

/** How often a long pass or the live collector writes the graph (it always does at a pass's end). */
const FLUSH_INTERVAL_MS = 5000;

export class EntityGraph {
  /** By id; index 0 unused. */
  private readonly vertices: (Vertex | undefined)[] = [undefined];
  private readonly byEntity = new Map<string, Vertex>();
  private readonly resolver = new EntityResolver();
  /** Changed since the last flush; a vertex or edge is listed once (its `dirty` flag). */
  private dirtyVertices: Vertex[] = [];
  private dirtyEdges: Edge[] = [];
  private edgeCount = 0;
  /** The edge table has rows whose vertices are missing, so the graph could not load them. */
  private unloadedRows = false;
  private lastFlush = Date.now();
  private ts: number | null = null;
  private eventId = 0;
  private onNew: ((e: NewEdge) => void) | undefined = undefined;
  private readonly emit: EdgeSink = (a, b, type) => this.link(a, b, type);
  /** Bumped by every change; the stage compares it to decide whether to recompute. */
  version = 0;
  maxEvent = 0;

  get order(): number {
    return this.byEntity.size;
  }

  get size(): number {
    return this.edgeCount;
  }

  vertex(id: number): Vertex | undefined {
    return this.vertices[id];
  }

  vertexOf(entityId: string): Vertex | undefined {
    return this.byEntity.get(entityId);
  }

  forEachVertex(fn: (v: Vertex) => void): void {
    for (const v of this.vertices) if (v) fn(v);
  }

  edgeOf(src: number, dst: number, type: string): Edge | undefined {
    return this.vertices[src]?.out.get(dst * TYPE_SLOTS + typeNo(type));
  }

  *allEdges(): IterableIterator<Edge> {
    for (const v of this.vertices) if (v) yield* v.out.values();
  }

  /** The typed edges of a vertex, both directions. */
  edgesOf(id: number): Edge[] {
    const v = this.vertices[id];
    return v ? [...v.out.values(), ...v.in] : [];
  }

  /** Distinct vertices `id` points to. */
  fanOut(id: number): number {
    const v = this.vertices[id];
    if (!v) return 0;
    const seen = new Set<number>();
    for (const e of v.out.values()) seen.add(e.dst);
    return seen.size;
  }

  /** Distinct vertices that point to `id`. */
  fanIn(id: number): number {
    const v = this.vertices[id];
    if (!v) return 0;
    const seen = new Set<number>();
    for (const e of v.in) seen.add(e.src);
    return seen.size;
  }

  /** Add one event's edges; `onNew` hears each edge the graph did not have. */
  addEvent(ev: NormalizedEvent, onNew?: (e: NewEdge) => void): void {
    this.ts = ev.ts;
    this.eventId = ev.id;
    this.onNew = onNew;
    if (ev.id > this.maxEvent) this.maxEvent = ev.id;
    eventEdges(ev, this.resolver, this.emit);
  }

  private link(a: GraphEntity, b: GraphEntity, type: string): void {
    // The resolver gives one object per entity id, so identity is the same test as equal ids.
    if (a === b) return;
    const ts = this.ts;
    const eventId = this.eventId;
    const src = this.ensureVertex(a, ts, eventId);
    const dst = this.ensureVertex(b, ts, eventId);
    const key = dst.id * TYPE_SLOTS + typeNo(type);
    let e = src.out.get(key);
    if (e) {
      e.count++;
      if (ts !== null) {
        if (e.first === null || ts < e.first) e.first = ts;
        if (e.last === null || ts > e.last) e.last = ts;
      }
      if (eventId > e.lastEvent) e.lastEvent = eventId;
    } else {
      e = { src: src.id, dst: dst.id, type, count: 1, first: ts, last: ts, firstEvent: eventId, lastEvent: eventId, dirty: false, stored: false };
      src.out.set(key, e);
      dst.in.push(e);
      this.edgeCount++;
      this.onNew?.({ edge: e, src, dst, ts });
    }
    if (!e.dirty) {
      e.dirty = true;
      this.dirtyEdges.push(e);
    }
    this.version++;
  }

  private ensureVertex(ent: GraphEntity, ts: number | null, eventId: number): Vertex {
    // The resolver's entity objects belong to this graph: each remembers its vertex.
    let v = ent.vertex as Vertex | undefined;
    if (v === undefined) {
      v = this.byEntity.get(ent.id);
      if (!v) {
        v = { id: this.vertices.length, entityId: ent.id, type: ent.type, value: ent.value, first: ts, last: ts, events: 0, lastEvent: 0, out: new Map(), in: [], dirty: false };
        this.vertices.push(v);
        this.byEntity.set(ent.id, v);
      }
      ent.vertex = v;
    }
    if (ts !== null) {
      if (v.first === null || ts < v.first) v.first = ts;
      if (v.last === null || ts > v.last) v.last = ts;
    }
    if (v.lastEvent !== eventId || eventId === 0) {
      v.lastEvent = eventId;
      v.events++;
      if (!v.dirty) {
        v.dirty = true;
        this.dirtyVertices.push(v);
      }
    }
    return v;
  }

  /**
   * Write what changed since the last flush; call inside a transaction. With `force` false, only
   * when FLUSH_INTERVAL_MS have passed: a pass writes its graph at its end (an interrupted pass is
   * re-run whole anyway), so the hot edges of a million events are not rewritten every page.
   */
  flush(db: Database, force = true): void {
    if (this.dirtyVertices.length === 0 && this.dirtyEdges.length === 0) return;
    if (!force && Date.now() - this.lastFlush < FLUSH_INTERVAL_MS) return;
    const st = statements(db);
    const vertices = this.dirtyVertices.sort((a, b) => a.id - b.id);
    for (const v of vertices) {
      st.vertex.run(v.id, v.entityId, v.type, v.value, v.first, v.last, v.events);
      v.dirty = false;
    }
    // In key order, so the B-tree is written front to back instead of at random. An edge the table
    // does not have yet is a plain insert (no conflict to resolve); unless the table holds rows
    // this graph could not load (see load), where the upsert keeps what the table had.
    const plain = !this.unloadedRows;
    for (const e of sortEdges(this.dirtyEdges, this.vertices.length)) {
      (plain && !e.stored ? st.insertEdge : st.edge).run(e.src, e.dst, e.type, e.count, e.first, e.last, e.firstEvent, e.lastEvent);
      e.dirty = false;
      e.stored = true;
    }
    this.dirtyVertices = [];
    this.dirtyEdges = [];
    this.lastFlush = Date.now();
  }

  /** Rebuild from the case's tables (a reopened case continues where it stopped). */
  load(db: Database): void {
    const vertices = db.prepare('SELECT id, entity_id, type, value, first_seen, last_seen, events FROM graph_vertices ORDER BY id').raw().iterate() as IterableIterator<
      [number, string, EntityType, string, number | null, number | null, number]
    >;
    for (const [id, entityId, type, value, first, last, events] of vertices) {
      // Ids are dense from 1 as this class assigns them; pad in case rows were ever removed.
      while (this.vertices.length < id) this.vertices.push(undefined);
      const v: Vertex = { id, entityId, type, value, first, last, events, lastEvent: 0, out: new Map(), in: [], dirty: false };
      this.vertices[id] = v;
      this.byEntity.set(entityId, v);
    }
    const edges = db.prepare('SELECT src, dst, type, count, first_seen, last_seen, first_event, last_event FROM graph_edges').raw().iterate() as IterableIterator<
      [number, number, string, number, number | null, number | null, number, number]
    >;
    for (const [src, dst, type, count, first, last, firstEvent, lastEvent] of edges) {
      const a = this.vertices[src];
      const b = this.vertices[dst];
      if (!a || !b) {
        this.unloadedRows = true;
        continue;
      }
      const e: Edge = { src, dst, type, count, first, last, firstEvent, lastEvent, dirty: false, stored: true };
      a.out.set(dst * TYPE_SLOTS + typeNo(type), e);
      b.in.push(e);
      this.edgeCount++;
      if (lastEvent > this.maxEvent) this.maxEvent = lastEvent;
    }
  }

  /**
   * Undirected, merged, weighted edge list over dense indices. A pair's weight is the sum over its
   * typed edges of 1 + ln(count): a thousand repeats of one login should not outweigh a hundred
   * distinct relations, yet repetition still counts.
   */
  snapshot(seed: number, betweennessMax: number): Snapshot {
    const n = this.order;
    const ids = new Int32Array(n);
    const index = new Int32Array(this.vertices.length);
    let i = 0;
    for (const v of this.vertices) {
      if (!v) continue;
      ids[i] = v.id;
      index[v.id] = i++;
    }
    const pair = new Map<number, number>();
    const src: number[] = [];
    const dst: number[] = [];
    const weight: number[] = [];
    for (const e of this.allEdges()) {
      let a = index[e.src] as number;
      let b = index[e.dst] as number;
      if (a > b) [a, b] = [b, a];
      const k = a * n + b;
      const w = 1 + Math.log(e.count);
      const at = pair.get(k);
      if (at === undefined) {
        pair.set(k, src.length);
        src.push(a);
        dst.push(b);
        weight.push(w);
      } else {
        weight[at] = (weight[at] as number) + w;
      }
    }
    return {
      input: { n, src: Int32Array.from(src), dst: Int32Array.from(dst), weight: Float64Array.from(weight), seed, betweennessMax },
      ids,
      maxEvent: this.maxEvent,
    };
  }
}

/**
 * Edges in (src, dst, type) order, the table's key order: a counting sort by source (linear), then
 * each source's few edges by destination and type name.
 */
function sortEdges(edges: Edge[], ids: number): Edge[] {
  if (edges.length < 2) return edges;
  const start = new Int32Array(ids + 1);
  for (const e of edges) start[e.src + 1] = (start[e.src + 1] as number) + 1;
  for (let i = 1; i <= ids; i++) start[i] = (start[i] as number) + (start[i - 1] as number);
  const next = start.slice(0, ids);
  const out = new Array<Edge>(edges.length);
  for (const e of edges) {
    const at = next[e.src] as number;
    next[e.src] = at + 1;
    out[at] = e;
  }
  const byDstType = (a: Edge, b: Edge) => a.dst - b.dst || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
  for (let v = 0; v < ids; v++) {
    const from = start[v] as number;
    const to = start[v + 1] as number;
    if (to - from < 2) continue;
    if (to - from === 2) {
      const a = out[from] as Edge;
      const b = out[from + 1] as Edge;
      if (byDstType(a, b) > 0) {
        out[from] = b;
        out[from + 1] = a;
      }
      continue;
    }
    const run = out.slice(from, to).sort(byDstType);
    for (let i = 0; i < run.length; i++) out[from + i] = run[i] as Edge;
  }
  return out;
}

interface Statements {
  vertex: Statement;
  edge: Statement;
  insertEdge: Statement;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let st = cache.get(db);
  if (!st) {
    st = {
      vertex: db.prepare(`
        INSERT INTO graph_vertices (id, entity_id, type, value, first_seen, last_seen, events) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, events = excluded.events`),
      edge: db.prepare(`
        INSERT INTO graph_edges (src, dst, type, count, first_seen, last_seen, first_event, last_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(src, dst, type) DO UPDATE SET count = excluded.count, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
          last_event = excluded.last_event`),
      insertEdge: db.prepare(`
        INSERT INTO graph_edges (src, dst, type, count, first_seen, last_seen, first_event, last_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    cache.set(db, st);
  }
  return st;
}
