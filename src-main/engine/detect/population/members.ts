/**
 * The sources behind a detection keyed on a target: each address with its first and last try,
 * its tries and outcome, the accounts it named and a few evidence lines. Carried in the alert's
 * details (bounded), so the incident layer can list a campaign's members and lift the one that
 * got in without reading the events again.
 */

export interface MemberStat {
  ip: string;
  first: number;
  last: number;
  failures: number;
  successes: number;
  /** Failed tries that named an account which does not exist. */
  invalid: number;
  /** The result of this source's first try on the target. */
  firstResult: 'failure' | 'success';
  /** Accounts it named, bounded. */
  users: string[];
  /** Accounts named beyond the bound. */
  moreUsers: number;
  evidence: number[];
  /** The success lines (a source that got in). */
  successEvidence: number[];
}

/** What an alert's details carry per member: the stat, minus what only the tracker needs. */
export type AlertMember = Omit<MemberStat, 'firstResult' | 'moreUsers'> & { outcome: 'failed' | 'got_in' };

const MAX_USERS = 24;
/** The account of a web login whose line names none (behaviour/eventFacts UNKNOWN_WEB_USER). */
const UNKNOWN_ACCOUNT = '(unknown)';
const MAX_EVIDENCE = 3;
/** Members written into one alert: the most active first. */
export const MAX_ALERT_MEMBERS = 2000;

export function newMember(ip: string, ts: number, result: 'failure' | 'success'): MemberStat {
  return {
    ip,
    first: ts,
    last: ts,
    failures: 0,
    successes: 0,
    invalid: 0,
    firstResult: result,
    users: [],
    moreUsers: 0,
    evidence: [],
    successEvidence: [],
  };
}

export function addTry(
  m: MemberStat,
  id: number,
  ts: number,
  user: string | null,
  result: 'failure' | 'success',
  invalid: boolean,
  weight: number,
): void {
  if (ts < m.first) {
    m.first = ts;
    m.firstResult = result;
  }
  if (ts > m.last) m.last = ts;
  if (result === 'failure') {
    m.failures += weight;
    if (invalid) m.invalid += weight;
    if (m.evidence.length < MAX_EVIDENCE) m.evidence.push(id);
  } else {
    m.successes += weight;
    if (m.successEvidence.length < MAX_EVIDENCE) m.successEvidence.push(id);
  }
  // Bots try one name after another, staff the same one again: look at the last name first.
  if (user !== null && m.users[m.users.length - 1] !== user && !m.users.includes(user)) {
    if (m.users.length < MAX_USERS) m.users.push(user);
    else m.moreUsers++;
  }
}

export function distinctUsers(m: MemberStat): number {
  return m.users.length + m.moreUsers;
}

/**
 * An attacking source rather than a user who mistyped: it never got in, or it named an account
 * that does not exist, or it failed far more than it got in, on several accounts or many times.
 * Staff who fumble their own password and then log in, and an office's gateway where many staff
 * log in, stay out of every population finding.
 */
export function isAttacker(m: MemberStat): boolean {
  if (m.failures === 0) return false;
  if (m.successes === 0 || m.invalid > 0) return true;
  // Mostly successful logins of several accounts is an office behind one address, not a bot.
  // A web login that names no account: three refusals before the one that worked is no typo.
  const anonymous = m.users.length === 1 && m.users[0] === UNKNOWN_ACCOUNT;
  return m.failures >= 2 * m.successes && (distinctUsers(m) >= 2 || m.failures >= 5 || (anonymous && m.failures >= 3));
}

export function toAlertMembers(members: Iterable<MemberStat>): AlertMember[] {
  const out = [...members].sort(
    (a, b) => b.failures + b.successes - (a.failures + a.successes) || a.first - b.first || (a.ip < b.ip ? -1 : 1),
  );
  return out.slice(0, MAX_ALERT_MEMBERS).map((m) => ({
    ip: m.ip,
    first: m.first,
    last: m.last,
    failures: m.failures,
    successes: m.successes,
    invalid: m.invalid,
    users: m.users,
    evidence: m.evidence,
    successEvidence: m.successEvidence,
    outcome: m.successes > 0 ? 'got_in' : 'failed',
  }));
}

/** Plain JSON for a tracker's saved state. */
export function cloneMember(m: MemberStat): MemberStat {
  return { ...m, users: [...m.users], evidence: [...m.evidence], successEvidence: [...m.successEvidence] };
}
