import type { EnsembleAlert } from '../types';
import type { GroundTruth } from './scenario';

/**
 * Alert quality against injected ground truth, counted the way an analyst meets alerts:
 *
 * - An alert matches an anomaly when it has the anomaly's source type and its bucket overlaps
 *   [start - toleranceBefore, end + toleranceAfter]. The tolerance after covers detectors that
 *   react to the return to normal (a silence ends, a burst's baseline recovers).
 * - Episodes: alerts of one source type whose buckets are at most `episodeGapMs` apart form one
 *   episode (keys differ: a burst lights up its source, template and entity series at once).
 * - Precision = episodes containing at least one matching alert / all episodes.
 * - Recall = anomalies with at least one matching alert / all anomalies.
 * Alerts in buckets before `ignoreBefore` (the detectors' learning period) are left out and
 * counted separately.
 */
export interface MatchOptions {
  bucketMs: number;
  toleranceBeforeMs: number;
  toleranceAfterMs: number;
  episodeGapMs: number;
  ignoreBefore: number;
}

/**
 * How the scenario tests and tools match alerts to injected anomalies: an alert counts for an
 * anomaly when its bucket overlaps [start - 1 min, end + 5 min]; alerts before the scenario's
 * warm-up ends are not scored.
 */
export function scenarioMatch(warmupEnd: number): MatchOptions {
  return { bucketMs: 60_000, toleranceBeforeMs: 60_000, toleranceAfterMs: 5 * 60_000, episodeGapMs: 5 * 60_000, ignoreBefore: warmupEnd };
}

/** Seeds from a dev tool's argument: "1,2,5" or ranges "1-6,9". */
export function seedList(text: string): number[] {
  return text.split(',').flatMap((s) => {
    const [a, b] = s.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

export interface Evaluation {
  precision: number;
  recall: number;
  episodes: number;
  truePositiveEpisodes: number;
  alerts: number;
  alertsInWarmup: number;
  rawAlertPrecision: number;
  missed: GroundTruth[];
  falseEpisodes: { sourceType: string; start: number; end: number; alerts: EnsembleAlert[] }[];
}

/** Precision and recall pooled over seeds: true episodes of all episodes, anomalies found of all. */
export class PooledScore {
  private truePositives = 0;
  private episodes = 0;
  private found = 0;
  private anomalies = 0;

  add(ev: Evaluation, anomalies: number): void {
    this.truePositives += ev.truePositiveEpisodes;
    this.episodes += ev.episodes;
    this.found += anomalies - ev.missed.length;
    this.anomalies += anomalies;
  }

  toString(): string {
    const p = (this.truePositives / this.episodes).toFixed(3);
    const r = (this.found / this.anomalies).toFixed(3);
    return `P=${p} (${this.truePositives}/${this.episodes}) R=${r} (${this.found}/${this.anomalies})`;
  }
}

function matches(a: EnsembleAlert, t: GroundTruth, o: MatchOptions): boolean {
  return a.sourceType === t.sourceType && a.bucket < t.end + o.toleranceAfterMs && a.bucket + o.bucketMs > t.start - o.toleranceBeforeMs;
}

export function evaluate(alerts: readonly EnsembleAlert[], truth: readonly GroundTruth[], o: MatchOptions): Evaluation {
  const scored = alerts.filter((a) => a.bucket >= o.ignoreBefore);
  const isTrue = (a: EnsembleAlert): boolean => truth.some((t) => matches(a, t, o));
  const byType = new Map<string, EnsembleAlert[]>();
  for (const a of scored) {
    const list = byType.get(a.sourceType) ?? [];
    list.push(a);
    byType.set(a.sourceType, list);
  }
  let episodes = 0;
  let truePositiveEpisodes = 0;
  const falseEpisodes: Evaluation['falseEpisodes'] = [];
  for (const [sourceType, list] of byType) {
    list.sort((x, y) => x.bucket - y.bucket);
    let current: EnsembleAlert[] = [];
    const close = (): void => {
      if (current.length === 0) return;
      episodes++;
      if (current.some(isTrue)) truePositiveEpisodes++;
      else falseEpisodes.push({ sourceType, start: current[0]!.bucket, end: current[current.length - 1]!.bucket, alerts: current });
      current = [];
    };
    for (const a of list) {
      if (current.length > 0 && a.bucket - current[current.length - 1]!.bucket > o.episodeGapMs) close();
      current.push(a);
    }
    close();
  }
  const missed = truth.filter((t) => !scored.some((a) => matches(a, t, o)));
  const trueAlerts = scored.filter(isTrue).length;
  return {
    precision: episodes === 0 ? 1 : truePositiveEpisodes / episodes,
    recall: truth.length === 0 ? 1 : (truth.length - missed.length) / truth.length,
    episodes,
    truePositiveEpisodes,
    alerts: scored.length,
    alertsInWarmup: alerts.length - scored.length,
    rawAlertPrecision: scored.length === 0 ? 1 : trueAlerts / scored.length,
    missed,
    falseEpisodes,
  };
}
