/**
 * The named attack patterns, judged on one closed IP episode. Definitions (all on one source IP):
 *
 * - password_spraying and credential_stuffing share a shape: at least multiUserMinUsers distinct
 *   accounts, few attempts each (mean <= multiUserMaxMeanAttempts), mostly failing
 *   (failure ratio >= multiUserMinFailureRatio, >= multiUserMinFailures failures). The ratio is
 *   what keeps a NAT'd office, where many staff log in from one address, out.
 *   They differ in what the attacker knows. Spraying guesses one or a few common passwords for
 *   every account, so hits are rare and arrive, if at all, on a later round. Stuffing replays
 *   leaked username/password pairs: each account is tried about once and some pairs are still
 *   valid, so several accounts succeed on their FIRST attempt; web stuffing tools also rotate
 *   user agents. Hence credential_stuffing when >= stuffingMinFirstTrySuccessUsers accounts
 *   succeeded at first try, or when the agents rotate (>= uaRotationMinAgents distinct agents and
 *   >= uaRotationMinRatio agents per attempt) together with at least one first-try success or a
 *   single pass (>= 90% of accounts tried once). Otherwise password_spraying.
 * - brute_force: >= bruteMinFailures failures, failure ratio >= bruteMinFailureRatio, and not the
 *   many-users-few-tries shape: one or a few accounts, or many accounts with many passwords each.
 * - possible_compromise (raised live by the detector, not here): a success for (IP, user) right
 *   after >= compromiseMinFailureStreak consecutive failures for that pair.
 * - scanning: a known scanner user agent, or >= scanMinDistinctPaths distinct paths with a 404
 *   share >= scanMin404Ratio or >= scanMin404Burst 404s inside 60 s. Crawlers fetch many paths
 *   but get 200s at a polite rate, so they stay out.
 * - error_burst: >= errorBurstMin 401/403/5xx answers on sensitive paths inside 60 s that were not
 *   login attempts. Reported only when scanning does not already explain the episode: a scanner
 *   probing /.git and /.env is reconnaissance, not a separate incident.
 */
import type { PatternThresholds } from './config';
import { type AttackPattern, type PatternDetection, strength } from './detection';
import type { IpEpisode } from './episode';

const MAX_USERS_LISTED = 20;

export interface EpisodeAuthSummary {
  users: number;
  attempts: number;
  failures: number;
  successes: number;
  meanAttemptsPerUser: number;
  failureRatio: number;
  successUsers: number;
  firstTrySuccessUsers: number;
  singleAttemptShare: number;
  invalidUsers: number;
  agents: number;
  topUserFailures: number;
}

export function summarizeAuth(ep: IpEpisode): EpisodeAuthSummary {
  let failures = 0;
  let successes = 0;
  let successUsers = 0;
  let firstTry = 0;
  let single = 0;
  let invalid = 0;
  let top = 0;
  for (const run of ep.authUsers.values()) {
    failures += run.failures;
    successes += run.successes;
    if (run.successes > 0) successUsers++;
    if (run.firstResult === 'success') firstTry++;
    if (run.failures + run.successes === 1) single++;
    if (run.invalid) invalid++;
    if (run.failures > top) top = run.failures;
  }
  const users = ep.authUsers.size + ep.usersOverflow;
  const attempts = ep.authAttempts;
  // Overflowed users were counted as attempts but not split by result; treat them as failures,
  // which is what overflowing a multi-thousand-account list almost always is.
  failures += Math.max(0, attempts - failures - successes);
  return {
    users,
    attempts,
    failures,
    successes,
    meanAttemptsPerUser: users > 0 ? attempts / users : 0,
    failureRatio: attempts > 0 ? failures / attempts : 0,
    successUsers,
    firstTrySuccessUsers: firstTry,
    singleAttemptShare: ep.authUsers.size > 0 ? single / ep.authUsers.size : 0,
    invalidUsers: invalid,
    agents: ep.authAgents.size,
    topUserFailures: top,
  };
}

function listUsers(ep: IpEpisode, filter?: (u: string) => boolean): string[] {
  const out: string[] = [];
  for (const u of ep.authUsers.keys()) {
    if (filter && !filter(u)) continue;
    out.push(u);
    if (out.length >= MAX_USERS_LISTED) break;
  }
  return out;
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.round(ms / 60_000));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export function judgeEpisode(ep: IpEpisode, t: PatternThresholds): PatternDetection[] {
  const out: PatternDetection[] = [];
  const a = summarizeAuth(ep);
  const base = (pattern: AttackPattern, first: number, last: number, evidence: number[], users: string[]) => ({
    pattern,
    keyType: 'ip' as const,
    key: ep.ip,
    ip: ep.ip,
    users,
    firstTs: first,
    lastTs: last,
    evidence: [...evidence],
  });
  const authFacts = {
    attempts: a.attempts,
    failures: a.failures,
    successes: a.successes,
    distinct_users: a.users,
    success_users: a.successUsers,
    first_try_success_users: a.firstTrySuccessUsers,
    invalid_users: a.invalidUsers,
    distinct_user_agents: a.agents,
    mean_attempts_per_user: round2(a.meanAttemptsPerUser),
    duration_s: Math.round((ep.authLast - ep.authFirst) / 1000),
  };

  const multiUser =
    a.users >= t.multiUserMinUsers &&
    a.meanAttemptsPerUser <= t.multiUserMaxMeanAttempts &&
    a.failures >= t.multiUserMinFailures &&
    a.failureRatio >= t.multiUserMinFailureRatio;

  if (multiUser) {
    const rotating = a.agents >= t.uaRotationMinAgents && a.agents / Math.max(1, a.attempts) >= t.uaRotationMinRatio;
    const stuffing =
      a.firstTrySuccessUsers >= t.stuffingMinFirstTrySuccessUsers ||
      (rotating && (a.firstTrySuccessUsers >= 1 || a.singleAttemptShare >= 0.9));
    const span = minutes(ep.authLast - ep.authFirst);
    if (stuffing) {
      out.push({
        ...base('credential_stuffing', ep.authFirst, ep.authLast, ep.authEvidence, listUsers(ep)),
        facts: { ...authFacts, user_agent_rotation: rotating ? 1 : 0 },
        score: strength(a.users, t.multiUserMinUsers) * (a.firstTrySuccessUsers > 0 ? 1 : 0.9),
        summary:
          `credential stuffing: ${ep.ip} tried ${a.users} accounts about once each (${a.failures} failures) ` +
          `and got into ${a.firstTrySuccessUsers} on the first try` +
          (rotating ? `, rotating ${a.agents} user agents` : '') +
          ` in ${span}`,
      });
    } else {
      out.push({
        ...base('password_spraying', ep.authFirst, ep.authLast, ep.authEvidence, listUsers(ep)),
        facts: authFacts,
        score: strength(a.users, t.multiUserMinUsers),
        summary:
          `password spraying: ${ep.ip} tried ${a.users} users with ${a.failures} failures in ${span}, ` +
          (a.successUsers > 0 ? `${a.successUsers} success` : 'no success'),
      });
    }
  } else if (a.failures >= t.bruteMinFailures && a.failureRatio >= t.bruteMinFailureRatio) {
    const targets = listUsers(ep, (u) => (ep.authUsers.get(u)?.failures ?? 0) > 0);
    out.push({
      ...base('brute_force', ep.authFirst, ep.authLast, ep.authEvidence, targets),
      facts: { ...authFacts, top_user_failures: a.topUserFailures },
      score: strength(a.failures, t.bruteMinFailures),
      summary:
        `brute force: ${ep.ip} failed ${a.failures} logins against ${a.users} account${a.users === 1 ? '' : 's'} ` +
        `in ${minutes(ep.authLast - ep.authFirst)}` +
        (a.successes > 0 ? `, then ${a.successes} succeeded` : ''),
    });
  }

  const s = ep.stats;
  const ratio404 = s.http > 0 ? s.http404 / s.http : 0;
  const scanByShape =
    s.paths.size >= t.scanMinDistinctPaths && (ratio404 >= t.scanMin404Ratio || ep.burst404.max >= t.scanMin404Burst);
  const scanning = s.scanner !== null || scanByShape;
  if (scanning) {
    const first = Number.isFinite(ep.webFirst) ? Math.min(ep.webFirst, s.first) : s.first;
    out.push({
      ...base('scanning', first, s.last, ep.webEvidence.length > 0 ? ep.webEvidence : s.evidence, []),
      paths: [...s.paths.values].slice(0, 60),
      facts: {
        requests: s.http,
        distinct_paths: s.paths.size,
        http_404: s.http404,
        max_404_per_min: ep.burst404.max,
        ratio_404: round2(ratio404),
        exploit_ok: ep.exploitOk,
        ...(s.scanner !== null ? { scanner_agent: s.scanner } : {}),
      },
      score: s.scanner !== null ? Math.max(0.9, strength(s.paths.size, t.scanMinDistinctPaths)) : strength(s.paths.size, t.scanMinDistinctPaths),
      summary:
        `scanning: ${ep.ip} requested ${s.paths.size} distinct paths (${s.http404} not found, up to ${ep.burst404.max} per minute)` +
        (s.scanner !== null ? ` with the ${s.scanner} scanner` : '') +
        ` in ${minutes(s.last - s.first)}`,
    });
  }

  if (!scanning && ep.sensitiveBurst.max >= t.errorBurstMin) {
    const paths = [...ep.sensitivePaths.values];
    out.push({
      ...base('error_burst', ep.sensitiveFirst, ep.sensitiveLast, ep.sensitiveEvidence, []),
      paths: paths.slice(0, 60),
      facts: {
        errors: s.sensitiveErrors,
        max_errors_per_min: ep.sensitiveBurst.max,
        http_5xx: s.http5xx,
        distinct_paths: paths.length,
        paths: paths.slice(0, 5).join(' '),
      },
      score: strength(ep.sensitiveBurst.max, t.errorBurstMin),
      summary:
        `error burst: ${ep.ip} got ${s.sensitiveErrors} denied/failed answers on ${paths.slice(0, 3).join(', ')}` +
        ` (up to ${ep.sensitiveBurst.max} per minute) in ${minutes(ep.sensitiveLast - ep.sensitiveFirst)}`,
    });
  }
  return out;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
