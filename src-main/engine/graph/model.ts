/**
 * The entity graph in memory: vertices are entities, edges are typed, counted and time-stamped
 * (see edge-rules.ts). It grows event by event, tracks what changed since the last flush, writes
 * only that to the case, and reloads from it when the case is reopened. Vertices are rows of
 * graph_vertices; edges are stored as pages of fixed-size records (edge-pages.ts), because a
 * million edges as a million B-tree rows cost seconds to write, and everything that reads edges
 * (queries.ts, the algorithms, the detections) reads them from this class.
 *
 * The streaming store is flat: a vertex array, and the edges as fixed-size records in one
 * Float64Array found through an open-addressing hash of (src, dst, type). At 200K events/s the
 * budget is 5 µs an event; an object and a Map entry per edge cost a million long-lived objects
 * for the garbage collector to copy and mark, and several cache misses per lookup. Edge objects
 * are made on demand for the readers (detections, results, tests). graphology graphs are built
 * from snapshots for the algorithms (algorithms.ts), where its implementations of PageRank,
 * Louvain and betweenness do the work.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { EntityType } from '../parse/entities';
import type { MetricsInput } from './algorithms';
import { decodePage, EDGE_STRIDE, encodePage, PAGE_EDGES, PAGE_SHIFT } from './edge-pages';
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
  dirty: boolean;
  /** The case has the vertex's row (so a flush updates it). */
  stored?: boolean;
}

/** An edge as the graph's readers see it: a copy of its record at the time it was read. */
export interface Edge {
  src: number;
  dst: number;
  type: string;
  count: number;
  first: number | null;
  last: number | null;
  firstEvent: number;
  lastEvent: number;
}

/**
 * Hears each edge the graph did not have, as the structural detectors see it: its ends, its type,
 * the time of the event that created it, and its number (`edge(no)` gives the rest). Plain
 * arguments: a million new edges should not cost a million short-lived objects.
 */
export type NewEdgeListener = (src: Vertex, dst: Vertex, type: string, ts: number | null, edgeNo: number) => void;

/** The snapshot the algorithms run on, and the vertex id of each dense index. */
export interface Snapshot {
  input: MetricsInput;
  ids: Int32Array;
  /** Highest event id in the graph when the snapshot was taken. */
  maxEvent: number;
}

/** Edge types get small numbers, kept in an edge's record with its flags. */
const TYPE_SLOTS = 32;
const typeIndex = new Map<string, number>();
const typeNames: string[] = [];

function typeNo(type: string): number {
  let t = typeIndex.get(type);
  if (t === undefined) {
    t = typeIndex.size;
    if (t >= TYPE_SLOTS) throw new Error(`too many edge types (${type})`);
    typeIndex.set(type, t);
    typeNames.push(type);
  }
  return t;
}

/**
 * An edge record: STRIDE doubles (one cache line), the layout of edge-pages.ts. The TYPE slot holds
 * the type number (in the case's pages: the case's code for the type). A null time is NaN.
 */
const STRIDE = EDGE_STRIDE;
const SRC = 0;
const DST = 1;
const TYPE = 2;
const COUNT = 3;
const FIRST = 4;
const LAST = 5;
const FIRST_EVENT = 6;
const LAST_EVENT = 7;
const TYPE_MASK = TYPE_SLOTS - 1;

/** Hash of an edge key; never 0, which marks an empty slot. */
function keyHash(src: number, dst: number, type: number): number {
  let h = Math.imul(src, 0x9e3779b1) ^ Math.imul(dst * TYPE_SLOTS + type, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 1;
}

const orNull = (x: number): number | null => (x === x ? x : null);

/** How often a long pass or the live collector writes the graph (it always does at a pass's end). */
const FLUSH_INTERVAL_MS = 5000;

/** Edges grouped by source and by destination, each group in creation order. */
interface Adjacency {
  edges: number;
  outStart: Int32Array;
  out: Int32Array;
  inStart: Int32Array;
  in: Int32Array;
}

export class EntityGraph {
  /** By id; index 0 unused. */
  private readonly vertices: (Vertex | undefined)[] = [undefined];
  private readonly byEntity = new Map<string, Vertex>();
  private readonly resolver = new EntityResolver();
  /** Edge records, in creation order (see STRIDE). */
  private rec = new Float64Array(1024 * STRIDE);
  /** Open addressing, linear probing: pairs of (edge number + 1, key hash); 0 is empty. */
  private slots = new Int32Array(4096);
  private mask = 2047;
  /** Changed since the last flush; a vertex is listed once (its dirty flag). */
  private dirtyVertices: Vertex[] = [];
  /** Edge pages changed since the last flush (1 = changed). */
  private dirtyPages = new Uint8Array(64);
  private anyDirtyPage = false;
  /** The case's pages do not match this graph's numbering (see load): the next flush rewrites them all. */
  private rewritePages = false;
  private edgeCount = 0;
  private adjacency: Adjacency | null = null;
  private lastFlush = Date.now();
  private ts: number | null = null;
  private eventId = 0;
  private onNew: NewEdgeListener | undefined = undefined;
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
    const t = typeIndex.get(type);
    if (t === undefined) return undefined;
    const i = this.find(src, dst, t, keyHash(src, dst, t));
    return i < 0 ? undefined : this.edgeAt(i);
  }

  /** The number of the edge with this key (its number never changes), or -1. */
  edgeNumber(src: number, dst: number, type: string): number {
    const t = typeIndex.get(type);
    return t === undefined ? -1 : this.find(src, dst, t, keyHash(src, dst, t));
  }

  /** Edge number `no` (0 ≤ no < size). */
  edge(no: number): Edge {
    if (!(no >= 0 && no < this.edgeCount)) throw new RangeError(`no edge ${no}`);
    return this.edgeAt(no);
  }

  /** Every edge: by source vertex id, each source's edges in creation order. */
  *allEdges(): IterableIterator<Edge> {
    const adj = this.adjacencyIndex();
    for (let k = 0; k < adj.out.length; k++) yield this.edgeAt(adj.out[k] as number);
  }

  /** The typed edges of a vertex, both directions. */
  edgesOf(id: number): Edge[] {
    if (!this.vertices[id]) return [];
    const adj = this.adjacencyIndex();
    const out: Edge[] = [];
    for (let k = adj.outStart[id] as number; k < (adj.outStart[id + 1] as number); k++) out.push(this.edgeAt(adj.out[k] as number));
    for (let k = adj.inStart[id] as number; k < (adj.inStart[id + 1] as number); k++) out.push(this.edgeAt(adj.in[k] as number));
    return out;
  }

  /**
   * Each neighbour of a vertex (either direction) with the summed count of the edges between them,
   * over the edges seen within [from, to) when given (an edge without times is outside any range).
   */
  neighbourCounts(id: number, from?: number, to?: number): Map<number, number> {
    const sums = new Map<number, number>();
    if (!this.vertices[id]) return sums;
    const adj = this.adjacencyIndex();
    const rec = this.rec;
    const add = (e: number, other: number) => {
      const o = e * STRIDE;
      if (from !== undefined && !((rec[o + LAST] as number) >= from)) return;
      if (to !== undefined && !((rec[o + FIRST] as number) < to)) return;
      const n = rec[o + other] as number;
      sums.set(n, (sums.get(n) ?? 0) + (rec[o + COUNT] as number));
    };
    for (let k = adj.outStart[id] as number; k < (adj.outStart[id + 1] as number); k++) add(adj.out[k] as number, DST);
    for (let k = adj.inStart[id] as number; k < (adj.inStart[id + 1] as number); k++) add(adj.in[k] as number, SRC);
    return sums;
  }

  /** The edges leaving a vertex, in creation order. */
  edgesFrom(id: number): Edge[] {
    if (!this.vertices[id]) return [];
    const adj = this.adjacencyIndex();
    const out: Edge[] = [];
    for (let k = adj.outStart[id] as number; k < (adj.outStart[id + 1] as number); k++) out.push(this.edgeAt(adj.out[k] as number));
    return out;
  }

  /** How many edges of each type the graph has. */
  edgeTypeCounts(): Map<string, number> {
    const counts = new Array<number>(TYPE_SLOTS).fill(0);
    const rec = this.rec;
    for (let i = 0; i < this.edgeCount; i++) {
      const t = (rec[i * STRIDE + TYPE] as number) & TYPE_MASK;
      counts[t] = (counts[t] as number) + 1;
    }
    const out = new Map<string, number>();
    counts.forEach((n, t) => {
      if (n > 0) out.set(typeNames[t] as string, n);
    });
    return out;
  }

  /** Distinct vertices `id` points to. */
  fanOut(id: number): number {
    if (!this.vertices[id]) return 0;
    const adj = this.adjacencyIndex();
    const seen = new Set<number>();
    for (let k = adj.outStart[id] as number; k < (adj.outStart[id + 1] as number); k++) seen.add(this.rec[(adj.out[k] as number) * STRIDE + DST] as number);
    return seen.size;
  }

  /** Distinct vertices that point to `id`. */
  fanIn(id: number): number {
    if (!this.vertices[id]) return 0;
    const adj = this.adjacencyIndex();
    const seen = new Set<number>();
    for (let k = adj.inStart[id] as number; k < (adj.inStart[id + 1] as number); k++) seen.add(this.rec[(adj.in[k] as number) * STRIDE + SRC] as number);
    return seen.size;
  }

  /** Add one event's edges; `onNew` hears each edge the graph did not have. */
  addEvent(ev: NormalizedEvent, onNew?: NewEdgeListener): void {
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
    const t = typeNo(type);
    const h = keyHash(src.id, dst.id, t);
    let i = this.find(src.id, dst.id, t, h);
    const rec = i < 0 ? null : this.rec;
    if (rec !== null) {
      const o = i * STRIDE;
      rec[o + COUNT] = (rec[o + COUNT] as number) + 1;
      if (ts !== null) {
        const first = rec[o + FIRST] as number;
        if (first !== first || ts < first) rec[o + FIRST] = ts;
        const last = rec[o + LAST] as number;
        if (last !== last || ts > last) rec[o + LAST] = ts;
      }
      if (eventId > (rec[o + LAST_EVENT] as number)) rec[o + LAST_EVENT] = eventId;
      this.dirtyPages[i >>> PAGE_SHIFT] = 1;
    } else {
      i = this.append(src.id, dst.id, t, 1, ts, ts, eventId, eventId, h);
      this.dirtyPages[i >>> PAGE_SHIFT] = 1;
      if (this.onNew) this.onNew(src, dst, type, ts, i);
    }
    this.anyDirtyPage = true;
    this.version++;
  }

  /** The number of the edge with this key, or -1. */
  private find(src: number, dst: number, type: number, h: number): number {
    const slots = this.slots;
    const rec = this.rec;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[2 * s] as number;
      if (e === 0) return -1;
      if (slots[2 * s + 1] === h) {
        const o = (e - 1) * STRIDE;
        if (rec[o + SRC] === src && rec[o + DST] === dst && ((rec[o + TYPE] as number) & TYPE_MASK) === type) return e - 1;
      }
    }
  }

  /** Add an edge record (its key is not in the graph) and return its number. */
  private append(src: number, dst: number, type: number, count: number, first: number | null, last: number | null, firstEvent: number, lastEvent: number, h: number): number {
    const i = this.edgeCount++;
    if ((i + 1) * STRIDE > this.rec.length) {
      const bigger = new Float64Array(this.rec.length * 2);
      bigger.set(this.rec);
      this.rec = bigger;
    }
    if (i >>> PAGE_SHIFT >= this.dirtyPages.length) {
      const bigger = new Uint8Array(this.dirtyPages.length * 2);
      bigger.set(this.dirtyPages);
      this.dirtyPages = bigger;
    }
    const rec = this.rec;
    const o = i * STRIDE;
    rec[o + SRC] = src;
    rec[o + DST] = dst;
    rec[o + TYPE] = type;
    rec[o + COUNT] = count;
    rec[o + FIRST] = first ?? NaN;
    rec[o + LAST] = last ?? NaN;
    rec[o + FIRST_EVENT] = firstEvent;
    rec[o + LAST_EVENT] = lastEvent;
    if (2 * this.edgeCount > this.mask) this.rehash(2 * (this.mask + 1));
    else this.place(i, h);
    this.adjacency = null;
    return i;
  }

  private place(i: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    while (slots[2 * s] !== 0) s = (s + 1) & mask;
    slots[2 * s] = i + 1;
    slots[2 * s + 1] = h;
  }

  /** Make room for `edges` edges in the records and the hash table. */
  private reserve(edges: number): void {
    if (edges * STRIDE > this.rec.length) {
      const bigger = new Float64Array(edges * STRIDE);
      bigger.set(this.rec);
      this.rec = bigger;
    }
    let size = this.mask + 1;
    while (2 * edges > size - 1) size *= 2;
    if (size !== this.mask + 1) this.rehash(size);
  }

  /** A table of `size` slots (a power of two) with every edge placed again. */
  private rehash(size: number): void {
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    const rec = this.rec;
    for (let i = 0; i < this.edgeCount; i++) {
      const o = i * STRIDE;
      this.place(i, keyHash(rec[o + SRC] as number, rec[o + DST] as number, (rec[o + TYPE] as number) & TYPE_MASK));
    }
  }

  private edgeAt(i: number): Edge {
    const rec = this.rec;
    const o = i * STRIDE;
    return {
      src: rec[o + SRC] as number,
      dst: rec[o + DST] as number,
      type: typeNames[(rec[o + TYPE] as number) & TYPE_MASK] as string,
      count: rec[o + COUNT] as number,
      first: orNull(rec[o + FIRST] as number),
      last: orNull(rec[o + LAST] as number),
      firstEvent: rec[o + FIRST_EVENT] as number,
      lastEvent: rec[o + LAST_EVENT] as number,
    };
  }

  /** Edge numbers grouped by source and by destination (stable counting sorts), rebuilt after new edges. */
  private adjacencyIndex(): Adjacency {
    if (this.adjacency && this.adjacency.edges === this.edgeCount) return this.adjacency;
    const ids = this.vertices.length;
    const n = this.edgeCount;
    const rec = this.rec;
    const group = (field: number) => {
      const start = new Int32Array(ids + 1);
      for (let i = 0; i < n; i++) {
        const v = rec[i * STRIDE + field] as number;
        start[v + 1] = (start[v + 1] as number) + 1;
      }
      for (let v = 1; v <= ids; v++) start[v] = (start[v] as number) + (start[v - 1] as number);
      const next = start.slice(0, ids);
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = rec[i * STRIDE + field] as number;
        const at = next[v] as number;
        next[v] = at + 1;
        order[at] = i;
      }
      return { start, order };
    };
    const byOut = group(SRC);
    const byIn = group(DST);
    return (this.adjacency = { edges: n, outStart: byOut.start, out: byOut.order, inStart: byIn.start, in: byIn.order });
  }

  private ensureVertex(ent: GraphEntity, ts: number | null, eventId: number): Vertex {
    // The resolver's entity objects belong to this graph: each remembers its vertex.
    let v = ent.vertex as Vertex | undefined;
    if (v === undefined) {
      v = this.byEntity.get(ent.id);
      if (!v) {
        v = { id: this.vertices.length, entityId: ent.id, type: ent.type, value: ent.value, first: ts, last: ts, events: 0, lastEvent: 0, dirty: false, stored: false };
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
   * Vertices are upserted one row each; edges go as whole pages, each page that changed rewritten.
   */
  flush(db: Database, force = true): void {
    if (this.dirtyVertices.length === 0 && !this.anyDirtyPage && !this.rewritePages) return;
    if (!force && Date.now() - this.lastFlush < FLUSH_INTERVAL_MS) return;
    const st = statements(db);
    const vertices = this.dirtyVertices.sort((a, b) => a.id - b.id);
    for (const v of vertices) {
      // An update when the row is there (the common case); the upsert otherwise, or if it went.
      if (!v.stored || st.touchVertex.run(v.first, v.last, v.events, v.id).changes === 0) st.vertex.run(v.id, v.entityId, v.type, v.value, v.first, v.last, v.events);
      v.dirty = false;
      v.stored = true;
    }
    const pages = (this.edgeCount + PAGE_EDGES - 1) >>> PAGE_SHIFT;
    if (this.rewritePages) {
      st.dropPages.run();
      this.dirtyPages.fill(1, 0, pages);
      this.rewritePages = false;
    }
    const codes = caseTypeCodes(db, st);
    for (let p = 0; p < pages; p++) {
      if (this.dirtyPages[p] === 0) continue;
      const from = p << PAGE_SHIFT;
      const to = Math.min(this.edgeCount, from + PAGE_EDGES);
      st.page.run(p, to - from, encodePage(this.rec, from, to, (t) => codes[t & TYPE_MASK] as number));
      this.dirtyPages[p] = 0;
    }
    this.dirtyVertices = [];
    this.anyDirtyPage = false;
    this.lastFlush = Date.now();
  }

  /** Rebuild from the case (a reopened case continues where it stopped). */
  load(db: Database): void {
    const vertices = db.prepare('SELECT id, entity_id, type, value, first_seen, last_seen, events FROM graph_vertices ORDER BY id').raw().iterate() as IterableIterator<
      [number, string, EntityType, string, number | null, number | null, number]
    >;
    for (const [id, entityId, type, value, first, last, events] of vertices) {
      // Ids are dense from 1 as this class assigns them; pad in case rows were ever removed.
      while (this.vertices.length < id) this.vertices.push(undefined);
      const v: Vertex = { id, entityId, type, value, first, last, events, lastEvent: 0, dirty: false, stored: true };
      this.vertices[id] = v;
      this.byEntity.set(entityId, v);
    }
    const types = new Map<number, number>();
    for (const [code, name] of db.prepare('SELECT id, name FROM graph_edge_types').raw().all() as [number, string][]) types.set(code, typeNo(name));
    // Room for every stored edge up front: no doubling of the records or rehashing on the way.
    this.reserve(this.edgeCount + ((db.prepare('SELECT coalesce(sum(edges), 0) FROM graph_edge_pages').pluck().get() as number) || 0));
    const pages = db.prepare('SELECT page, edges, data FROM graph_edge_pages ORDER BY page').raw().iterate() as IterableIterator<[number, number, Buffer]>;
    let expected = 0;
    for (const [page, edges, data] of pages) {
      const rec = decodePage(data, edges);
      // A page out of sequence, short of a full page before the last, or unreadable: the edges
      // still load, renumbered, and the next flush rewrites the pages to match.
      if (page !== expected || this.edgeCount !== page << PAGE_SHIFT || rec === null) this.rewritePages = true;
      expected = page + 1;
      if (rec === null) continue;
      for (let k = 0; k < edges; k++) {
        const o = k * STRIDE;
        const src = rec[o + SRC] as number;
        const dst = rec[o + DST] as number;
        const t = types.get(rec[o + TYPE] as number);
        if (!this.vertices[src] || !this.vertices[dst] || t === undefined) {
          this.rewritePages = true;
          continue;
        }
        const h = keyHash(src, dst, t);
        if (this.find(src, dst, t, h) >= 0) {
          this.rewritePages = true;
          continue;
        }
        const lastEvent = rec[o + LAST_EVENT] as number;
        this.append(src, dst, t, rec[o + COUNT] as number, orNull(rec[o + FIRST] as number), orNull(rec[o + LAST] as number), rec[o + FIRST_EVENT] as number, lastEvent, h);
        if (lastEvent > this.maxEvent) this.maxEvent = lastEvent;
      }
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
    // Merge each unordered pair's typed edges: walk each vertex's edges both ways and gather the
    // partners with a higher index, one scratch slot per partner (no map of a million pairs).
    const src: number[] = [];
    const dst: number[] = [];
    const weight: number[] = [];
    const rec = this.rec;
    const adj = this.adjacencyIndex();
    const slot = new Int32Array(n).fill(-1);
    const partners: number[] = [];
    const gather = (a: number, e: number, other: number) => {
      const b = index[rec[e * STRIDE + other] as number] as number;
      if (b <= a) return;
      const w = 1 + Math.log(rec[e * STRIDE + COUNT] as number);
      const at = slot[b] as number;
      if (at < 0) {
        slot[b] = weight.length;
        partners.push(b);
        src.push(a);
        dst.push(b);
        weight.push(w);
      } else weight[at] = (weight[at] as number) + w;
    };
    for (let a = 0; a < n; a++) {
      const id = ids[a] as number;
      for (let k = adj.outStart[id] as number; k < (adj.outStart[id + 1] as number); k++) gather(a, adj.out[k] as number, DST);
      for (let k = adj.inStart[id] as number; k < (adj.inStart[id + 1] as number); k++) gather(a, adj.in[k] as number, SRC);
      for (const b of partners) slot[b] = -1;
      partners.length = 0;
    }
    return {
      input: { n, src: Int32Array.from(src), dst: Int32Array.from(dst), weight: Float64Array.from(weight), seed, betweennessMax },
      ids,
      maxEvent: this.maxEvent,
    };
  }
}

interface Statements {
  vertex: Statement;
  touchVertex: Statement;
  page: Statement;
  dropPages: Statement;
  typeCode: Statement;
  /** The case's code of each edge type number, or -1 until it has one. */
  codes: Int32Array;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let st = cache.get(db);
  if (!st) {
    st = {
      vertex: db.prepare(`
        INSERT INTO graph_vertices (id, entity_id, type, value, first_seen, last_seen, events) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, events = excluded.events`),
      touchVertex: db.prepare('UPDATE graph_vertices SET first_seen = ?, last_seen = ?, events = ? WHERE id = ?'),
      page: db.prepare('INSERT OR REPLACE INTO graph_edge_pages (page, edges, data) VALUES (?, ?, ?)'),
      dropPages: db.prepare('DELETE FROM graph_edge_pages'),
      typeCode: db.prepare('INSERT INTO graph_edge_types (name) VALUES (?) ON CONFLICT(name) DO UPDATE SET name = name RETURNING id').pluck(),
      codes: new Int32Array(TYPE_SLOTS).fill(-1),
    };
    cache.set(db, st);
  }
  return st;
}

/** Every edge type's code in this case, giving codes to types the case has not stored yet. */
function caseTypeCodes(db: Database, st: Statements): Int32Array {
  for (let t = 0; t < typeNames.length; t++) if ((st.codes[t] as number) < 0) st.codes[t] = st.typeCode.get(typeNames[t]) as number;
  return st.codes;
}

