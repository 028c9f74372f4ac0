import { type BlenderConfig } from './blender';
import { DEFAULT_CUSUM, type CusumConfig } from './cusum';
import { DEFAULT_CONTENT_FEATURES, type ContentFeaturesConfig } from './features';
import { DEFAULT_HST, type HalfSpaceTreesConfig } from './half-space-trees';
import { DEFAULT_HOLT_WINTERS, type HoltWintersConfig } from './holt-winters';
import { DEFAULT_MARKOV, type MarkovConfig } from './markov';
import { DEFAULT_SPOT, type SpotConfig } from './spot';
import { CHANNELS, type KeyKind } from './types';

export interface EnsembleConfig {
  bucketMs: number;
  /** Season candidates in ms; those longer than maxSeasonBuckets buckets are skipped (memory). */
  seasonPeriodsMs: number[];
  maxSeasonBuckets: number;
  /**
   * A hole in event time longer than this many buckets is a capture gap (archive with missing
   * days, laptop asleep), not a silence: only this many empty buckets are scored, then the
   * clock jumps.
   */
  maxGapBuckets: number;
  maxSeries: Record<KeyKind, number>;
  /** Template and entity series idle this many buckets are dropped. */
  idleExpiryBuckets: number;
  evidencePerKey: number;
  maxAlertsPerBucket: number;
  /**
   * A key that alerted within this many buckets is still in the same episode: it is not
   * alerted again, so a ten-minute outage is one alert, not ten.
   */
  episodeBuckets: number;
  /**
   * Floor under the biDSPOT threshold, in nats (−ln p) of the blend, per key: the floor of a
   * kind is minThreshold + ln(keys of the kind scored in the previous bucket), a Bonferroni
   * bound, so a kind with 500 live entities needs e^-14 where one with 3 sources needs e^-9.
   * biDSPOT only ever raises it.
   */
  minThreshold: number;
  /**
   * A bucket with no events is scored only when Holt-Winters expected at least this many:
   * below that a zero says nothing, and sampling the zeros of thousands of sporadic entities
   * would drown biDSPOT's tail in non-events. The zero is still learned either way.
   */
  minExpectedCount: number;
  /**
   * Template and entity series that zeros can never make live again rest: their empty buckets
   * are learned when next needed, not at every close (series.ts). Same output either way; off
   * only to check that.
   */
  restQuietKeys: boolean;
  /**
   * Kinds whose drops in count are scored (Holt-Winters' lower tail, CUSUM's downward sum).
   * A log source going quiet is an outage; an IP or a template going quiet is behaviour: one
   * client's traffic is on/off (sessions), so its empty minutes are far more common than any
   * count model fitted to its mean and variance allows, and the downward sums of the busiest
   * clients were most of the false alarms.
   */
  silenceKinds: KeyKind[];
  /**
   * Kinds CUSUM scores. Not entities: one client's traffic is a run of sessions, each several
   * minutes of activity, so its buckets are strongly autocorrelated and a sum of per-bucket
   * evidence counts one session many times over; a burst from an entity is still seen by
   * Holt-Winters and, for a new key, by the newcomer model.
   */
  cusumKinds: KeyKind[];
  /** Threshold until spotStartBuckets (the seasons are decided); then the floor until biDSPOT has calibrated. */
  calibrationThreshold: number;
  /**
   * biDSPOT sees no sample before this many buckets: until the seasons are decided (two cycles
   * of the longest candidate) the hourly cron burst is a huge blend, and calibrating on it set
   * thresholds of several hundred nats for the rest of the day.
   */
  spotStartBuckets: number;
  hst: Omit<HalfSpaceTreesConfig, 'dimensions'>;
  features: ContentFeaturesConfig;
  holtWinters: Omit<HoltWintersConfig, 'seasonCandidates'>;
  cusum: CusumConfig;
  markov: MarkovConfig;
  blender: Omit<BlenderConfig, 'channels'>;
  spot: SpotConfig;
}

export const DEFAULT_ENSEMBLE: EnsembleConfig = {
  bucketMs: 60_000,
  seasonPeriodsMs: [15 * 60_000, 60 * 60_000, 24 * 60 * 60_000],
  maxSeasonBuckets: 288,
  maxGapBuckets: 120,
  maxSeries: { source: 256, template: 2048, entity: 4096 },
  idleExpiryBuckets: 240,
  evidencePerKey: 5,
  maxAlertsPerBucket: 10,
  episodeBuckets: 5,
  minThreshold: 9,
  minExpectedCount: 1,
  restQuietKeys: true,
  silenceKinds: ['source'],
  cusumKinds: ['source', 'template'],
  calibrationThreshold: 20,
  spotStartBuckets: 120,
  hst: DEFAULT_HST,
  features: DEFAULT_CONTENT_FEATURES,
  holtWinters: DEFAULT_HOLT_WINTERS,
  cusum: DEFAULT_CUSUM,
  markov: DEFAULT_MARKOV,
  // agreeLevel 5 nats: p < 0.7%, unremarkable alone, telling when a second family concurs.
  // Holt-Winters and CUSUM both read the count: one family. Novelty (a never-seen template, user
  // or host) and HST (the numbers of a line's content) answer different questions, so their
  // agreeing is two voices.
  blender: { weights: [1, 1, 1, 1, 1], agreeLevel: 5, boost: 1.5, families: [0, 0, 1, 2, 3] },
  spot: DEFAULT_SPOT,
};

export function withDefaults(partial: Partial<EnsembleConfig> = {}): EnsembleConfig {
  return { ...DEFAULT_ENSEMBLE, ...partial };
}

export function seasonCandidates(c: EnsembleConfig): number[] {
  return c.seasonPeriodsMs
    .map((ms) => Math.round(ms / c.bucketMs))
    .filter((p) => p >= 2 && p <= c.maxSeasonBuckets && Number.isInteger(p));
}

export function blenderConfig(c: EnsembleConfig): BlenderConfig {
  return { ...c.blender, channels: [...CHANNELS] };
}
