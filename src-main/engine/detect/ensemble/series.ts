import { Cusum, type CusumConfig, type CusumState } from './cusum';
import { HoltWinters, quietBounds, type HoltWintersConfig, type HoltWintersState, type QuietBounds } from './holt-winters';

/**
 * One keyed count series (a source, a template or an entity): its Holt-Winters and CUSUM
 * models plus what the open bucket has gathered so far (count, the strongest per-event scores,
 * evidence ids). The accumulators are part of the state because a snapshot may be taken
 * mid-bucket.
 */
export interface CountSeriesState {
  hw: HoltWintersState;
  cusum: CusumState;
  lastActive: number;
  fresh: boolean;
  /** Bucket index of the last alert of this key, or null: alerts close together are one episode. */
  lastAlert: number | null;
  count: number;
  hstMax: number;
  hstEvents: number;
  markovSum: number;
  markovEvents: number;
  /** The previous bucket's Markov sum and count (0 when it had none); absent in older snapshots. */
  prevMarkovSum?: number;
  prevMarkovEvents?: number;
  /** Novelty (nats) of the bucket's events with something new: highest, sum, how many. */
  noveltyMax: number;
  noveltySum: number;
  noveltyEvents: number;
  evidence: number[];
  evidenceScores: number[];
}

export interface SeriesModels {
  holtWinters: HoltWintersConfig;
  cusum: CusumConfig;
}

export class CountSeries {
  readonly hw: HoltWinters;
  readonly cusum: Cusum;
  lastAlert: number | null = null;
  hstEvents = 0;
  /** Bucket index of the last event, for LRU eviction and idle expiry. */
  lastActive: number;
  count = 0;
  /** -1 = no scored event in this bucket (all per-event scores are ≥ 0). */
  hstMax = -1;
  /** Sum of the bucket's Markov surprisals and their number: the channel combines them (Fisher). */
  markovSum = 0;
  markovEvents = 0;
  /**
   * The previous bucket's: a conversation does not respect the bucket grid, and a sequence
   * break that straddles a minute boundary was two halves, each too weak alone.
   */
  prevMarkovSum = 0;
  prevMarkovEvents = 0;
  noveltyMax = 0;
  noveltySum = 0;
  noveltyEvents = 0;
  evidence: number[] = [];
  evidenceScores: number[] = [];

  /** True until the series' first bucket closes (its count feeds the newcomer prior). */
  fresh = true;
  /**
   * Resting: no events, and zeros can never make it live again (SeriesTable.rest), so its empty
   * buckets are counted, not learned one by one; they are learned, in order, when it is next
   * needed (an event, a snapshot). Most idle IPs expire first and are never learned at all.
   */
  resting = false;
  private restedBuckets = 0;

  constructor(
    readonly key: string,
    models: SeriesModels,
    startWarm: boolean,
    bucketIndex: number,
    initialDispersion: number,
  ) {
    this.hw = new HoltWinters(models.holtWinters, startWarm, initialDispersion);
    this.cusum = new Cusum(models.cusum, startWarm);
    this.lastActive = bucketIndex;
  }

  /** Keeps the `limit` highest-scoring events; ties keep the earlier event. */
  addEvidence(id: number, score: number, limit: number): void {
    if (this.evidence.length < limit) {
      this.evidence.push(id);
      this.evidenceScores.push(score);
      return;
    }
    let min = 0;
    for (let i = 1; i < this.evidenceScores.length; i++) if (this.evidenceScores[i]! < this.evidenceScores[min]!) min = i;
    if (score > this.evidenceScores[min]!) {
      this.evidence[min] = id;
      this.evidenceScores[min] = score;
    }
  }

  /**
   * A bucket this series is not scored in (no events, nothing expected): its zero is learned.
   * The one place that step is written, whether taken at the bucket's close or on waking.
   */
  learnQuiet(): void {
    const hw = this.hw;
    const phi = hw.spread;
    const floor = hw.constantPart;
    this.cusum.learnCount(Math.max(0, this.count - hw.seasonal()), phi, floor, floor > 0 ? hw.excessSpread : phi);
    hw.learn(this.count);
    this.resetBucket();
  }

  /** One more empty bucket while resting. */
  restOne(): void {
    this.restedBuckets++;
  }

  /** Learns the buckets rested through, as they would have been learned at their close. */
  wake(): void {
    for (let i = 0; i < this.restedBuckets; i++) this.learnQuiet();
    this.restedBuckets = 0;
    this.resting = false;
  }

  resetBucket(): void {
    this.count = 0;
    this.hstMax = -1;
    this.hstEvents = 0;
    this.prevMarkovSum = this.markovSum;
    this.prevMarkovEvents = this.markovEvents;
    this.markovSum = 0;
    this.markovEvents = 0;
    this.noveltyMax = 0;
    this.noveltySum = 0;
    this.noveltyEvents = 0;
    if (this.evidence.length > 0) {
      this.evidence = [];
      this.evidenceScores = [];
    }
  }

  state(): CountSeriesState {
    if (this.resting) this.wake();
    return {
      hw: this.hw.state(),
      cusum: this.cusum.state(),
      lastActive: this.lastActive,
      fresh: this.fresh,
      lastAlert: this.lastAlert,
      count: this.count,
      hstMax: this.hstMax,
      hstEvents: this.hstEvents,
      markovSum: this.markovSum,
      markovEvents: this.markovEvents,
      prevMarkovSum: this.prevMarkovSum,
      prevMarkovEvents: this.prevMarkovEvents,
      noveltyMax: this.noveltyMax,
      noveltySum: this.noveltySum,
      noveltyEvents: this.noveltyEvents,
      evidence: [...this.evidence],
      evidenceScores: [...this.evidenceScores],
    };
  }

  restore(s: CountSeriesState): void {
    this.hw.restore(s.hw);
    this.cusum.restore(s.cusum);
    this.lastActive = s.lastActive;
    this.fresh = s.fresh;
    this.lastAlert = s.lastAlert;
    this.count = s.count;
    this.hstMax = s.hstMax;
    this.hstEvents = s.hstEvents;
    this.markovSum = s.markovSum;
    this.markovEvents = s.markovEvents;
    this.prevMarkovSum = s.prevMarkovSum ?? 0;
    this.prevMarkovEvents = s.prevMarkovEvents ?? 0;
    this.noveltyMax = s.noveltyMax;
    this.noveltySum = s.noveltySum;
    this.noveltyEvents = s.noveltyEvents;
    this.evidence = [...s.evidence];
    this.evidenceScores = [...s.evidenceScores];
  }
}

/**
 * The series of one key kind, bounded: beyond `maxSeries` the least recently active are
 * dropped at bucket close, and series idle for `idleExpiry` buckets expire (sources never do,
 * their silence is the point). Eviction is done in bulk at bucket close, not per event, so the
 * hot path is one Map lookup.
 */
export class SeriesTable {
  private map = new Map<string, CountSeries>();
  private readonly bounds: QuietBounds;

  constructor(
    private readonly models: SeriesModels,
    private readonly maxSeries: number,
    private readonly idleExpiry: number | null,
  ) {
    this.bounds = quietBounds(models.holtWinters);
  }

  get size(): number {
    return this.map.size;
  }

  /** Series resting now (for reports and tests; a walk over the table). */
  get resting(): number {
    let n = 0;
    for (const s of this.map.values()) if (s.resting) n++;
    return n;
  }

  get(key: string, bucketIndex: number, startWarm: boolean, initialDispersion: number): CountSeries {
    let s = this.map.get(key);
    if (s !== undefined && s.resting) s.wake();
    if (s === undefined) {
      s = new CountSeries(key, this.models, startWarm, bucketIndex, initialDispersion);
      this.map.set(key, s);
    }
    return s;
  }

  /** Lookup only, for callers that keep their own reference and must check it is still current. */
  peek(key: string): CountSeries | undefined {
    return this.map.get(key);
  }

  values(): IterableIterator<CountSeries> {
    return this.map.values();
  }

  /**
   * Puts a series just learned as quiet to rest when nothing but an event can make it live
   * again: its expected count and its CUSUM baseline stay under `limit` through any run of
   * zeros (the baseline only falls under zeros; Holt-Winters: staysUnder). Whether a series
   * rests changes no output, only when its zeros are learned.
   */
  rest(s: CountSeries, limit: number): void {
    if (s.count === 0 && s.cusum.baseline < limit && s.hw.staysUnder(limit, this.bounds)) s.resting = true;
  }

  expired(s: CountSeries, bucketIndex: number): boolean {
    return this.idleExpiry !== null && s.count === 0 && bucketIndex - s.lastActive > this.idleExpiry;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Called after a bucket close; accumulators are empty then, so nothing is lost but history. */
  enforceBound(): void {
    if (this.map.size <= this.maxSeries) return;
    const byAge = [...this.map].sort((a, b) => a[1].lastActive - b[1].lastActive);
    for (let i = 0; i < byAge.length - this.maxSeries; i++) this.map.delete(byAge[i]![0]);
  }

  state(): [string, CountSeriesState][] {
    return [...this.map].map(([k, s]) => [k, s.state()]);
  }

  restore(entries: [string, CountSeriesState][]): void {
    this.map = new Map();
    for (const [k, st] of entries) {
      const s = new CountSeries(k, this.models, false, st.lastActive, 1);
      s.restore(st);
      this.map.set(k, s);
    }
  }
}
