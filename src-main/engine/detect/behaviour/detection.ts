/** What the pattern detectors emit. Plain JSON, ready for the store and the incident builder. */

export const ATTACK_PATTERNS = [
  'brute_force',
  'password_spraying',
  'credential_stuffing',
  'possible_compromise',
  'scanning',
  'error_burst',
] as const;

export type AttackPattern = (typeof ATTACK_PATTERNS)[number];

export interface PatternDetection {
  pattern: AttackPattern;
  /** What the detection is about; every pattern here is keyed by the source IP. */
  keyType: 'ip' | 'user';
  key: string;
  ip: string;
  /** Users involved, bounded (see facts.distinct_users for the full count). */
  users: string[];
  firstTs: number;
  lastTs: number;
  /** Paths it asked for (scanning, error bursts), bounded: what campaigns compare. */
  paths?: string[];
  /** Ids of the events that show it, bounded. */
  evidence: number[];
  /** Counts behind the verdict, for the explainer ("1 IP tried 48 users with 312 failures"). */
  facts: Record<string, number | string>;
  /** Confidence in [0, 1]: 0.6 at the rule's threshold, rising towards 1 as the evidence grows. */
  score: number;
  summary: string;
}

/** 0.6 at the threshold, 0.8 at twice it, approaching 1. */
export function strength(value: number, threshold: number): number {
  if (value <= 0 || threshold <= 0) return 0.6;
  return Math.min(1, Math.max(0.6, 0.6 + 0.4 * (1 - threshold / value)));
}
