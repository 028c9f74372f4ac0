/**
 * Scores incidents against a scenario's ground truth, per category. An incident matches an
 * attack when its actor is the attack's source IP and their times overlap; an attack is found
 * when exactly one incident of its category matches it.
 */
import type { IncidentCategory, IncidentRow } from '../../../src-shared/contract-incidents';

export interface TruthAttack {
  pattern: string;
  key: string;
  start: number;
  end: number;
}

export const TRUTH_CATEGORY: Record<string, IncidentCategory> = {
  brute_force: 'auth_attack',
  password_spraying: 'auth_attack',
  credential_stuffing: 'auth_attack',
  possible_compromise: 'auth_attack',
  scanning: 'scanner',
  error_burst: 'app_error',
};

export const ATTACK_CATEGORIES: IncidentCategory[] = ['auth_attack', 'scanner', 'app_error'];

export interface CategoryScore {
  tp: number;
  fp: number;
  fn: number;
  truths: number;
  precision: number;
  recall: number;
  falsePositives: string[];
  missed: string[];
}

const SLACK_MS = 5 * 60_000;

export function matches(inc: Pick<IncidentRow, 'groupKey' | 'firstTs' | 'lastTs'>, t: TruthAttack): boolean {
  if (inc.groupKey !== `ip:${t.key}`) return false;
  return (inc.firstTs ?? 0) <= t.end + SLACK_MS && (inc.lastTs ?? 0) >= t.start - SLACK_MS;
}

export function scoreIncidents(incidents: readonly IncidentRow[], truth: readonly TruthAttack[]): Record<string, CategoryScore> {
  const out: Record<string, CategoryScore> = {};
  for (const c of ATTACK_CATEGORIES) {
    const mine = incidents.filter((i) => i.category === c);
    const truths = truth.filter((t) => TRUTH_CATEGORY[t.pattern] === c);
    const fps = mine.filter((i) => !truths.some((t) => matches(i, t)));
    const found = truths.filter((t) => mine.filter((i) => matches(i, t)).length === 1);
    const missed = truths.filter((t) => !found.includes(t));
    const tp = mine.length - fps.length;
    out[c] = {
      tp,
      fp: fps.length,
      fn: missed.length,
      truths: truths.length,
      precision: mine.length ? tp / mine.length : 1,
      recall: truths.length ? found.length / truths.length : 1,
      falsePositives: fps.map((i) => `${i.title} [${i.pattern}] ${new Date(i.firstTs ?? 0).toISOString()}`),
      missed: missed.map(
        (t) => `${t.pattern} ${t.key} ${new Date(t.start).toISOString()} (${mine.filter((i) => matches(i, t)).length} incidents)`,
      ),
    };
  }
  return out;
}
