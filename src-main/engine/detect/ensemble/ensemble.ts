import type { NormalizedEvent } from '../../../../src-shared/event';
import { logOf } from '../../parse/log-names';
import { Blender } from './blender';
import { blenderConfig, seasonCandidates, withDefaults, type EnsembleConfig } from './config';
import { ContentFeatures, FEATURE_COUNT, type ContentFeaturesState } from './features';
import { HalfSpaceTrees, type HalfSpaceTreesState } from './half-space-trees';
import { constantPart } from './holt-winters';
import { MarkovChains, type MarkovState } from './markov';
import { Novelty, type NoveltyState } from './novelty';
import { RunningStats, type RunningStatsState } from './running-stats';
import { ScoreTail, type ScoreTailState } from './score-tail';
import { SeriesTable, type CountSeries, type CountSeriesState, type SeriesModels } from './series';
import { BiDSpot, type SpotState } from './spot';
import { combinedSurprisal, logGamma, surprisalAbove, surprisalBelow } from './tail';
import { CHANNELS, type ChannelValues, type EnsembleAlert, type EnsembleOutput, type KeyKind, type ScorePoint, type SeriesKey } from './types';

const KINDS: readonly KeyKind[] = ['source', 'template', 'entity'];
/** Suffix of the template series that counts a template's server-error answers. */
export const SERVER_ERROR_SUFFIX = '5xx';
const CHANNEL_COUNT = CHANNELS.length;

/** What is known about keys of one kind as a group. */
export interface KindState {
  /** First-bucket counts of keys born after warm-up. */
  newcomers: RunningStatsState;
  /** Keys born after warm-up, and buckets closed after warm-up: the rate new keys appear at. */
  newKeys: number;
  warmBuckets: number;
  /** Pooled Holt-Winters dispersion of the kind's live series: the prior of a new series. */
  dispersion: RunningStatsState;
  /** Keys scored in the last closed bucket (the Bonferroni factor of the threshold floor). */
  live: number;
}

export interface EnsembleState {
  version: 3;
  sourceType: string;
  openBucket: number | null;
  lastTs: number | null;
  closedBuckets: number;
  lateEvents: number;
  untimedEvents: number;
  features: ContentFeaturesState;
  hst: HalfSpaceTreesState;
  hstTail: ScoreTailState;
  markov: MarkovState;
  novelty: NoveltyState;
  kinds: Record<KeyKind, KindState>;
  spots: Record<KeyKind, SpotState>;
  series: Record<KeyKind, [string, CountSeriesState][]>;
}

/** The primary entity of an event, type-prefixed so "root" the user and "root" the host differ. */
export function primaryEntity(e: NormalizedEvent): string | null {
  if (e.src_ip !== null) return 'ip:' + e.src_ip;
  if (e.user !== null) return 'user:' + e.user;
  if (e.host !== null) return 'host:' + e.host;
  return null;
}

interface Candidate {
  series: CountSeries;
  kind: KeyKind;
  score: number;
  channelScores: number[];
  count: number;
  evidence: number[];
}

/** Per kind: the newcomer model, the rate of new keys and the pooled dispersion. */
class KindModel {
  newcomers = new RunningStats(0.02, 0);
  newKeys = 0;
  warmBuckets = 0;
  dispersion = new RunningStats(0.002, 0);
  live = 0;

  /** Mean count a new key brings in its first bucket; 1 until ten newcomers were seen. */
  newcomerMean(): number {
    return this.newcomers.count >= 10 ? Math.max(1, this.newcomers.mean) : 1;
  }

  newcomerDispersion(): number {
    const m = this.newcomerMean();
    return this.newcomers.count >= 10 ? Math.max(1, this.newcomers.variance / m) : 1;
  }

  /**
   * −ln P(some new key appears in a bucket), from the count of new keys since warm-up
   * (+1: the first is never impossible). Zero for kinds where new keys come every bucket.
   */
  appearance(): number {
    const rate = (this.newKeys + 1) / (this.warmBuckets + 1);
    return rate >= 1 ? 0 : -Math.log(rate);
  }

  priorDispersion(minDispersion: number): number {
    return this.dispersion.count === 0 ? minDispersion : Math.max(minDispersion, this.dispersion.mean);
  }

  state(): KindState {
    return { newcomers: this.newcomers.state(), newKeys: this.newKeys, warmBuckets: this.warmBuckets, dispersion: this.dispersion.state(), live: this.live };
  }

  restore(s: KindState): void {
    this.newcomers.restore(s.newcomers);
    this.newKeys = s.newKeys;
    this.warmBuckets = s.warmBuckets;
    this.dispersion.restore(s.dispersion);
    this.live = s.live;
  }
}

/**
 * The streaming detector set of one source type (DESIGN.md step 6).
 *
 * Per event (event-time order): content features → Half-Space Trees, template → Markov chain of
 * the primary entity, and the event is counted into its source, template and entity series.
 * Per bucket, when an event of a later bucket arrives (the watermark is the newest event time;
 * an older event is counted in the open bucket, see `lateEvents`): every tracked series —
 * including those with no events, so a silence is a zero — is scored by Holt-Winters and CUSUM,
 * joined with the bucket's HST and Markov evidence of its events, blended, and the blend goes
 * through biDSPOT, one sample per (bucket, key kind): the bucket's highest blend.
 *
 * Every channel is a surprisal, −ln p, in nats (see tail.ts):
 *  - Holt-Winters: the count's tail probability under an overdispersed Poisson around the
 *    forecast (variance = φ·mean, φ learned per series from a pooled prior); upward, a count
 *    with a constant part c (health checks) is c + a rest with its own dispersion ψ.
 *  - CUSUM: the same evidence accumulated over consecutive buckets on one side of a slow
 *    baseline, so a long silence of a busy source grows without bound.
 *  - HST: the empirical tail of the bucket's strongest content score among all events so far.
 *  - Markov: Fisher's combination of the p-values of the entity's transitions in the bucket.
 *  - Novelty: never-seen templates, users and hosts of the source type, each as rare as its
 *    field's missing mass (Good–Turing or the recent discovery rate, novelty.ts), summed over
 *    the fields of an event and combined over the key's events (noveltySurprisal).
 * A key whose evidence is one bucket of one count (loneSpike) must clear its threshold by the
 * blender's boost factor.
 * Template and entity keys are never more surprising than a brand-new key of their kind would
 * be with the same count (a returning idle IP is a newcomer again, not a 40-sd spike), and a new
 * key adds the surprisal of a new key appearing at all (rare for templates, routine for IPs).
 *
 * A key whose blend passes max(biDSPOT upper threshold, minThreshold + ln(live keys of its
 * kind)) in a bucket where the
 * kind's highest blend is a biDSPOT alarm is an alert, unless the same key alerted within
 * `episodeBuckets`: then the bucket extends that alert's episode instead.
 *
 * Nothing reads the wall clock and outputs only depend on the sequence of events, so an archive
 * import and a live replay of the same events give identical points and alerts, however the
 * events are batched. The open bucket is only closed by a later event: a source type that goes
 * entirely quiet is scored when its next event arrives (or when `advanceTo` is called).
 */
export class Ensemble {
  readonly config: EnsembleConfig;
  private readonly features: ContentFeatures;
  private readonly hst: HalfSpaceTrees;
  private readonly hstTail = new ScoreTail();
  private readonly markov: MarkovChains;
  private readonly novelty = new Novelty();
  private readonly blender: Blender;
  private readonly spots: Record<KeyKind, BiDSpot>;
  private readonly kinds: Record<KeyKind, KindModel>;
  private readonly tables: Record<KeyKind, SeriesTable>;
  private readonly scratch = new Float64Array(FEATURE_COUNT);
  /** Channel scores of the key being scored; NaN = no opinion. Reused for every key. */
  private readonly channelScores = new Float64Array(CHANNEL_COUNT);
  private readonly peakScores = new Float64Array(CHANNEL_COUNT);
  private readonly peakSeries: (CountSeries | null)[] = new Array<CountSeries | null>(CHANNEL_COUNT).fill(null);
  private readonly peakKinds: KeyKind[] = new Array<KeyKind>(CHANNEL_COUNT).fill('source');
  private readonly candidates: Candidate[] = [];
  /** The source series of the previous event: most events come in runs from one source. */
  private lastSource: CountSeries | null = null;
  /** The last event's source and the log it is part of (rotated members are one log). */
  private lastMember = '';
  private lastLog = '';
  private openBucket: number | null = null;
  private lastTs: number | null = null;
  private closedBuckets = 0;
  private lateEvents = 0;
  private untimedEvents = 0;
  private points: ScorePoint[] = [];
  private alerts: EnsembleAlert[] = [];

  constructor(
    readonly sourceType: string,
    config: Partial<EnsembleConfig> = {},
  ) {
    const c = withDefaults(config);
    this.config = c;
    this.features = new ContentFeatures(c.features);
    this.hst = new HalfSpaceTrees({ ...c.hst, dimensions: FEATURE_COUNT });
    this.markov = new MarkovChains(c.markov);
    this.blender = new Blender(blenderConfig(c));
    this.kinds = { source: new KindModel(), template: new KindModel(), entity: new KindModel() };
    this.spots = { source: new BiDSpot(c.spot), template: new BiDSpot(c.spot), entity: new BiDSpot(c.spot) };
    const models = (kind: KeyKind): SeriesModels => ({
      holtWinters: { ...c.holtWinters, seasonCandidates: seasonCandidates(c) },
      cusum: { ...c.cusum, downward: c.silenceKinds.includes(kind) },
    });
    this.tables = {
      source: new SeriesTable(models('source'), c.maxSeries.source, null),
      template: new SeriesTable(models('template'), c.maxSeries.template, c.idleExpiryBuckets),
      entity: new SeriesTable(models('entity'), c.maxSeries.entity, c.idleExpiryBuckets),
    };
  }

  /** Counters for the import report. */
  get stats(): { closedBuckets: number; lateEvents: number; untimedEvents: number; series: Record<KeyKind, number>; resting: Record<KeyKind, number> } {
    const t = this.tables;
    return {
      closedBuckets: this.closedBuckets,
      lateEvents: this.lateEvents,
      untimedEvents: this.untimedEvents,
      series: { source: t.source.size, template: t.template.size, entity: t.entity.size },
      resting: { source: t.source.resting, template: t.template.resting, entity: t.entity.resting },
    };
  }

  push(e: NormalizedEvent): void {
    const ts = e.ts ?? this.lastTs;
    if (ts === null) {
      // Only possible before the first timed event; ingestion gives live events receive time.
      this.untimedEvents++;
      return;
    }
    const size = this.config.bucketMs;
    const bucket = Math.floor(ts / size) * size;
    if (this.openBucket === null) this.openBucket = bucket;
    else if (bucket > this.openBucket) this.closeUntil(bucket);
    else if (bucket < this.openBucket) this.lateEvents++;
    if (this.lastTs === null || ts > this.lastTs) this.lastTs = ts;
    const bucketIndex = this.openBucket / size;

    const x = this.features.extract(e, this.scratch);
    const hstScore = this.hst.scoreAndLearn(x);
    this.features.learn(e);
    if (hstScore !== null) this.hstTail.push(hstScore);
    const entity = primaryEntity(e);
    const markovScore = e.template_id === null ? null : this.markov.scoreAndLearn(entity, e.template_id);
    // Ranks the key's events for evidence only: an HST score near 1 is an empty region.
    const novelty = this.novelty.scoreAndLearn(e, bucketIndex);
    const surprise = (hstScore ?? 0) * 10 + (markovScore ?? 0) + novelty;

    const warm = this.closedBuckets >= this.config.holtWinters.warmupBuckets;
    // Markov evidence goes to the entity only: the chain is the entity's, and on a source or
    // template series it would mostly measure how many conversations happen to interleave.
    let source = this.lastSource;
    // One series per log: `access.log.2.gz` carries on from `access.log.3.gz`'s baseline, or
    // every rotated member's first minute would look like a burst out of nothing.
    if (e.source !== this.lastMember) {
      this.lastMember = e.source;
      this.lastLog = logOf(e.source);
    }
    const log = this.lastLog;
    // The cached series may have been evicted; sources never expire, but the table is bounded.
    if (source === null || source.key !== log || this.tables.source.peek(log) !== source) {
      source = this.series('source', log, bucketIndex, warm);
      this.lastSource = source;
    }
    this.accumulate(source, bucketIndex, e.id, hstScore, null, novelty, surprise);
    if (e.template_id !== null) {
      this.accumulate(this.series('template', e.template_id, bucketIndex, warm), bucketIndex, e.id, hstScore, null, novelty, surprise);
      // An access log's template is the request line: the status is not in it, so an outage that
      // turns every answer of /api/v1/* into a 502 leaves the request counts of the source and the
      // template as they were, and no series moved. Server errors get a series of their own per
      // template (`<template> 5xx`), whose burst the count models see like any other.
      if (e.status !== null && e.status >= 500) {
        this.accumulate(this.series('template', `${e.template_id} ${SERVER_ERROR_SUFFIX}`, bucketIndex, warm), bucketIndex, e.id, hstScore, null, novelty, surprise);
      }
    }
    if (entity !== null) {
      this.accumulate(this.series('entity', entity, bucketIndex, warm), bucketIndex, e.id, hstScore, markovScore, novelty, surprise);
    }
  }

  /**
   * A key first seen once the ensemble is warm starts from a zero baseline that is already
   * warm ("no events for this key until now" is information), with its kind's pooled dispersion.
   */
  private series(kind: KeyKind, key: string, bucketIndex: number, warm: boolean): CountSeries {
    return this.tables[kind].get(key, bucketIndex, warm, this.kinds[kind].priorDispersion(this.config.holtWinters.minDispersion));
  }

  pushAll(events: Iterable<NormalizedEvent>): void {
    for (const e of events) this.push(e);
  }

  /**
   * Closes every bucket that ends at or before `ts`. Deterministic only if replays call it at
   * the same points of the stream: use it at the end of an archive known to be complete, or
   * from a live heartbeat whose times are recorded with the events.
   */
  advanceTo(ts: number): void {
    if (this.openBucket === null) return;
    const size = this.config.bucketMs;
    const bucket = Math.floor(ts / size) * size;
    if (bucket > this.openBucket) this.closeUntil(bucket);
  }

  /** Points and alerts emitted since the last drain, in emission order. */
  drain(): EnsembleOutput {
    const out = { points: this.points, alerts: this.alerts };
    this.points = [];
    this.alerts = [];
    return out;
  }

  private accumulate(s: CountSeries, bucketIndex: number, id: number, hst: number | null, markov: number | null, novelty: number, surprise: number): void {
    s.count++;
    if (novelty > 0) {
      if (novelty > s.noveltyMax) s.noveltyMax = novelty;
      s.noveltySum += novelty;
      s.noveltyEvents++;
    }
    s.lastActive = bucketIndex;
    if (hst !== null) {
      s.hstEvents++;
      if (hst > s.hstMax) s.hstMax = hst;
    }
    if (markov !== null) {
      s.markovSum += markov;
      s.markovEvents++;
    }
    s.addEvidence(id, surprise, this.config.evidencePerKey);
  }

  private closeUntil(bucket: number): void {
    const size = this.config.bucketMs;
    let open = this.openBucket!;
    this.closeBucket(open);
    const empty = Math.round((bucket - open) / size) - 1;
    const scored = Math.min(empty, this.config.maxGapBuckets);
    for (let i = 0; i < scored; i++) {
      open += size;
      this.closeBucket(open);
    }
    this.openBucket = bucket;
  }

  private closeBucket(start: number): void {
    const bucketIndex = start / this.config.bucketMs;
    this.peakScores.fill(-1);
    this.peakSeries.fill(null);
    for (const kind of KINDS) this.closeKind(kind, start, bucketIndex);
    this.closedBuckets++;
    this.emitChannelPoints(start);
  }

  private closeKind(kind: KeyKind, start: number, bucketIndex: number): void {
    const c = this.config;
    const table = this.tables[kind];
    const model = this.kinds[kind];
    const spot = this.spots[kind];
    const threshold = this.alertThreshold(spot.thresholds()?.upper ?? null, model.live);
    const scores = this.channelScores;
    const candidates = this.candidates;
    candidates.length = 0;
    const capped = kind !== 'source';
    const rests = capped && c.restQuietKeys;
    const silences = c.silenceKinds.includes(kind);
    const cusumKind = c.cusumKinds.includes(kind);
    const ncMean = model.newcomerMean();
    const ncDispersion = model.newcomerDispersion();
    const appearance = capped ? model.appearance() : 0;
    const ensembleWarm = this.closedBuckets >= c.holtWinters.warmupBuckets;
    let born = 0;
    let liveKeys = 0;
    let best = -1;
    let bestSeries: CountSeries | null = null;
    for (const s of table.values()) {
      if (table.expired(s, bucketIndex)) {
        table.delete(s.key);
        continue;
      }
      if (s.resting) {
        s.restOne();
        continue;
      }
      const count = s.count;
      const hw = s.hw;
      const newborn = s.fresh && hw.warm;
      if (s.fresh) {
        s.fresh = false;
        if (newborn && count > 0) {
          model.newcomers.push(count);
          born++;
        }
      }
      const mu = hw.expected();
      const live = count > 0 || mu >= c.minExpectedCount || s.cusum.baseline >= c.minExpectedCount;
      if (!live) {
        s.learnQuiet();
        // Sources never rest: their silence is scored. An idle IP or template whose zeros can
        // never make it live again rests until its next event; most expire first.
        if (rests) table.rest(s, c.minExpectedCount);
        continue;
      }
      const phi = hw.spread;
      // The count's constant part and the dispersion above it (holt-winters.ts): upper tails only.
      const floor = hw.constantPart;
      const psi = floor > 0 ? hw.excessSpread : phi;
      // CUSUM watches the seasonally adjusted count: an hourly cron spike is not a change point.
      const adjusted = Math.max(0, count - hw.seasonal());
      // A newcomer is judged as one: its own zero baseline says nothing about how much a new
      // key usually brings. A returning key is never more surprising than a newcomer would be.
      const newcomer = capped && count > ncMean ? surprisalAbove(count, ncMean, ncDispersion) + appearance : appearance;
      let hwScore: number;
      let cusumScore: number;
      if (newborn) {
        // Only the count: that the key is new at all is the novelty channel's evidence (a
        // never-seen value, by Good–Turing), and counting it here too made the count family
        // "agree" with the content family about one fact, boosting every lone new template.
        hwScore = surprisalAbove(count, ncMean, ncDispersion);
        cusumScore = NaN;
        s.cusum.learnCount(adjusted, phi, floor, psi);
      } else {
        hwScore = hw.warm ? (count >= mu ? countAbove(count, mu, constantPart(floor, mu, psi), phi, psi) : silences ? surprisalBelow(count, mu, phi) : 0) : NaN;
        cusumScore = s.cusum.scoreAndLearnCount(adjusted, phi, floor, psi) ?? NaN;
        if (!cusumKind) cusumScore = NaN;
        if (capped && count > mu) {
          if (hwScore > newcomer) hwScore = newcomer;
          if (count > s.cusum.baseline && cusumScore > newcomer) cusumScore = newcomer;
        }
      }
      // Only an outage (the downward sum in alarm) keeps the dispersion from learning: it must
      // not teach that zeros are ordinary. An upward alarm does not: on a clustered source the
      // rare bucket with several sessions is most of the variance, and freezing on exactly
      // those buckets kept φ at about half the counts' real variance / mean, so the next such
      // bucket was a false alarm. A burst still moves φ by a bounded step (the 5 sd cap).
      hw.learn(count, !s.cusum.falling);
      liveKeys++;
      scores[0] = hwScore;
      scores[1] = cusumScore;
      scores[2] = s.hstEvents === 0 ? NaN : this.hstTail.surprisal(s.hstMax, s.hstEvents);
      scores[3] = s.markovEvents === 0 ? NaN : markovSurprisal(s.markovSum, s.markovEvents, s.prevMarkovSum, s.prevMarkovEvents);
      // The key's most novel event, judged as the highest of its `count` events; no opinion
      // when nothing in the bucket was new (a zero would only dilute the other channels).
      scores[4] = s.noveltyEvents === 0 ? NaN : noveltySurprisal(s.noveltyMax, s.noveltySum, s.noveltyEvents, count);
      if (hw.warm && count > 0) model.dispersion.push(hw.dispersionEstimate);
      const score = this.blender.score(scores);
      if (score >= (count > mu && this.loneSpike() ? threshold * c.blender.boost : threshold)) candidates.push({ series: s, kind, score, channelScores: Array.from(scores), count, evidence: [...s.evidence] });
      this.trackPeaks(kind, s);
      if (score > best) {
        best = score;
        bestSeries = s;
      }
      s.resetBucket();
    }
    table.enforceBound();
    model.live = liveKeys;
    if (ensembleWarm) {
      model.warmBuckets++;
      model.newKeys += born;
    }
    if (bestSeries === null) return;
    // One biDSPOT sample per bucket and key kind: the bucket's highest blend. Its threshold is
    // then "how high the most anomalous key of a bucket usually gets", so the false-alarm rate
    // is per bucket, as an analyst experiences it, whatever the number of keys.
    // Not learned: values over the floor, and the bucket of a key whose CUSUM is in alarm. The
    // second is an anomaly that grows a little every bucket (a silence adds its evidence minute
    // by minute): learned while still under the floor, its own rise lifted the drift mean and
    // the peaks, and the threshold kept a step ahead of it for the whole outage.
    const floor = this.thresholdFloor(model.live);
    const learnable = best < floor && !bestSeries.cusum.alarming;
    const crossed = this.closedBuckets < c.spotStartBuckets ? best >= threshold : this.spotCrossed(spot, best, threshold, learnable);
    this.points.push({ sourceType: this.sourceType, detector: 'blend', bucket: start, score: best, threshold, key: { kind, value: bestSeries.key } });
    if (crossed) this.emitAlerts(start, bucketIndex, threshold);
  }

  /**
   * The key's evidence is one bucket of one count: Holt-Winters leads, CUSUM has not
   * accumulated past it, and no other family reaches the agreement level. Such a spike must
   * clear the threshold by the blender's boost factor, the mirror of the boost agreement earns:
   * a one-bucket count tail is the least robust evidence there is (a forecast a little low at
   * one phase of the season is all it takes), and the false alarms were single buckets of it
   * just over the floor, while every real burst lasts, or shows in content or sequence too.
   */
  private loneSpike(): boolean {
    const s = this.channelScores;
    const agree = this.config.blender.agreeLevel;
    const hw = s[0]!;
    if (!(hw >= agree) || s[1]! >= hw) return false;
    for (let i = 2; i < CHANNEL_COUNT; i++) if (s[i]! >= agree) return false;
    return true;
  }

  private spotCrossed(spot: BiDSpot, best: number, threshold: number, learnable: boolean): boolean {
    const verdict = spot.step(best, learnable);
    return verdict.upper === null ? best >= threshold : verdict.alarm === 'up' && best >= threshold;
  }

  private trackPeaks(kind: KeyKind, s: CountSeries): void {
    const scores = this.channelScores;
    for (let i = 0; i < CHANNEL_COUNT; i++) {
      const v = scores[i]!;
      if (v > this.peakScores[i]!) {
        this.peakScores[i] = v;
        this.peakSeries[i] = s;
        this.peakKinds[i] = kind;
      }
    }
  }

  private thresholdFloor(liveKeys: number): number {
    return this.config.minThreshold + Math.log(Math.max(1, liveKeys));
  }

  private alertThreshold(spotUpper: number | null, liveKeys: number): number {
    const c = this.config;
    const floor = this.thresholdFloor(liveKeys);
    if (spotUpper !== null) return Math.max(spotUpper, floor);
    // Until the seasons are decided the counts' forecasts are not to be trusted, hence the fixed
    // calibration threshold; from then on the floor is the threshold while biDSPOT gathers its
    // calibration values (it only ever raises the floor): holding 20 until biDSPOT's first fit
    // hid every anomaly of the hour or two after the learning period.
    return this.closedBuckets < c.spotStartBuckets ? Math.max(c.calibrationThreshold, floor) : floor;
  }

  private emitChannelPoints(bucket: number): void {
    for (let i = 0; i < CHANNEL_COUNT; i++) {
      const s = this.peakSeries[i];
      if (s === null || s === undefined) continue;
      const name = CHANNELS[i]!;
      const threshold = name === 'cusum' ? this.config.cusum.threshold : this.blender.agreeLevel();
      this.points.push({ sourceType: this.sourceType, detector: name, bucket, score: this.peakScores[i]!, threshold, key: { kind: this.peakKinds[i]!, value: s.key } });
    }
  }

  private emitAlerts(bucket: number, bucketIndex: number, threshold: number): void {
    const candidates = this.candidates;
    if (candidates.length === 0) return;
    // Sort is stable, so equal scores keep table order and replays stay identical.
    candidates.sort((a, b) => b.score - a.score);
    const c = this.config;
    let emitted = 0;
    for (const cand of candidates) {
      const s = cand.series;
      const ongoing = s.lastAlert !== null && bucketIndex - s.lastAlert <= c.episodeBuckets;
      s.lastAlert = bucketIndex;
      if (ongoing || emitted >= c.maxAlertsPerBucket) continue;
      emitted++;
      const key: SeriesKey = { kind: cand.kind, value: s.key };
      this.alerts.push({
        sourceType: this.sourceType,
        ts: bucket + c.bucketMs,
        bucket,
        key,
        score: cand.score,
        threshold,
        contributions: toChannelValues(this.blender.blend(cand.channelScores).contributions),
        channelScores: toChannelValues(cand.channelScores.map((v) => (Number.isNaN(v) ? null : v))),
        count: cand.count,
        evidence: cand.evidence,
      });
    }
  }

  state(): EnsembleState {
    return {
      version: 3,
      sourceType: this.sourceType,
      openBucket: this.openBucket,
      lastTs: this.lastTs,
      closedBuckets: this.closedBuckets,
      lateEvents: this.lateEvents,
      untimedEvents: this.untimedEvents,
      features: this.features.state(),
      hst: this.hst.state(),
      hstTail: this.hstTail.state(),
      markov: this.markov.state(),
      novelty: this.novelty.state(),
      kinds: { source: this.kinds.source.state(), template: this.kinds.template.state(), entity: this.kinds.entity.state() },
      spots: { source: this.spots.source.state(), template: this.spots.template.state(), entity: this.spots.entity.state() },
      series: { source: this.tables.source.state(), template: this.tables.template.state(), entity: this.tables.entity.state() },
    };
  }

  /** Restores into an ensemble built with the same config; outputs not yet drained are not part of state. */
  restore(s: EnsembleState): void {
    if (s.version !== 3) throw new Error(`unsupported ensemble state version ${String(s.version)}`);
    this.openBucket = s.openBucket;
    this.lastTs = s.lastTs;
    this.closedBuckets = s.closedBuckets;
    this.lateEvents = s.lateEvents;
    this.untimedEvents = s.untimedEvents;
    this.features.restore(s.features);
    this.hst.restore(s.hst);
    this.hstTail.restore(s.hstTail);
    this.markov.restore(s.markov);
    this.novelty.restore(s.novelty);
    this.lastSource = null;
    for (const kind of KINDS) {
      this.tables[kind].restore(s.series[kind]);
      this.spots[kind].restore(s.spots[kind]);
      this.kinds[kind].restore(s.kinds[kind]);
    }
  }
}

/**
 * The novelty channel of a key whose bucket held `count` events, `novel` of them new in some
 * field, with surprisals summing to `sum` and the highest `max`. m given events all being new
 * has probability Π pᵢ, and any m of the count could have been: −ln(C(count, m) · Π pᵢ) =
 * sum − ln C(count, m). The same for the most novel event alone (m = 1: max − ln count); the
 * channel reports the stronger of the two, so one very new line is not diluted by ordinary
 * new values around it, and several new lines at once add up.
 */
export function noveltySurprisal(max: number, sum: number, novel: number, count: number): number {
  const single = max - Math.log(count);
  const all = novel > 1 ? sum - logChoose(count, novel) : single;
  const s = all > single ? all : single;
  return s > 0 ? s : 0;
}

/**
 * The Markov channel of an entity: Fisher's combination of its transitions in the bucket, or,
 * when the previous bucket had transitions too, the stronger of that and the combination over
 * both buckets, less ln 2 for having looked twice. A conversation does not respect the bucket
 * grid: a reversed session split by a minute boundary was two halves of ~9 nats, each under
 * the floor, where the whole is ~20.
 */
export function markovSurprisal(sum: number, events: number, prevSum: number, prevEvents: number): number {
  const own = combinedSurprisal(sum, events);
  if (prevEvents === 0) return own;
  const both = combinedSurprisal(sum + prevSum, events + prevEvents) - Math.LN2;
  return both > own ? both : own;
}

/** Holt-Winters' upper tail: the plain model, or c + Y when the count has a constant part c > 0. */
function countAbove(x: number, mu: number, c: number, phi: number, psi: number): number {
  return c > 0 ? surprisalAbove(x - c, mu - c, psi) : surprisalAbove(x, mu, phi);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

function toChannelValues(values: readonly (number | null)[]): ChannelValues {
  return { holt_winters: values[0] ?? null, cusum: values[1] ?? null, hst: values[2] ?? null, markov: values[3] ?? null, novelty: values[4] ?? null };
}
