/**
 * Correlation windows on event time (spec: correlation rules). Each correlation keeps per-group
 * windows of the hits of the rules it refers to; state is bounded by evicting entries older than
 * the timespan, idle groups, and hard caps on groups and entries.
 *
 * When a condition fires: conditions that only grow with more events (gt/gte counts, temporal)
 * are checked on every hit over a sliding window. Once one fires, the group's episode is open: every
 * further hit grows that one match (an update of the same episode, `update: true`) until the group
 * goes quiet for a whole timespan, so a brute force of a thousand tries is one alert that grows,
 * not one per ten tries. Conditions that can only be judged once the
 * window is over (lt, lte, eq, neq, ranges) are checked when the watermark passes the window end
 * (tumbling windows anchored at the group's first hit), or on flush().
 */
import type { CountOp, SigmaCorrelation } from './types';

export interface CorrelationLimits {
  maxGroups: number;
  maxEntriesPerGroup: number;
  maxEventIds: number;
}

export const DEFAULT_CORRELATION_LIMITS: CorrelationLimits = { maxGroups: 50_000, maxEntriesPerGroup: 10_000, maxEventIds: 1_000 };

/** A hit of a referenced rule (or of a referenced correlation, for chains). */
export interface CorrelationHit {
  ts: number;
  eventIds: readonly number[];
  /** Value of a field of the hit, after alias resolution by the caller's field name. */
  lookup: (field: string) => string | undefined;
}

export interface CorrelationFire {
  group: Record<string, string>;
  eventIds: number[];
  firstTs: number;
  lastTs: number;
  /** The aggregated value the condition was checked against (count, distinct count, sum, ...). */
  value: number;
  /** The episode this match belongs to (unique per window object), and whether it grows an earlier match of it. */
  episode: number;
  update: boolean;
}

/** A group's match in progress: what it has grown to since it fired. */
interface Episode {
  id: number;
  firstTs: number;
  eventIds: number[];
  seenIds: Set<number>;
  hits: number;
  value: number;
}

interface Entry {
  ts: number;
  seq: number;
  ruleIndex: number;
  eventIds: readonly number[];
  value: string | undefined;
  num: number;
  /** Let go of (a newer hit has its value) but still in the array until the next cut. */
  dead: boolean;
}

interface Group {
  key: string;
  values: Record<string, string>;
  /** In event-time order from `head`; the entries before it are gone (cut off in bulk, not one by one). */
  entries: Entry[];
  head: number;
  lastTs: number;
  /** Running statistics over `entries`, so a hit costs O(1) instead of a pass over the window. */
  valueCounts: Map<string | undefined, number>;
  ruleCounts: number[];
  sum: number;
  episode: Episode | null;
  /** Distinct-count windows: the newest entry of each value, and how many older ones are dead. */
  newest: Map<string | undefined, Entry> | null;
  dead: number;
}

function check(op: CountOp, a: number, b: number): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'eq':
      return a === b;
    case 'neq':
      return a !== b;
  }
}

/** A group's live entries as one array (drops the dead front, and entries let go of, first). */
function live(g: Group): Entry[] {
  if (g.dead > 0) {
    g.entries = g.entries.slice(g.head).filter((e) => !e.dead);
    g.head = 0;
    g.dead = 0;
  } else if (g.head > 0) {
    g.entries.splice(0, g.head);
    g.head = 0;
  }
  return g.entries;
}

/** Shared empty result: most calls fire nothing. */
const NO_FIRES: CorrelationFire[] = [];
Object.freeze(NO_FIRES);

export class CorrelationWindow {
  private readonly groups = new Map<string, Group>();
  private seq = 0;
  private episodes = 0;
  private nextCloseCheck = -Infinity;
  private readonly eager: boolean;
  /** Conditions that only grow: a fired group keeps one episode open instead of starting afresh. */
  private readonly monotone: boolean;
  private readonly ops: { op: CountOp; value: number }[];
  /**
   * Entries a group needs at most to judge its condition exactly: a count that only has to reach N
   * needs the newest N hits of its window (an open episode counts its own), however many more came.
   * Infinity for every other kind of condition.
   */
  private readonly keep: number;
  /**
   * A distinct count that only has to reach N needs the newest hit of each value in the window,
   * not every hit: the older one is let go (a source trying one account 100,000 times holds one).
   */
  private readonly distinct: boolean;
  /** Per referenced rule index: the field to read for each group-by name (aliases applied). */
  private readonly groupFields: string[][];
  private readonly valueFields: string[][];
  droppedGroups = 0;
  droppedEntries = 0;
  /** Group-by values of the hit being fed. */
  private readonly scratch: string[] = [];

  constructor(
    readonly corr: SigmaCorrelation,
    private readonly limits: CorrelationLimits = DEFAULT_CORRELATION_LIMITS,
  ) {
    const n = corr.rules.length;
    const temporal = corr.type === 'temporal' || corr.type === 'temporal_ordered';
    this.ops = corr.condition?.ops ?? [{ op: 'gte', value: temporal ? n : 1 }];
    this.monotone = this.ops.every((o) => o.op === 'gt' || o.op === 'gte') && corr.type !== 'value_percentile';
    this.eager = this.monotone || corr.type === 'value_percentile';
    this.keep =
      corr.type === 'event_count' && this.monotone ? Math.max(1, ...this.ops.map((o) => (o.op === 'gt' ? Math.floor(o.value) + 1 : Math.ceil(o.value)))) : Infinity;
    this.distinct = corr.type === 'value_count' && this.monotone;
    const resolve = (field: string, ref: string): string => corr.aliases.get(field)?.get(ref) ?? field;
    this.groupFields = corr.rules.map((ref) => corr.groupBy.map((g) => resolve(g, ref)));
    const vf = corr.condition?.field ?? [];
    this.valueFields = corr.rules.map((ref) => vf.map((f) => resolve(f, ref)));
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** Entries in open windows, and entries held in memory (live plus a not yet cut front). */
  entryCounts(): { live: number; held: number } {
    let live = 0;
    let held = 0;
    for (const g of this.groups.values()) {
      live += g.entries.length - g.head - g.dead;
      held += g.entries.length;
    }
    return { live, held };
  }

  /** Feed a hit of referenced rule `ruleIndex`; returns fires (at most one for eager windows). */
  feed(ruleIndex: number, hit: CorrelationHit, watermark: number): CorrelationFire[] {
    let fires = this.expire(watermark);
    const gf = this.groupFields[ruleIndex]!;
    // The group key first; the group's value record is only built for a new group.
    const vals = this.scratch;
    let key = '';
    for (let i = 0; i < gf.length; i++) {
      const v = hit.lookup(gf[i]!);
      // A hit without the group-by value cannot be attributed to a group.
      if (v === undefined || v === '') return fires;
      vals[i] = v;
      key = i === 0 ? v : key + '\u0001' + v;
    }
    let value: string | undefined;
    let num = NaN;
    const vf = this.valueFields[ruleIndex]!;
    if (vf.length > 0) {
      const vs = vf.map((f) => hit.lookup(f));
      if (vs.some((v) => v === undefined)) return fires;
      value = vs.join('\u0001');
      num = Number(vs[0]);
      if ((this.corr.type === 'value_sum' || this.corr.type === 'value_avg') && !Number.isFinite(num)) return fires;
    }
    let g = this.groups.get(key);
    if (g) this.groups.delete(key); // re-insert to keep the map in least-recently-used order
    else {
      const values: Record<string, string> = {};
      for (let i = 0; i < gf.length; i++) values[this.corr.groupBy[i]!] = vals[i]!;
      g = {
        key,
        values,
        entries: [],
        head: 0,
        lastTs: hit.ts,
        valueCounts: new Map(),
        ruleCounts: this.corr.rules.map(() => 0),
        sum: 0,
        episode: null,
        newest: this.distinct ? new Map() : null,
        dead: 0,
      };
      if (this.groups.size >= this.limits.maxGroups) {
        if (fires === NO_FIRES) fires = [];
        this.dropOldestGroup(fires);
      }
    }
    this.groups.set(key, g);
    const entry: Entry = { ts: hit.ts, seq: this.seq++, ruleIndex, eventIds: hit.eventIds, value, num, dead: false };
    this.insert(g, entry);
    if (!this.eager) return fires;
    // Sliding window ending at the newest hit.
    const from = g.lastTs - this.corr.timespanMs;
    const es = g.entries;
    let end = g.head;
    while (end < es.length && es[end]!.ts < from) end++;
    this.removeFront(g, end - g.head);
    const measured = this.measureGroup(g, entry);
    if (g.episode) {
      if (fires === NO_FIRES) fires = [];
      fires.push(this.grow(g, g.episode, entry, measured));
    } else if (this.ops.every((o) => check(o.op, measured, o.value))) {
      if (fires === NO_FIRES) fires = [];
      const fire = this.fire(g, live(g), measured);
      fires.push(fire);
      if (this.monotone) {
        g.episode = { id: fire.episode, firstTs: fire.firstTs, eventIds: fire.eventIds.slice(), seenIds: new Set(fire.eventIds), hits: g.entries.length - g.head, value: measured };
      } else this.groups.delete(key);
    }
    return fires;
  }

  /** A hit of a group whose match is open: the same match, grown. */
  private grow(g: Group, ep: Episode, entry: Entry, measured: number): CorrelationFire {
    ep.hits++;
    for (const id of entry.eventIds) {
      if (ep.eventIds.length >= this.limits.maxEventIds || ep.seenIds.has(id)) continue;
      ep.seenIds.add(id);
      ep.eventIds.push(id);
    }
    ep.value = this.corr.type === 'event_count' ? ep.hits : Math.max(ep.value, measured);
    return { group: { ...g.values }, eventIds: ep.eventIds.slice(), firstTs: Math.min(ep.firstTs, entry.ts), lastTs: g.lastTs, value: ep.value, episode: ep.id, update: true };
  }

  /** Close windows that ended before the watermark; evict idle groups. The result may be shared: do not change it. */
  expire(watermark: number): CorrelationFire[] {
    const span = this.corr.timespanMs;
    if (this.eager) {
      // Map order is least recently used first, so stop at the first group still in its window.
      if (this.groups.size > 0)
        for (const g of this.groups.values()) {
          if (g.lastTs >= watermark - span) break;
          this.groups.delete(g.key);
        }
      return NO_FIRES;
    }
    if (watermark < this.nextCloseCheck) return NO_FIRES;
    const fires: CorrelationFire[] = [];
    this.nextCloseCheck = watermark + Math.max(1000, Math.floor(span / 10));
    for (const g of this.groups.values()) {
      this.closeWindows(g, watermark, fires);
      if (g.entries.length === g.head) this.groups.delete(g.key);
    }
    return fires;
  }

  /** End of input: judge every open window. */
  flush(): CorrelationFire[] {
    const fires: CorrelationFire[] = [];
    if (!this.eager) for (const g of this.groups.values()) this.closeWindows(g, Infinity, fires);
    this.groups.clear();
    return fires;
  }

  private closeWindows(g: Group, watermark: number, fires: CorrelationFire[]): void {
    const span = this.corr.timespanMs;
    while (g.entries.length > g.head) {
      const es = g.entries;
      const start = es[g.head]!.ts;
      if (watermark !== Infinity && start + span >= watermark) return;
      let end = g.head;
      while (end < es.length && es[end]!.ts <= start + span) end++;
      const win = es.slice(g.head, end);
      this.removeFront(g, end - g.head);
      const measured = this.measure(win, win[win.length - 1]!);
      if (this.ops.every((o) => check(o.op, measured, o.value))) fires.push(this.fire(g, win, measured));
    }
  }

  private insert(g: Group, e: Entry): void {
    if (g.newest !== null) {
      const prev = g.newest.get(e.value);
      // An older hit of a value the window holds a newer one of adds nothing to the count.
      if (prev !== undefined && prev.ts > e.ts) return;
      if (prev !== undefined) this.letGo(g, prev);
      g.newest.set(e.value, e);
    }
    const es = g.entries;
    if (es.length === g.head || es[es.length - 1]!.ts <= e.ts) es.push(e);
    else {
      // Out-of-order hit: keep entries sorted by event time.
      let lo = g.head;
      let hi = es.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (es[mid]!.ts <= e.ts) lo = mid + 1;
        else hi = mid;
      }
      es.splice(lo, 0, e);
    }
    if (e.ts > g.lastTs) g.lastTs = e.ts;
    g.valueCounts.set(e.value, (g.valueCounts.get(e.value) ?? 0) + 1);
    g.ruleCounts[e.ruleIndex]!++;
    if (Number.isFinite(e.num)) g.sum += e.num;
    // Older hits than the condition can ever need are let go (not a loss: the count is the same).
    if (es.length - g.head > this.keep) this.removeFront(g, es.length - g.head - this.keep);
    else if (es.length - g.head > this.limits.maxEntriesPerGroup) {
      this.removeFront(g, 1);
      this.droppedEntries++;
    }
  }

  /** Drop an entry from the counts where it stands; it leaves the array with the next cut. */
  private letGo(g: Group, e: Entry): void {
    this.uncount(g, e);
    e.dead = true;
    g.dead++;
    // Cut the dead out once they are as many as the live ones (amortised O(1) a hit).
    if (g.dead >= 16 && g.dead * 2 >= g.entries.length - g.head) live(g);
  }

  private uncount(g: Group, e: Entry): void {
    const c = g.valueCounts.get(e.value)! - 1;
    if (c === 0) g.valueCounts.delete(e.value);
    else g.valueCounts.set(e.value, c);
    g.ruleCounts[e.ruleIndex]!--;
    if (Number.isFinite(e.num)) g.sum -= e.num;
  }

  private removeFront(g: Group, k: number): void {
    if (k <= 0) return;
    const es = g.entries;
    for (let i = g.head; i < g.head + k; i++) {
      const e = es[i]!;
      if (e.dead) {
        g.dead--;
        continue;
      }
      if (g.newest !== null && g.newest.get(e.value) === e) g.newest.delete(e.value);
      this.uncount(g, e);
    }
    g.head += k;
    // Cut the dead front off once it is as long as the live part: a copy of at most as many
    // entries as were removed since the last one, so a hit stays O(1) amortised (a splice per
    // removal copied the whole window, up to 10,000 entries), and dead entries never outnumber
    // live ones (with a fixed minimum, 50,000 small groups each kept a dead tail: memory grew
    // by hundreds of MB over a million events).
    if (g.head === es.length) {
      es.length = 0;
      g.head = 0;
    } else if (g.head * 2 >= es.length) {
      es.splice(0, g.head);
      g.head = 0;
    }
  }

  /** measure() from the running statistics of the whole group window. */
  private measureGroup(g: Group, latest: Entry): number {
    const n = g.entries.length - g.head;
    switch (this.corr.type) {
      case 'event_count':
        return n;
      case 'value_count':
        return g.valueCounts.size;
      case 'temporal':
        return g.ruleCounts.reduce((s, c) => s + (c > 0 ? 1 : 0), 0);
      case 'value_sum':
        return g.sum;
      case 'value_avg':
        return n === 0 ? 0 : g.sum / n;
      case 'value_percentile':
        return n === 0 ? 0 : (100 * (g.valueCounts.get(latest.value) ?? 0)) / n;
      case 'temporal_ordered': {
        // The ordered prefix cannot pass a rule with no hit in the window. Eager windows only
        // test monotone conditions, so when even that bound fails the scan is not needed; a
        // group full of one rule's hits (an address's every login) then costs O(1) per hit.
        let bound = 0;
        while (bound < g.ruleCounts.length && g.ruleCounts[bound]! > 0) bound++;
        if (!this.ops.every((o) => check(o.op, bound, o.value))) return bound;
        return this.measure(live(g), latest);
      }
    }
  }

  private dropOldestGroup(fires: CorrelationFire[]): void {
    const first = this.groups.values().next().value;
    if (!first) return;
    if (!this.eager) this.closeWindows(first, Infinity, fires);
    this.groups.delete(first.key);
    this.droppedGroups++;
  }

  private measure(entries: readonly Entry[], latest: Entry): number {
    switch (this.corr.type) {
      case 'event_count':
        return entries.length;
      case 'value_count':
        return new Set(entries.map((e) => e.value)).size;
      case 'temporal':
        return new Set(entries.map((e) => e.ruleIndex)).size;
      case 'temporal_ordered': {
        // Longest prefix of the rule list seen in order; greedy earliest picks are optimal.
        let p = 0;
        const n = this.corr.rules.length;
        // Entries are kept in (ts, seq) order already; sort a copy only if that ever fails.
        let ordered = true;
        for (let i = 1; i < entries.length && ordered; i++) {
          const a = entries[i - 1]!;
          const b = entries[i]!;
          ordered = a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
        }
        const sorted = ordered ? entries : [...entries].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
        for (const e of sorted) {
          if (e.ruleIndex === p) p++;
          if (p === n) break;
        }
        return p;
      }
      case 'value_sum':
        return entries.reduce((s, e) => s + e.num, 0);
      case 'value_avg':
        return entries.length === 0 ? 0 : entries.reduce((s, e) => s + e.num, 0) / entries.length;
      case 'value_percentile': {
        // How common the newest hit's value is in the group's window, in percent: low = rare.
        const same = entries.reduce((s, e) => s + (e.value === latest.value ? 1 : 0), 0);
        return (100 * same) / entries.length;
      }
    }
  }

  private fire(g: Group, entries: readonly Entry[], value: number): CorrelationFire {
    const ids: number[] = [];
    const seen = new Set<number>();
    outer: for (const e of entries)
      for (const id of e.eventIds) {
        if (seen.has(id)) continue;
        seen.add(id);
        ids.push(id);
        if (ids.length >= this.limits.maxEventIds) break outer;
      }
    let first = Infinity;
    let last = -Infinity;
    for (const e of entries) {
      if (e.ts < first) first = e.ts;
      if (e.ts > last) last = e.ts;
    }
    return { group: { ...g.values }, eventIds: ids, firstTs: first, lastTs: last, value, episode: ++this.episodes, update: false };
  }
}
