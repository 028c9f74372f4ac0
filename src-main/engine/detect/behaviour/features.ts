/**
 * The behavioural feature vector: one schema for both sessions and per-IP windows, so a model
 * trained on either kind reads the same named columns. Bump FEATURE_SET_VERSION whenever a
 * name, its order or its meaning changes: trained models and experiment runs record it and
 * refuse to mix versions.
 */
import type { ActivityStats } from './activity';
import type { EntityHistory } from './entityHistory';

export const FEATURE_SET_VERSION = 'behaviour-features/1';

export const FEATURE_DOCS = {
  event_count: 'Events in the group (a "message repeated N times" line counts N).',
  duration_s: 'Last minus first event time, seconds.',
  events_per_min: 'event_count per minute of duration (duration floored at one minute).',
  failed_logins: 'Counted failed authentication attempts (sshd failures, invalid users, web 401/403 on login paths naming a user).',
  successful_logins: 'Counted successful authentication attempts.',
  failure_ratio: 'failed / (failed + successful); 0 when there was no attempt.',
  max_failure_streak: 'Longest run of consecutive failed attempts.',
  failures_before_success: 'Longest failure run that ended in a success (success after failures); 0 if none.',
  invalid_user_ratio: 'Share of failed attempts that named an account that does not exist.',
  distinct_users_per_ip: "Distinct users seen from the group's IP over the context horizon (default 1 h) before and during the group.",
  distinct_ips_per_user: "Distinct IPs seen for the group's user(s) over the context horizon; the largest among the group's users.",
  distinct_paths: 'Distinct request paths (query string dropped, lower case).',
  distinct_user_agents: 'Distinct user agents.',
  http_4xx: 'HTTP responses 400-499.',
  http_5xx: 'HTTP responses 500-599.',
  max_4xx_per_min: 'Most 4xx responses inside any 60 s (burst).',
  max_5xx_per_min: 'Most 5xx responses inside any 60 s (burst).',
  http_404_ratio: 'Share of HTTP requests answered 404.',
  rare_path_ratio: 'Share of distinct paths that at most rarePathMaxIps (default 2) IPs ever requested.',
  sensitive_errors: '401/403/5xx answers on sensitive paths (/admin, /.env, /.git, /wp-login.php, ...) that were not login attempts.',
  off_hours_ratio: 'Share of events outside the configured business hours (local time).',
  first_seen_ip: '1 when the IP was never seen before this group started.',
  first_seen_user: '1 when the user (any of them, for IP windows) was never seen before this group started.',
  ip_count_z: "z-score of event_count against the IP's earlier groups of the same kind (0 until 3 earlier groups).",
  user_count_z: "z-score of event_count against the user's earlier sessions (sessions only; 0 for IP windows).",
  scanner_agent: '1 when a known scanner user agent (sqlmap, nikto, nmap, masscan, zgrab, gobuster, ...) was used.',
} as const;

export type FeatureName = keyof typeof FEATURE_DOCS;

export const FEATURE_NAMES = Object.keys(FEATURE_DOCS) as FeatureName[];

const INDEX: Record<FeatureName, number> = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;

export function featureIndex(name: FeatureName): number {
  return INDEX[name];
}

export type GroupKind = 'session' | 'ip_window';

export interface GroupIdentity {
  kind: GroupKind;
  ip: string;
  /** Sessions: the session's user (null for anonymous web traffic). IP windows: null. */
  user: string | null;
}

/**
 * Compute the vector at close time. Baselines are updated as a side effect (the z-score is taken
 * against history before this group, then the group joins the history).
 */
export function computeFeatures(id: GroupIdentity, s: ActivityStats, history: EntityHistory, maxDistinctUsersScan = 256): number[] {
  const v = new Array<number>(FEATURE_NAMES.length).fill(0);
  const set = (n: FeatureName, x: number): void => {
    v[INDEX[n]] = Number.isFinite(x) ? x : 0;
  };
  const durationS = Math.max(0, (s.last - s.first) / 1000);
  const attempts = s.failures + s.successes;
  set('event_count', s.events);
  set('duration_s', durationS);
  set('events_per_min', s.events / Math.max(1, durationS / 60));
  set('failed_logins', s.failures);
  set('successful_logins', s.successes);
  set('failure_ratio', attempts > 0 ? s.failures / attempts : 0);
  set('max_failure_streak', s.maxFailureStreak);
  set('failures_before_success', s.maxFailuresBeforeSuccess);
  set('invalid_user_ratio', s.failures > 0 ? s.invalidUserFailures / s.failures : 0);

  set('distinct_users_per_ip', Math.max(s.users.size, history.distinctUsersOfIp(id.ip, s.first)));
  const users = id.user !== null ? [id.user] : [...s.users.values].slice(0, maxDistinctUsersScan);
  let ipsPerUser = 0;
  let newUser = 0;
  for (const u of users) {
    ipsPerUser = Math.max(ipsPerUser, history.distinctIpsOfUser(u, s.first));
    if (history.userFirstSeenSince(u, s.first)) newUser = 1;
  }
  set('distinct_ips_per_user', ipsPerUser);

  set('distinct_paths', s.paths.size);
  set('distinct_user_agents', s.agents.size);
  set('http_4xx', s.http4xx);
  set('http_5xx', s.http5xx);
  set('max_4xx_per_min', s.burst4xx.max);
  set('max_5xx_per_min', s.burst5xx.max);
  set('http_404_ratio', s.http > 0 ? s.http404 / s.http : 0);
  let rare = 0;
  for (const p of s.paths.values) if (history.isRarePath(p)) rare++;
  set('rare_path_ratio', s.paths.size > 0 ? rare / s.paths.size : 0);
  set('sensitive_errors', s.sensitiveErrors);
  set('off_hours_ratio', s.events > 0 ? s.offHours / s.events : 0);
  set('first_seen_ip', history.ipFirstSeenSince(id.ip, s.first) ? 1 : 0);
  set('first_seen_user', newUser);
  set('ip_count_z', history.zAndLearn(`${id.kind}:ip:${id.ip}`, s.events, s.last));
  set('user_count_z', id.kind === 'session' && id.user !== null ? history.zAndLearn(`session:user:${id.user}`, s.events, s.last) : 0);
  set('scanner_agent', s.scanner !== null ? 1 : 0);
  return v;
}

/** Named view of a vector, for explanations and the UI. */
export function namedFeatures(vector: readonly number[]): Record<FeatureName, number> {
  return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, vector[i] ?? 0])) as Record<FeatureName, number>;
}
