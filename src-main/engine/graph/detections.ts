/**
 * Structural detections on the entity graph, raised as alerts with detector 'graph':
 * - fan-out bursts (streaming): a vertex gains many new distinct neighbours of one type within a
 *   window of event time, e.g. an IP suddenly touching many users (spraying) or paths (scanning);
 * - community crossings (after Louvain): a new edge that is one of at most two links between two
 *   otherwise separate communities;
 * - sudden centrality (after PageRank): a vertex whose share of PageRank jumped since the last
 *   computation and now ranks among the most central.
 * Each alert names its evidence edges (details.edges) and their events (evidence).
 */
import type { AlertInput, AlertSink, Severity } from '../store/alerts';
import type { EntityType } from '../parse/entities';
import type { Edge, Vertex } from './model';

export interface FanOutRule {
  /** Type of the vertex that fans out, and of the neighbours counted. */
  from: EntityType;
  to: EntityType;
  /** New distinct neighbours within `windowMs` that make a burst. */
  threshold: number;
  windowMs: number;
  /** Only edges of these types count (all when absent). */
  edgeTypes?: readonly string[];
}

export const FAN_OUT_RULES: readonly FanOutRule[] = [
  // Password guessing across accounts, fast or low-and-slow: four new accounts tried, each within
  // an hour of the previous one (the burst stays open while they keep coming).
  { from: 'ip', to: 'user', threshold: 4, windowMs: 60 * 60_000, edgeTypes: ['failed_login'] },
  // Many accounts used from one address (shared credentials, stuffing that works).
  { from: 'ip', to: 'user', threshold: 20, windowMs: 60 * 60_000, edgeTypes: ['authenticated_from', 'seen_from'] },
  { from: 'ip', to: 'url', threshold: 40, windowMs: 5 * 60_000 },
  { from: 'ip', to: 'host', threshold: 10, windowMs: 10 * 60_000 },
  { from: 'ip', to: 'ip', threshold: 20, windowMs: 5 * 60_000 },
  { from: 'user', to: 'ip', threshold: 10, windowMs: 60 * 60_000 },
  { from: 'user', to: 'host', threshold: 10, windowMs: 30 * 60_000 },
];

/** Evidence kept per burst: enough to show, bounded so a scanner of 100k paths stays small. */
const MAX_BURST_NEIGHBOURS = 200;

/** A touch as saved with the stage's state and shown as evidence. */
interface Touch {
  ts: number;
  neighbour: number;
  value: string;
  event: number;
  src: number;
  dst: number;
  type: string;
}

/** A window as saved with the stage's state. */
interface Window {
  vertex: number;
  vertexType: EntityType;
  vertexValue: string;
  rule: number;
  touches: Touch[];
  /** Neighbours in the open burst beyond the evidence kept. */
  extra: number;
  burst: boolean;
  last: number;
}

export interface FanOutState {
  windows: Window[];
}

/** What the fan-out detector reads of the graph: a touch is kept as its edge's number. */
export interface FanOutGraph {
  vertex(id: number): Vertex | undefined;
  edge(no: number): Edge;
  edgeNumber(src: number, dst: number, type: string): number;
}

const SEVERITY_ORDER: Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** Touch log entries: time, edge number, next entry of the same window (-1: none). */
const L_STRIDE = 3;

/**
 * Streaming fan-out bursts. A new edge touches its two ends; for each rule matching an end's type
 * and the edge's type, the end's window for that rule keeps the touches of the last `windowMs`
 * (all of them while a burst is open, up to the evidence cap).
 *
 * Storage is flat, because every new edge comes through here (a million in a big pass): windows are
 * slots of typed arrays at vertex id × rules + rule, and touches are entries of one append-only
 * log (time, edge number, next), chained per window from oldest to newest. Sliding a window moves
 * its first link; the log is compacted when most of it is dead. The touch's neighbour, event and
 * edge are read back from the graph by edge number when an alert or the saved state needs them.
 */
export class FanOutDetector {
  private readonly ruleCount: number;
  /** Per window slot: oldest and newest live log entry, touches kept, touches beyond the cap. */
  private first = new Int32Array(0);
  private last = new Int32Array(0);
  private count = new Int32Array(0);
  private extra = new Int32Array(0);
  /** Time of the newest touch; NaN for a window never touched. */
  private lastTs = new Float64Array(0);
  private log = new Float64Array(3 * 4096);
  private logLen = 0;
  /** Window slots with a burst under way, closed when their window passes without a new neighbour. */
  private readonly open = new Set<number>();
  /** Rule numbers by vertex type, then by neighbour type. */
  private readonly rulesByPair = new Map<string, Map<string, number[]>>();
  private ready: AlertInput[] = [];
  /** A saved state waiting for the graph to be there (restore runs before the graph loads). */
  private pending: FanOutState | null = null;
  /** Event time of the last flush that had one. */
  private now = -Infinity;

  constructor(
    private readonly graph: () => FanOutGraph,
    private readonly rules: readonly FanOutRule[] = FAN_OUT_RULES,
  ) {
    this.ruleCount = rules.length;
    rules.forEach((r, i) => {
      let to = this.rulesByPair.get(r.from);
      if (!to) this.rulesByPair.set(r.from, (to = new Map()));
      to.set(r.to, [...(to.get(r.to) ?? []), i]);
    });
  }

  /** A new edge (number `edgeNo`): each end gained a neighbour (direction does not matter for touching). */
  readonly onNewEdge = (src: Vertex, dst: Vertex, type: string, ts: number | null, edgeNo: number): void => {
    if (ts === null) return;
    if (this.pending) this.applyPending();
    this.touch(src, dst, type, ts, edgeNo);
    this.touch(dst, src, type, ts, edgeNo);
  };

  private touch(v: Vertex, other: Vertex, type: string, ts: number, edgeNo: number): void {
    const rules = this.rulesByPair.get(v.type)?.get(other.type);
    if (!rules) return;
    for (const ri of rules) {
      const rule = this.rules[ri] as FanOutRule;
      if (rule.edgeTypes && !rule.edgeTypes.includes(type)) continue;
      const w = v.id * this.ruleCount + ri;
      if (w >= this.lastTs.length) this.grow(w);
      const burst = this.open.has(w);
      if (burst && ts - (this.lastTs[w] as number) > rule.windowMs) this.close(w);
      if (!this.open.has(w)) this.slide(w, ts - rule.windowMs);
      if ((this.count[w] as number) < MAX_BURST_NEIGHBOURS) this.append(w, ts, edgeNo);
      else this.extra[w] = (this.extra[w] as number) + 1;
      this.lastTs[w] = ts;
      if (!this.open.has(w) && (this.count[w] as number) >= rule.threshold) this.open.add(w);
    }
  }

  private grow(w: number): void {
    let size = Math.max(1024, this.lastTs.length);
    while (size <= w) size *= 2;
    const widen = <T extends Int32Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      b.fill(fill, a.length);
      return b;
    };
    this.first = widen(this.first, -1);
    this.last = widen(this.last, -1);
    this.count = widen(this.count, 0);
    this.extra = widen(this.extra, 0);
    this.lastTs = widen(this.lastTs, NaN);
  }

  private append(w: number, ts: number, edgeNo: number): void {
    if ((this.logLen + 1) * L_STRIDE > this.log.length) {
      const bigger = new Float64Array(this.log.length * 2);
      bigger.set(this.log);
      this.log = bigger;
    }
    const e = this.logLen++;
    const o = e * L_STRIDE;
    this.log[o] = ts;
    this.log[o + 1] = edgeNo;
    this.log[o + 2] = -1;
    const last = this.last[w] as number;
    if (last >= 0) this.log[last * L_STRIDE + 2] = e;
    else this.first[w] = e;
    this.last[w] = e;
    this.count[w] = (this.count[w] as number) + 1;
  }

  /** Drop the window's touches before `from`. */
  private slide(w: number, from: number): void {
    let e = this.first[w] as number;
    let n = this.count[w] as number;
    const log = this.log;
    while (e >= 0 && (log[e * L_STRIDE] as number) < from) {
      e = log[e * L_STRIDE + 2] as number;
      n--;
    }
    this.first[w] = e;
    if (e < 0) this.last[w] = -1;
    this.count[w] = n;
  }

  private clear(w: number): void {
    this.first[w] = -1;
    this.last[w] = -1;
    this.count[w] = 0;
    this.extra[w] = 0;
  }

  /** A burst ended (its vertex was quiet for a whole window): its alert waits for the next flush. */
  private close(w: number): void {
    this.ready.push(fanOutAlert(this.window(w), this.rules[w % this.ruleCount] as FanOutRule));
    this.open.delete(w);
    this.clear(w);
  }

  /** Raise ended bursts, and those quiet for a whole window as of event time `now`; all when `now` is null. */
  flush(sink: AlertSink, now: number | null): void {
    if (this.pending) this.applyPending();
    for (const w of this.open) {
      const rule = this.rules[w % this.ruleCount] as FanOutRule;
      if (now === null || now - (this.lastTs[w] as number) > rule.windowMs) this.close(w);
    }
    for (const a of this.ready) sink.add(a);
    this.ready = [];
    if (now !== null && now > this.now) this.now = now;
    if (now !== null && this.logLen > 262_144) this.compact(now);
  }

  /**
   * Rewrite the log with only the live touches once most of it is dead. Windows idle for a whole
   * window and not in a burst are emptied first: they cannot matter any more.
   */
  private compact(now: number): void {
    let live = 0;
    for (let w = 0; w < this.lastTs.length; w++) {
      const n = this.count[w] as number;
      if (n === 0) continue;
      if (this.idle(w, now)) this.clear(w);
      else live += n;
    }
    if (live * 2 > this.logLen) return;
    const old = this.log;
    this.log = new Float64Array(Math.max(3 * 4096, 2 * live * L_STRIDE));
    this.logLen = 0;
    for (let w = 0; w < this.lastTs.length; w++) {
      let e = this.first[w] as number;
      if (e < 0) continue;
      this.first[w] = -1;
      this.last[w] = -1;
      this.count[w] = 0;
      for (; e >= 0; e = old[e * L_STRIDE + 2] as number) this.append(w, old[e * L_STRIDE] as number, old[e * L_STRIDE + 1] as number);
    }
  }

  /** Not in a burst, and its last touch more than a window before `now`. */
  private idle(w: number, now: number): boolean {
    return !this.open.has(w) && now - (this.lastTs[w] as number) > (this.rules[w % this.ruleCount] as FanOutRule).windowMs;
  }

  /** A window in its saved form: the live touches as objects, read back from the graph. */
  private window(w: number): Window {
    const g = this.graph();
    const id = Math.floor(w / this.ruleCount);
    const v = g.vertex(id) as Vertex;
    const touches: Touch[] = [];
    for (let e = this.first[w] as number; e >= 0; e = this.log[e * L_STRIDE + 2] as number) {
      const edge = g.edge(this.log[e * L_STRIDE + 1] as number);
      const neighbour = edge.src === id ? edge.dst : edge.src;
      touches.push({
        ts: this.log[e * L_STRIDE] as number,
        neighbour,
        value: (g.vertex(neighbour) as Vertex).value,
        event: edge.firstEvent,
        src: edge.src,
        dst: edge.dst,
        type: edge.type,
      });
    }
    return { vertex: id, vertexType: v.type, vertexValue: v.value, rule: w % this.ruleCount, touches, extra: this.extra[w] as number, burst: this.open.has(w), last: this.lastTs[w] as number };
  }

  state(): FanOutState {
    if (this.pending) return this.pending;
    const windows: Window[] = [];
    for (let w = 0; w < this.lastTs.length; w++) if ((this.count[w] as number) > 0 && !this.idle(w, this.now)) windows.push(this.window(w));
    return { windows };
  }

  restore(s: FanOutState | undefined): void {
    this.first = new Int32Array(0);
    this.last = new Int32Array(0);
    this.count = new Int32Array(0);
    this.extra = new Int32Array(0);
    this.lastTs = new Float64Array(0);
    this.logLen = 0;
    this.open.clear();
    this.ready = [];
    this.pending = s && s.windows.length > 0 ? s : null;
  }

  /** Take in a saved state now that the graph is loaded: each touch finds its edge's number. */
  private applyPending(): void {
    const s = this.pending as FanOutState;
    this.pending = null;
    const g = this.graph();
    for (const saved of s.windows) {
      const w = saved.vertex * this.ruleCount + saved.rule;
      if (saved.rule >= this.ruleCount || !g.vertex(saved.vertex)) continue;
      if (w >= this.lastTs.length) this.grow(w);
      for (const t of saved.touches) {
        const no = g.edgeNumber(t.src, t.dst, t.type);
        if (no >= 0) this.append(w, t.ts, no);
      }
      this.extra[w] = saved.extra;
      this.lastTs[w] = saved.last;
      if (saved.burst && (this.count[w] as number) > 0) this.open.add(w);
    }
  }
}

function fanOutAlert(w: Window, rule: FanOutRule): AlertInput {
  const n = w.touches.length + w.extra;
  const first = (w.touches[0] as Touch).ts;
  const minutes = Math.max(1, Math.round((w.last - first) / 60_000));
  const ratio = n / rule.threshold;
  const severity: Severity = ratio >= 4 ? 'high' : ratio >= 2 ? 'medium' : 'low';
  const noun = rule.to === 'url' ? 'paths' : rule.to === 'ip' ? 'addresses' : `${rule.to}s`;
  return {
    detector: 'graph',
    kind: 'fan_out_burst',
    title: `Fan-out burst: ${rule.from} ${w.vertexValue} touched ${n} new ${noun} in ${minutes} min`,
    severity,
    score: Math.round(ratio * 100) / 100,
    firstTs: first,
    lastTs: w.last,
    key: `${w.vertexType}:${w.vertexValue}`,
    entities: [{ type: w.vertexType, value: w.vertexValue }, ...w.touches.slice(0, 20).map((t) => ({ type: rule.to, value: t.value }))],
    evidence: w.touches.map((t) => t.event),
    details: {
      vertex: w.vertex,
      neighbourType: rule.to,
      neighbours: n,
      threshold: rule.threshold,
      windowMs: rule.windowMs,
      edges: w.touches.map((t) => ({ src: t.src, dst: t.dst, type: t.type })),
    },
    tags: [],
  };
}

/** What the post-computation detections need of the graph and of the computation. */
export interface ComputedGraph {
  vertex(id: number): Vertex | undefined;
  edges(): Iterable<Edge>;
  community: Map<number, number>;
  communitySize: Map<number, number>;
  pagerank: Map<number, number>;
  previousPagerank: Map<number, number>;
  /** Edges whose first event is after this id are new since the previous computation. */
  sinceEvent: number;
  /** Whether a previous computation exists (sudden centrality needs one). */
  hasPrevious: boolean;
}

const ACCESS_EDGES = new Set(['authenticated_from', 'logged_into', 'su_to', 'sudo_as']);
const MIN_COMMUNITY = 3;
const MAX_CROSSING_LINKS = 2;
const MAX_CROSSING_ALERTS = 20;

/** New edges that are one of at most two links between two communities of three or more. */
export function communityCrossings(g: ComputedGraph): AlertInput[] {
  const links = new Map<string, number>();
  const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);
  const candidates: { e: Edge; ca: number; cb: number }[] = [];
  for (const e of g.edges()) {
    const ca = g.community.get(e.src);
    const cb = g.community.get(e.dst);
    if (ca === undefined || cb === undefined || ca === cb) continue;
    const k = pairKey(ca, cb);
    links.set(k, (links.get(k) ?? 0) + 1);
    if (e.firstEvent > g.sinceEvent) candidates.push({ e, ca, cb });
  }
  const out: { alert: AlertInput; rank: number }[] = [];
  for (const { e, ca, cb } of candidates) {
    const sa = g.communitySize.get(ca) ?? 0;
    const sb = g.communitySize.get(cb) ?? 0;
    if (sa < MIN_COMMUNITY || sb < MIN_COMMUNITY || (links.get(pairKey(ca, cb)) ?? 0) > MAX_CROSSING_LINKS) continue;
    const a = g.vertex(e.src);
    const b = g.vertex(e.dst);
    if (!a || !b) continue;
    const access = ACCESS_EDGES.has(e.type);
    out.push({
      rank: (access ? 1e9 : 0) + Math.min(sa, sb),
      alert: {
        detector: 'graph',
        kind: 'community_crossing',
        title: `Community crossing: ${a.type} ${a.value} (community ${ca}) ${e.type.replace(/_/g, ' ')} ${b.type} ${b.value} (community ${cb})`,
        severity: access ? 'medium' : 'low',
        score: Math.min(sa, sb),
        firstTs: e.first,
        lastTs: e.last,
        key: `${a.type}:${a.value}`,
        entities: [
          { type: a.type, value: a.value },
          { type: b.type, value: b.value },
        ],
        evidence: e.firstEvent === e.lastEvent ? [e.firstEvent] : [e.firstEvent, e.lastEvent],
        details: {
          communities: [ca, cb],
          sizes: [sa, sb],
          links: links.get(pairKey(ca, cb)),
          edges: [{ src: e.src, dst: e.dst, type: e.type, count: e.count }],
        },
        tags: [],
      },
    });
  }
  return out
    .sort((x, y) => y.rank - x.rank)
    .slice(0, MAX_CROSSING_ALERTS)
    .map((x) => x.alert);
}

const CENTRAL_RANK = 20;
const MIN_SHARE = 5;
const MIN_JUMP = 3;
const MAX_CENTRALITY_ALERTS = 10;

/**
 * Vertices now among the top 20 by PageRank whose share (PageRank × vertex count, 1 = average)
 * is at least 5 and at least 3 times what it was at the previous computation.
 */
export function suddenCentrality(g: ComputedGraph, n: number, edgesOf: (id: number) => Edge[]): AlertInput[] {
  if (!g.hasPrevious || n === 0) return [];
  const ranked = [...g.pagerank.entries()].sort((a, b) => b[1] - a[1]).slice(0, CENTRAL_RANK);
  const prevN = g.previousPagerank.size || n;
  const out: AlertInput[] = [];
  ranked.forEach(([id, pr], rank) => {
    const before = g.previousPagerank.get(id);
    if (before === undefined || before <= 0) return;
    const share = pr * n;
    const was = before * prevN;
    if (share < MIN_SHARE || share < was * MIN_JUMP) return;
    const v = g.vertex(id);
    if (!v) return;
    const fresh = edgesOf(id)
      .filter((e) => e.firstEvent > g.sinceEvent)
      .sort((a, b) => b.count - a.count)
      .slice(0, 50);
    const jump = share / was;
    out.push({
      detector: 'graph',
      kind: 'sudden_centrality',
      title: `Sudden centrality: ${v.type} ${v.value} PageRank share ×${jump.toFixed(1)} (now #${rank + 1})`,
      severity: SEVERITY_ORDER[Math.min(4, jump >= 10 ? 3 : 2)] as Severity,
      score: Math.round(jump * 100) / 100,
      firstTs: fresh.reduce<number | null>((m, e) => (e.first !== null && (m === null || e.first < m) ? e.first : m), null),
      lastTs: fresh.reduce<number | null>((m, e) => (e.last !== null && (m === null || e.last > m) ? e.last : m), null),
      key: `${v.type}:${v.value}`,
      entities: [{ type: v.type, value: v.value }],
      evidence: fresh.map((e) => e.firstEvent),
      details: { rank: rank + 1, share, previousShare: was, edges: fresh.map((e) => ({ src: e.src, dst: e.dst, type: e.type, count: e.count })) },
      tags: [],
    });
  });
  return out.slice(0, MAX_CENTRALITY_ALERTS);
}
