import type { NormalizedEvent } from '../../../../src-shared/event';

/**
 * Novelty: how surprising it is that an event carries a value never seen before in one of its
 * categorical fields (template, user, host), per source type.
 *
 * The chance that the next observation of a field is a value not seen so far is estimated by
 * Good–Turing: P(new) ≈ n1 / N, with n1 the number of values seen exactly once and N the
 * observations of the field so far; (n1 + 1) / (N + 1) here, so a field that has never
 * produced a singleton is still allowed one. The estimate adapts to the field by itself: a web
 * server's users or an auth log's attacker IPs are new all the time (n1/N is large and a new
 * one says little), while an auth log whose templates and account names have been the same
 * few dozen for hours makes a new template, a new account name or a never-seen severity rare.
 *
 * An event's novelty is the sum over its never-seen fields of −ln P(new): the joint probability
 * with the fields taken as independent (a never-seen template that also names a never-seen
 * account is rarer than a routine new template; nothing about which words matter is
 * hard-coded). An event with nothing new scores 0. Scored before it is learned (prequential).
 *
 * Severity is not independent of the template (a template has one severity, so a new severity
 * almost only comes with a new template): it is counted once per template, when the template
 * is first seen, and scored only then, as P(new severity | new template) by the same
 * Good–Turing estimate over templates. A source whose templates all sit at one or two
 * severities makes a new template at a never-used severity a little rarer; one whose templates
 * span every level does not.
 *
 * Bounded: a field past `maxValues` distinct values, or past `maxTotal` observations, has its
 * counts halved (values at zero forgotten), the same forgetting as the content features; the
 * halving is at fixed counts, so replays halve at the same event.
 */
export interface NoveltyConfig {
  maxValues: number;
  maxTotal: number;
  /** Mean lifetime, in draws, of the recent discovery rate (see FieldCounts). */
  discoveryMemory: number;
}

export const DEFAULT_NOVELTY: NoveltyConfig = { maxValues: 4096, maxTotal: 1_000_000, discoveryMemory: 1000 };

/** Field order in the state; severity is keyed by its number. */
export const NOVELTY_FIELDS = ['template', 'severity', 'user', 'host'] as const;

/** Severity key of an event without one (reads as informational, like the content features). */
const NO_SEVERITY = 6;

export interface FieldCountsState {
  total: number;
  singletons: number;
  /** Exponentially decayed counts of draws, of draws that were new values, and of the new values Good–Turing expected. */
  draws: number;
  discoveries: number;
  expected?: number;
  /** [value, buckets it was seen in, last such bucket]. */
  counts: [string | number, number, number][];
}

export interface NoveltyState {
  fields: FieldCountsState[];
}

interface Seen {
  count: number;
  bucket: number;
}

/**
 * Counts of one field's values, with the number of values seen exactly once. A value counts
 * once per bucket it occurs in, not once per event: log lines come in conversations (an ssh
 * session names its user on six lines), and counted per line no value would ever be a
 * singleton, so Good–Turing would call every new user impossible. Buckets with the value are
 * far closer to the independent draws the estimate assumes, but not there: a session spans
 * a few minutes, so a user who logged in once is seen in three buckets and is no singleton.
 *
 * So Good–Turing is checked against what the field actually did: every draw adds the
 * estimate it was made under to `expected` (the discoveries Good–Turing predicted) and adds 1
 * to `discoveries` if it was new, both decayed with a mean lifetime of `discoveryMemory` draws,
 * like the draws themselves. P(new) = GT + max(0, discoveries − expected) / (draws + 1): the
 * missing mass GT sees plus the recent rate of discoveries it failed to predict. A field whose
 * draws are dependent (users in conversations) keeps discovering more than GT predicts and is
 * judged by that excess; a field whose vocabulary settled (templates) discovered what GT
 * predicted while it was forming, so its first values do not count against it, and a new value
 * is as rare as GT says, however long the stream has been stable. (A plain recent discovery
 * rate, (d+1)/(w+1), remembered the vocabulary forming for its whole memory, and its +1 capped
 * any new value at ln(memory) ≈ 6.9 nats: a never-seen template after 4 quiet hours scored
 * like a 1-in-60 event.)
 */
export class FieldCounts {
  private counts = new Map<string | number, Seen>();
  total = 0;
  singletons = 0;
  draws = 0;
  discoveries = 0;
  expected = 0;
  private readonly keep: number;

  constructor(private readonly config: NoveltyConfig = DEFAULT_NOVELTY) {
    this.keep = 1 - 1 / config.discoveryMemory;
  }

  /** −ln P(the next draw is a value never seen). */
  private newSurprisal(): number {
    const excess = this.discoveries > this.expected ? (this.discoveries - this.expected) / (this.draws + 1) : 0;
    const p = this.goodTuring() + excess;
    return p >= 1 ? 0 : -Math.log(p);
  }

  private goodTuring(): number {
    return (this.singletons + 1) / (this.total + 1);
  }

  /** Distinct values currently remembered. */
  get distinct(): number {
    return this.counts.size;
  }

  /** −ln P(new value) by Good–Turing if `v` was never seen, else 0. */
  surprisal(v: string | number): number {
    return this.counts.has(v) ? 0 : this.newSurprisal();
  }

  /** Surprisal, then `v` is counted in `bucket` (once per bucket), with one lookup. */
  scoreAndLearn(v: string | number, bucket: number): number {
    const seen = this.counts.get(v);
    if (seen !== undefined) {
      if (seen.bucket === bucket) return 0;
      seen.bucket = bucket;
      this.expected = this.expected * this.keep + this.goodTuring();
      this.draws = this.draws * this.keep + 1;
      this.discoveries *= this.keep;
      if (seen.count === 1) this.singletons--;
      seen.count++;
      this.total++;
      if (this.total >= this.config.maxTotal) this.halve();
      return 0;
    }
    const s = this.newSurprisal();
    this.expected = this.expected * this.keep + this.goodTuring();
    this.draws = this.draws * this.keep + 1;
    this.discoveries = this.discoveries * this.keep + 1;
    this.counts.set(v, { count: 1, bucket });
    this.singletons++;
    this.total++;
    if (this.total >= this.config.maxTotal || this.counts.size > this.config.maxValues) this.halve();
    return s;
  }

  private halve(): void {
    for (const [k, v] of this.counts) {
      v.count = Math.floor(v.count / 2);
      if (v.count === 0) this.counts.delete(k);
    }
    // Halving cannot shrink a vocabulary of frequent values; keep the most frequent then.
    if (this.counts.size > this.config.maxValues) {
      const keep = [...this.counts].sort((a, b) => b[1].count - a[1].count).slice(0, Math.floor(this.config.maxValues * 0.9));
      this.counts = new Map(keep);
    }
    this.total = 0;
    this.singletons = 0;
    for (const v of this.counts.values()) {
      this.total += v.count;
      if (v.count === 1) this.singletons++;
    }
  }

  state(): FieldCountsState {
    return { total: this.total, singletons: this.singletons, draws: this.draws, discoveries: this.discoveries, expected: this.expected, counts: [...this.counts].map(([k, v]) => [k, v.count, v.bucket]) };
  }

  restore(s: FieldCountsState): void {
    this.total = s.total;
    this.singletons = s.singletons;
    this.draws = s.draws;
    this.discoveries = s.discoveries;
    // A snapshot from before `expected` existed: take its discoveries as expected (ratio 1).
    this.expected = s.expected ?? s.discoveries;
    this.counts = new Map(s.counts.map(([k, count, bucket]) => [k, { count, bucket }]));
  }
}

export class Novelty {
  private readonly fields: FieldCounts[];
  /**
   * The host last counted and its bucket: a source type has a handful of hosts, and a repeat
   * in the same bucket changes nothing (values count once per bucket), so it skips the lookup.
   */
  private lastHost: string | null = null;
  private lastHostBucket = -1;

  constructor(config: NoveltyConfig = DEFAULT_NOVELTY) {
    this.fields = NOVELTY_FIELDS.map(() => new FieldCounts(config));
  }

  /** The event's novelty in nats (0 = nothing new), then its values are learned in `bucket`. */
  scoreAndLearn(e: NormalizedEvent, bucket: number): number {
    const f = this.fields;
    let s = 0;
    if (e.template_id !== null) {
      const t = f[0]!.scoreAndLearn(e.template_id, bucket);
      // Templates are the draws of the severity field: each counts in a "bucket" of its own.
      if (t > 0) s += t + f[1]!.scoreAndLearn(e.severity ?? NO_SEVERITY, f[0]!.distinct);
    }
    if (e.user !== null) s += f[2]!.scoreAndLearn(e.user, bucket);
    if (e.host !== null && (e.host !== this.lastHost || bucket !== this.lastHostBucket)) {
      s += f[3]!.scoreAndLearn(e.host, bucket);
      this.lastHost = e.host;
      this.lastHostBucket = bucket;
    }
    return s;
  }

  state(): NoveltyState {
    return { fields: this.fields.map((f) => f.state()) };
  }

  restore(s: NoveltyState): void {
    s.fields.forEach((st, i) => this.fields[i]!.restore(st));
    this.lastHost = null;
    this.lastHostBucket = -1;
  }
}
