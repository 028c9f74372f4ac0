/**
 * Scoring named-pattern detections against ground truth.
 *
 * Matching rule: a detection is a true positive when a ground-truth attack has the same pattern,
 * the same key (source IP) and a time span that overlaps the detection's [firstTs, lastTs]
 * (widened by `slackMs` on both sides, default 0). Precision counts detections (several
 * detections of one long attack are each true positives); recall counts ground-truth attacks
 * matched by at least one detection.
 */
import { ATTACK_PATTERNS, type AttackPattern, type PatternDetection } from './detection';
import { type BehaviourGroup } from './engine';
import { prf } from './metrics';

export interface GroundTruthAttack {
  pattern: AttackPattern;
  /** Source IP of the attack. */
  key: string;
  users: string[];
  start: number;
  end: number;
  /** Free-form details (e.g. the generator's variant name). */
  note?: string;
}

export interface PatternScore {
  detections: number;
  truths: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart <= bEnd && bStart <= aEnd;
}

export function matchesTruth(d: PatternDetection, t: GroundTruthAttack, slackMs = 0): boolean {
  return d.pattern === t.pattern && d.key === t.key && overlaps(d.firstTs, d.lastTs, t.start - slackMs, t.end + slackMs);
}

export function evaluatePatterns(
  detections: readonly PatternDetection[],
  truth: readonly GroundTruthAttack[],
  slackMs = 0,
): Record<AttackPattern, PatternScore> {
  const out = {} as Record<AttackPattern, PatternScore>;
  for (const p of ATTACK_PATTERNS) {
    const ds = detections.filter((d) => d.pattern === p);
    const ts = truth.filter((t) => t.pattern === p);
    const tp = ds.filter((d) => ts.some((t) => matchesTruth(d, t, slackMs))).length;
    const found = ts.filter((t) => ds.some((d) => matchesTruth(d, t, slackMs))).length;
    const fp = ds.length - tp;
    const fn = ts.length - found;
    const precision = ds.length > 0 ? tp / ds.length : ts.length === 0 ? 1 : 0;
    const recall = ts.length > 0 ? found / ts.length : 1;
    out[p] = { detections: ds.length, truths: ts.length, tp, fp, fn, precision, recall, f1: prf(tp, fp, fn).f1 };
  }
  return out;
}

/** 1 when the group's IP is a ground-truth attack source active during the group, else 0. */
export function labelGroups(groups: readonly BehaviourGroup[], truth: readonly GroundTruthAttack[]): number[] {
  const byIp = new Map<string, GroundTruthAttack[]>();
  for (const t of truth) {
    const list = byIp.get(t.key) ?? [];
    list.push(t);
    byIp.set(t.key, list);
  }
  return groups.map((g) => ((byIp.get(g.ip) ?? []).some((t) => overlaps(g.start, g.end, t.start, t.end)) ? 1 : 0));
}
