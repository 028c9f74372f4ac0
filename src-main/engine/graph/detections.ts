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
import type { Edge, NewEdge, Vertex } from './model';

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

interface Touch {
  ts: number;
  neighbour: number;
  value: string;
  event: number;
  src: number;
  dst: number;
  type: string;
}

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

const SEVERITY_ORDER: Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

export class FanOutDetector {
  private readonly windows = new Map<number, Window>();
  /** Windows with a burst under way, closed when their window passes without a new neighbour. */
  private readonly open = new Set<Window>();
  /** Rule numbers by vertex type, then by neighbour type. */
  private readonly rulesByPair = new Map<string, Map<string, number[]>>();

  constructor(private readonly rules: readonly FanOutRule[] = FAN_OUT_RULES) {
    rules.forEach((r, i) => {
      let to = this.rulesByPair.get(r.from);
      if (!to) this.rulesByPair.set(r.from, (to = new Map()));
      to.set(r.to, [...(to.get(r.to) ?? []), i]);
    });
  }

  /** A new edge: each endpoint gained a neighbour (direction does not matter for touching). */
  onNewEdge(n: NewEdge): void {
    if (n.ts === null) return;
    this.touch(n.src, n.dst, n.edge, n.ts);
    this.touch(n.dst, n.src, n.edge, n.ts);
  }

  private touch(v: Vertex, other: Vertex, edge: Edge, ts: number): void {
    const rules = this.rulesByPair.get(v.type)?.get(other.type);
    if (!rules) return;
    for (const ri of rules) {
      const rule = this.rules[ri] as FanOutRule;
      if (rule.edgeTypes && !rule.edgeTypes.includes(edge.type)) continue;
      const key = v.id * 64 + ri;
      let w = this.windows.get(key);
      if (!w) this.windows.set(key, (w = { vertex: v.id, vertexType: v.type, vertexValue: v.value, rule: ri, touches: [], extra: 0, burst: false, last: ts }));
      if (w.burst && ts - w.last > rule.windowMs) this.close(w, rule);
      if (!w.burst) {
        // Slide: only touches within the window count towards a new burst.
        let drop = 0;
        while (drop < w.touches.length && (w.touches[drop] as Touch).ts < ts - rule.windowMs) drop++;
        if (drop) w.touches.splice(0, drop);
      }
      if (w.touches.length < MAX_BURST_NEIGHBOURS) w.touches.push({ ts, neighbour: other.id, value: other.value, event: edge.firstEvent, src: edge.src, dst: edge.dst, type: edge.type });
      else w.extra++;
      w.last = ts;
      if (!w.burst && w.touches.length >= rule.threshold) {
        w.burst = true;
        this.open.add(w);
      }
    }
  }

  /** A burst ended (its vertex was quiet for a whole window): its alert waits for the next flush. */
  private close(w: Window, rule: FanOutRule): void {
    this.ready.push(fanOutAlert(w, rule));
    this.open.delete(w);
    w.burst = false;
    w.touches = [];
    w.extra = 0;
  }

  private ready: AlertInput[] = [];

  /** Raise ended bursts, and those quiet for a whole window as of event time `now`; all when `now` is null. */
  flush(sink: AlertSink, now: number | null): void {
    for (const w of this.open) {
      const rule = this.rules[w.rule] as FanOutRule;
      if (now === null || now - w.last > rule.windowMs) this.close(w, rule);
    }
    for (const a of this.ready) sink.add(a);
    this.ready = [];
    if (now !== null && this.windows.size > 50_000) {
      // Forget idle windows of vertices that never burst: they cannot matter any more.
      for (const [k, w] of this.windows) if (!w.burst && now - w.last > (this.rules[w.rule] as FanOutRule).windowMs) this.windows.delete(k);
    }
  }

  state(): FanOutState {
    return { windows: [...this.windows.values()].filter((w) => w.touches.length > 0) };
  }

  restore(s: FanOutState | undefined): void {
    this.windows.clear();
    this.open.clear();
    for (const w of s?.windows ?? []) {
      this.windows.set(w.vertex * 64 + w.rule, w);
      if (w.burst) this.open.add(w);
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
