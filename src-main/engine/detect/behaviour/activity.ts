/**
 * Running statistics over a group of events (one session or one IP window). Everything is
 * incremental and bounded, so an open group costs the same whether it saw ten events or ten
 * million.
 */
import type { EventFacts } from './eventFacts';
import { SlidingMaxCount } from './slidingCount';

const NONE: readonly never[] = [];

/**
 * A Set that stops growing at `cap` but keeps counting how many distinct values it refused. Its
 * first value is held as it is and the Set made on the second: most groups see one path and one
 * agent, and a Set per group and grouping was a tenth of what the behaviour models allocate.
 */
export class BoundedSet<T> {
  /** The only value, while there is just one. */
  private one: T | undefined = undefined;
  private set: Set<T> | null = null;
  saturated = false;

  constructor(private readonly cap: number) {}

  /** The values in the order they came. */
  get values(): Iterable<T> {
    return this.set ?? (this.one === undefined ? NONE : [this.one]);
  }

  add(v: T): boolean {
    if (this.set === null) {
      if (this.one === undefined) {
        if (this.cap < 1) {
          this.saturated = true;
          return false;
        }
        this.one = v;
        return true;
      }
      if (this.one === v) return false;
      this.set = new Set<T>([this.one]);
      this.one = undefined;
    }
    const set = this.set;
    if (set.has(v)) return false;
    if (set.size >= this.cap) {
      this.saturated = true;
      return false;
    }
    set.add(v);
    return true;
  }

  get size(): number {
    return this.set !== null ? this.set.size : this.one === undefined ? 0 : 1;
  }
}

export class ActivityStats {
  first = Infinity;
  last = -Infinity;
  events = 0;
  failures = 0;
  successes = 0;
  /** Failed attempts that named an account which does not exist. */
  invalidUserFailures = 0;
  /** Current run of consecutive failed attempts, and the longest one. */
  failureStreak = 0;
  maxFailureStreak = 0;
  /** Longest failure run that ended in a success (0 if none did). */
  maxFailuresBeforeSuccess = 0;
  http = 0;
  http4xx = 0;
  http404 = 0;
  http5xx = 0;
  sensitiveErrors = 0;
  offHours = 0;
  scanner: string | null = null;
  readonly burst4xx = new SlidingMaxCount();
  readonly burst5xx = new SlidingMaxCount();
  readonly users: BoundedSet<string>;
  readonly paths: BoundedSet<string>;
  readonly agents: BoundedSet<string>;
  readonly evidence: number[] = [];

  constructor(
    private readonly maxDistinct: number,
    private readonly maxEvidence: number,
  ) {
    this.users = new BoundedSet(maxDistinct);
    this.paths = new BoundedSet(maxDistinct);
    this.agents = new BoundedSet(Math.min(maxDistinct, 256));
  }

  add(f: EventFacts): void {
    if (f.ts < this.first) this.first = f.ts;
    if (f.ts > this.last) this.last = f.ts;
    this.events += f.weight;
    if (f.offHours) this.offHours += f.weight;
    if (f.user !== null) this.users.add(f.user);
    if (f.userAgent !== null) this.agents.add(f.userAgent);
    if (f.scanner !== null && this.scanner === null) this.scanner = f.scanner;
    if (f.auth === 'failure') {
      this.failures += f.weight;
      if (f.invalidUser) this.invalidUserFailures += f.weight;
      this.failureStreak += f.weight;
      if (this.failureStreak > this.maxFailureStreak) this.maxFailureStreak = this.failureStreak;
    } else if (f.auth === 'success') {
      this.successes += f.weight;
      if (this.failureStreak > this.maxFailuresBeforeSuccess) this.maxFailuresBeforeSuccess = this.failureStreak;
      this.failureStreak = 0;
    }
    if (f.http) {
      this.http++;
      if (f.path !== null) this.paths.add(f.path);
      const s = f.status;
      if (s !== null && s >= 400 && s < 500) {
        this.http4xx++;
        this.burst4xx.add(f.ts);
        if (s === 404) this.http404++;
      } else if (s !== null && s >= 500) {
        this.http5xx++;
        this.burst5xx.add(f.ts);
      }
      if (f.sensitiveError) this.sensitiveErrors++;
    }
    // Evidence favours the lines that make the group interesting; plain page views only fill gaps.
    const notable = f.auth !== null || f.sensitiveError || f.scanner !== null || (f.status !== null && f.status >= 400);
    if (this.evidence.length < this.maxEvidence && (notable || this.evidence.length < this.maxEvidence / 2)) {
      this.evidence.push(f.id);
    }
  }

  get maxDistinctTracked(): number {
    return this.maxDistinct;
  }
}
