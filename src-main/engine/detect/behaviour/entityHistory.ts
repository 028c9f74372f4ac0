/**
 * What the case has learned about entities so far: when each IP and user was first seen, which
 * IPs requested each path, who talked to whom recently, and each entity's own baseline of
 * activity. It is the part of the behavioural state worth persisting between imports.
 */
import { LruMap } from './lruMap';

/** Welford running mean/variance of one entity's activity counts. */
export interface Baseline {
  n: number;
  mean: number;
  m2: number;
}

export interface EntityHistoryState {
  version: 1;
  ipFirstSeen: [string, number][];
  userFirstSeen: [string, number][];
  pathIps: [string, string[]][];
  baselines: [string, Baseline][];
}

/** z below this many observations would be noise; report 0 ("no evidence") instead. */
const MIN_BASELINE_N = 3;
const MAX_Z = 10;

export class EntityHistory {
  private readonly ipFirstSeen: LruMap<string, number>;
  private readonly userFirstSeen: LruMap<string, number>;
  /** path -> up to rarePathMaxIps + 1 distinct IPs; a full list means "common". */
  private readonly pathIps: LruMap<string, string[]>;
  private readonly baselines: LruMap<string, Baseline>;
  /** ip -> (user -> last seen) and user -> (ip -> last seen) over the context horizon. */
  private readonly usersByIp: LruMap<string, Map<string, number>>;
  private readonly ipsByUser: LruMap<string, Map<string, number>>;

  constructor(
    private readonly capacity: number,
    private readonly rarePathMaxIps: number,
    private readonly horizonMs: number,
    private readonly maxDistinct: number,
  ) {
    this.ipFirstSeen = new LruMap(capacity);
    this.userFirstSeen = new LruMap(capacity);
    this.pathIps = new LruMap(capacity);
    this.baselines = new LruMap(capacity);
    this.usersByIp = new LruMap(capacity);
    this.ipsByUser = new LruMap(capacity);
  }

  observe(ts: number, ip: string | null, user: string | null, path: string | null): void {
    if (ip !== null && this.ipFirstSeen.touch(ip, ts) === undefined) this.ipFirstSeen.set(ip, ts, ts);
    if (user !== null && this.userFirstSeen.touch(user, ts) === undefined) this.userFirstSeen.set(user, ts, ts);
    if (ip !== null && path !== null) {
      const ips = this.pathIps.touch(path, ts);
      if (ips === undefined) this.pathIps.set(path, [ip], ts);
      else if (ips.length <= this.rarePathMaxIps && !ips.includes(ip)) ips.push(ip);
    }
    if (ip !== null && user !== null) {
      this.link(this.usersByIp, ip, user, ts);
      this.link(this.ipsByUser, user, ip, ts);
    }
  }

  private link(index: LruMap<string, Map<string, number>>, from: string, to: string, ts: number): void {
    let m = index.touch(from, ts);
    if (m === undefined) {
      m = new Map();
      index.set(from, m, ts);
    }
    if (m.has(to) || m.size < this.maxDistinct) m.set(to, ts);
    else {
      // Full: make room by forgetting links older than the horizon.
      for (const [k, t] of m) if (ts - t > this.horizonMs) m.delete(k);
      if (m.size < this.maxDistinct) m.set(to, ts);
    }
  }

  /** Seen for the first time at or after `since` (i.e. new in the group starting then). */
  ipFirstSeenSince(ip: string, since: number): boolean {
    const t = this.ipFirstSeen.get(ip);
    return t === undefined || t >= since;
  }

  userFirstSeenSince(user: string, since: number): boolean {
    const t = this.userFirstSeen.get(user);
    return t === undefined || t >= since;
  }

  isRarePath(path: string): boolean {
    const ips = this.pathIps.get(path);
    return ips === undefined || ips.length <= this.rarePathMaxIps;
  }

  /** Distinct users seen from `ip` since `since - horizon`. */
  distinctUsersOfIp(ip: string, since: number): number {
    return countSince(this.usersByIp.get(ip), since - this.horizonMs);
  }

  distinctIpsOfUser(user: string, since: number): number {
    return countSince(this.ipsByUser.get(user), since - this.horizonMs);
  }

  /** z of `value` against the entity's earlier values, then fold `value` into the baseline. */
  zAndLearn(key: string, value: number, now: number): number {
    let b = this.baselines.touch(key, now);
    let z = 0;
    if (b !== undefined && b.n >= MIN_BASELINE_N) {
      const sd = Math.sqrt(b.m2 / (b.n - 1));
      // A perfectly regular entity (sd 0) deviating at all is notable; floor sd at 1 event so one
      // extra login does not give an infinite z.
      z = (value - b.mean) / Math.max(sd, 1);
      z = Math.max(-MAX_Z, Math.min(MAX_Z, z));
    }
    if (b === undefined) {
      b = { n: 0, mean: 0, m2: 0 };
      this.baselines.set(key, b, now);
    }
    b.n++;
    const d = value - b.mean;
    b.mean += d / b.n;
    b.m2 += d * (value - b.mean);
    return z;
  }

  /** The persistent part (recent-link maps are short-lived context and are rebuilt by replay). */
  state(): EntityHistoryState {
    return {
      version: 1,
      ipFirstSeen: [...this.ipFirstSeen.entries()],
      userFirstSeen: [...this.userFirstSeen.entries()],
      pathIps: [...this.pathIps.entries()].map(([p, ips]) => [p, [...ips]]),
      baselines: [...this.baselines.entries()].map(([k, b]) => [k, { ...b }]),
    };
  }

  restore(s: EntityHistoryState): void {
    if (s.version !== 1) throw new Error(`unsupported entity history version ${String(s.version)}`);
    // Restored entries count as touched long ago: live entities refresh their place on first use.
    const old = -Infinity;
    for (const [k, v] of s.ipFirstSeen) this.ipFirstSeen.set(k, v, old);
    for (const [k, v] of s.userFirstSeen) this.userFirstSeen.set(k, v, old);
    for (const [k, v] of s.pathIps) this.pathIps.set(k, [...v], old);
    for (const [k, v] of s.baselines) this.baselines.set(k, { ...v }, old);
  }
}

/**
 * Beyond this many distinct peers the count says no more (hundreds of IPs for one user is
 * already the strongest signal), and stopping there keeps a botnet's user from costing a scan
 * of thousands of entries per closed group.
 */
const COUNT_CAP = 256;

function countSince(m: Map<string, number> | undefined, since: number): number {
  if (m === undefined) return 0;
  let n = 0;
  for (const t of m.values()) if (t >= since && ++n >= COUNT_CAP) break;
  return n;
}
