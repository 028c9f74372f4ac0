/** What the ensemble emits; plain JSON so the store and the contract can carry it as is. */
import { ENSEMBLE_CHANNELS, type EnsembleChannel, type ScoreSeries } from '../../../../src-shared/detectors';

export type KeyKind = 'source' | 'template' | 'entity';

export interface SeriesKey {
  kind: KeyKind;
  /** Source path, template id, or primary entity as "ip:…", "user:…", "host:…". */
  value: string;
}

/** Blender channels, in the order the blender sees them. */
export const CHANNELS = ENSEMBLE_CHANNELS;
export type Channel = EnsembleChannel;
export type DetectorName = ScoreSeries;

/** One point of a detector's timeline: the bucket's highest score over all keys. */
export interface ScorePoint {
  sourceType: string;
  detector: DetectorName;
  /** Bucket start, epoch ms (event time). */
  bucket: number;
  score: number;
  /**
   * The line to draw: for the blend, the alert threshold (biDSPOT upper bound, floored);
   * for CUSUM its decision interval h; for the others the raw score at which the channel
   * counts as agreeing in the blend (running mean + agreeZ·sd). Null while warming up.
   */
  threshold: number | null;
  /** Key that produced the score. */
  key: SeriesKey;
}

export type ChannelValues = Record<Channel, number | null>;

export interface EnsembleAlert {
  sourceType: string;
  /** Event time at which the alert was decided: the end of its bucket. */
  ts: number;
  /** Bucket start, epoch ms. */
  bucket: number;
  key: SeriesKey;
  score: number;
  threshold: number;
  /** Share of each channel in the blended score (they sum to it); null = no opinion. */
  contributions: ChannelValues;
  /** Raw detector scores behind the contributions. */
  channelScores: ChannelValues;
  /** Events of this key in the bucket (0 for a silence). */
  count: number;
  /** Ids of the key's most anomalous events in the bucket (bounded, may be empty). */
  evidence: number[];
}

export interface EnsembleOutput {
  points: ScorePoint[];
  alerts: EnsembleAlert[];
}
