/**
 * Every tunable of the behavioural half in one place, so an experiment run can record exactly
 * which configuration produced its numbers.
 */
export interface BusinessHours {
  /** Local hour [0, 24) at which the working day starts (inclusive). */
  startHour: number;
  /** Local hour at which it ends (exclusive). */
  endHour: number;
  /** Working weekdays, 0 = Sunday .. 6 = Saturday. */
  days: number[];
  /**
   * Fixed offset of the site's local time from UTC, minutes. A fixed offset rather than a zone
   * name keeps scoring pure and identical on every analyst's laptop; DST shifts are an hour of
   * slack at the edges of the window, which the off-hours feature tolerates.
   */
  utcOffsetMinutes: number;
}

export interface PatternThresholds {
  /** brute_force: failures from one IP within an episode. */
  bruteMinFailures: number;
  /** brute_force: failures / attempts at least this (an office gateway with typos stays out). */
  bruteMinFailureRatio: number;
  /**
   * brute_force by volume: attempts whose answer does not say how they went (a login form that
   * answers 200 to a wrong password and a right one alike) inside any 5 minutes, with no success
   * known. An office's staff logging in one by one stay far below it; a guessing script does not.
   */
  bruteMinUnknownBurst: number;
  /** spraying/stuffing: distinct users targeted from one IP. */
  multiUserMinUsers: number;
  /** spraying/stuffing: mean attempts per targeted user at most this ("few attempts each"). */
  multiUserMaxMeanAttempts: number;
  /** spraying/stuffing: failures / attempts at least this; a NAT'd office with many staff fails rarely. */
  multiUserMinFailureRatio: number;
  /** Minimum failures for any multi-user pattern. */
  multiUserMinFailures: number;
  /** credential_stuffing: distinct users whose first attempt succeeded. */
  stuffingMinFirstTrySuccessUsers: number;
  /** user-agent rotation: at least this many distinct agents ... */
  uaRotationMinAgents: number;
  /** ... and at least this many distinct agents per attempt. */
  uaRotationMinRatio: number;
  /** possible_compromise: consecutive failures for the same (IP, user) right before a success. */
  compromiseMinFailureStreak: number;
  /** scanning without a scanner agent: distinct paths ... */
  scanMinDistinctPaths: number;
  /** ... and a 404 share at least this ... */
  scanMin404Ratio: number;
  /** ... or this many 404s inside any 60 s. */
  scanMin404Burst: number;
  /** error_burst: 401/403/5xx on sensitive paths inside any 60 s. */
  errorBurstMin: number;
}

export interface BehaviourConfig {
  /** Session inactivity gap, ms. */
  sessionGapMs: number;
  /** Per-IP tumbling window length, ms (aligned to the epoch so replay gives the same windows). */
  ipWindowMs: number;
  /** Pattern episodes per IP: inactivity gap, ms. */
  episodeGapMs: number;
  /** Sessions and episodes are cut at this length so a days-long actor still reports, ms. */
  maxGroupMs: number;
  /** Watermark = max event time seen - allowed lateness, ms. */
  allowedLatenessMs: number;
  /** Bounded state: the least recently active entries are closed early beyond these. */
  maxOpenSessions: number;
  maxOpenIps: number;
  /** Bounded history maps (first-seen, baselines, path rarity). */
  maxHistoryEntries: number;
  /** Distinct users/IPs/paths kept per open item. */
  maxDistinctPerItem: number;
  /** Evidence event ids kept per detection. */
  maxEvidence: number;
  /** A path is rare when at most this many distinct IPs requested it. */
  rarePathMaxIps: number;
  /** Horizon for "distinct users per IP" and "distinct IPs per user" context, ms. */
  contextHorizonMs: number;
  businessHours: BusinessHours;
  patterns: PatternThresholds;
}

export const DEFAULT_BEHAVIOUR_CONFIG: BehaviourConfig = {
  sessionGapMs: 30 * 60_000,
  ipWindowMs: 10 * 60_000,
  episodeGapMs: 30 * 60_000,
  maxGroupMs: 6 * 60 * 60_000,
  allowedLatenessMs: 60_000,
  maxOpenSessions: 50_000,
  maxOpenIps: 20_000,
  maxHistoryEntries: 200_000,
  maxDistinctPerItem: 5_000,
  maxEvidence: 50,
  rarePathMaxIps: 2,
  contextHorizonMs: 60 * 60_000,
  businessHours: { startHour: 8, endHour: 19, days: [1, 2, 3, 4, 5], utcOffsetMinutes: 0 },
  patterns: {
    bruteMinFailures: 10,
    bruteMinFailureRatio: 0.6,
    bruteMinUnknownBurst: 30,
    multiUserMinUsers: 10,
    multiUserMaxMeanAttempts: 3,
    multiUserMinFailureRatio: 0.6,
    multiUserMinFailures: 10,
    stuffingMinFirstTrySuccessUsers: 2,
    uaRotationMinAgents: 3,
    uaRotationMinRatio: 0.2,
    compromiseMinFailureStreak: 5,
    scanMinDistinctPaths: 25,
    scanMin404Ratio: 0.5,
    scanMin404Burst: 20,
    errorBurstMin: 10,
  },
};

export type BehaviourConfigInput = Partial<Omit<BehaviourConfig, 'businessHours' | 'patterns'>> & {
  businessHours?: Partial<BusinessHours>;
  patterns?: Partial<PatternThresholds>;
};

export function resolveConfig(input: BehaviourConfigInput = {}): BehaviourConfig {
  return {
    ...DEFAULT_BEHAVIOUR_CONFIG,
    ...input,
    businessHours: { ...DEFAULT_BEHAVIOUR_CONFIG.businessHours, ...input.businessHours },
    patterns: { ...DEFAULT_BEHAVIOUR_CONFIG.patterns, ...input.patterns },
  };
}

/** True when event time `ts` falls outside the configured working hours. */
export function isOffHours(ts: number, bh: BusinessHours): boolean {
  // Plain arithmetic instead of a Date per event: this runs on every event.
  const local = ts + bh.utcOffsetMinutes * 60_000;
  const dayNumber = Math.floor(local / 86_400_000);
  const hour = Math.floor((local - dayNumber * 86_400_000) / 3_600_000);
  const weekday = (((dayNumber + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  if (!bh.days.includes(weekday)) return true;
  return bh.startHour <= bh.endHour
    ? hour < bh.startHour || hour >= bh.endHour
    : hour < bh.startHour && hour >= bh.endHour; // a window crossing midnight, e.g. 22 -> 6
}
