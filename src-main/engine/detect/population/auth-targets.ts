/**
 * Authentication seen from the target's side (DESIGN.md step 7, "targets and populations"): per
 * service of a host (sshd on web01, a web login endpoint) and per account on it, every source that
 * tried, with its tries and outcome. An episode of a target lasts while tries keep coming (a gap
 * of `gapMs` on event time ends it) and at most `maxSpanMs`, so a botnet hammering a host for a
 * month gives one finding a day, which the campaign step joins again.
 *
 * Judged when an episode closes, on the attacking sources only (members.ts, isAttacker):
 * - distributed_brute_force on an account: >= accountMinFailures failures from >= minSources
 *   sources, none with more than maxTopShare of them (else it is one source's brute force);
 * - on a service, many accounts (>= serviceMinAccounts) from >= minSources sources:
 *   distributed_stuffing when each account is tried about once (mean tries per account <=
 *   stuffingMaxTriesPerAccount: a leaked list replayed through proxies), else
 *   distributed_brute_force (a shared dictionary of default names, every bot trying the same).
 * Events may arrive slightly out of order: an episode keeps min/max times, and closes only once
 * the watermark (latest time minus lateness) has passed its end by the gap.
 */
import { type AlertMember, type MemberStat, addTry, cloneMember, isAttacker, newMember, toAlertMembers } from './members';

export interface AuthTry {
  id: number;
  ts: number;
  ip: string;
  user: string | null;
  result: 'failure' | 'success';
  invalid: boolean;
  weight: number;
  /** `sshd@web01`, `web /api/login@web01`. */
  service: string;
}

export interface AuthTargetConfig {
  gapMs: number;
  maxSpanMs: number;
  minSources: number;
  maxTopShare: number;
  accountMinFailures: number;
  serviceMinAccounts: number;
  serviceMinFailures: number;
  stuffingMaxTriesPerAccount: number;
  minFailureRatio: number;
  maxOpen: number;
  continuationMs: number;
  /** Sources with this many failures in an episode are left to the per-source models. */
  heavyFailures: number;
}

export const DEFAULT_AUTH_TARGETS: AuthTargetConfig = {
  gapMs: 6 * 3_600_000,
  maxSpanMs: 24 * 3_600_000,
  minSources: 5,
  maxTopShare: 0.5,
  accountMinFailures: 20,
  serviceMinAccounts: 10,
  serviceMinFailures: 30,
  stuffingMaxTriesPerAccount: 2.5,
  minFailureRatio: 0.7,
  maxOpen: 50_000,
  continuationMs: 3 * 86_400_000,
  heavyFailures: 20,
};

export type PopulationPattern = 'distributed_brute_force' | 'distributed_stuffing';

export interface TargetFinding {
  pattern: PopulationPattern;
  /** `target:sshd@web01` or `target:sshd@web01 user root`. */
  key: string;
  service: string;
  account: string | null;
  first: number;
  last: number;
  failures: number;
  successes: number;
  accounts: number;
  invalidShare: number;
  /** Accounts tried, most tried first (bounded). */
  users: string[];
  members: AlertMember[];
  evidence: number[];
  score: number;
  summary: string;
}

interface Episode {
  key: string;
  service: string;
  account: string | null;
  first: number;
  last: number;
  members: Map<string, MemberStat>;
  /** Tries per account (bounded). */
  accounts: Map<string, number>;
  moreAccounts: number;
  evidence: number[];
}

type EpisodeJson = Omit<Episode, 'members' | 'accounts'> & { members: MemberStat[]; accounts: [string, number][] };

export interface AuthTargetState {
  open: EpisodeJson[];
  seenNames?: string[];
  reported?: [string, number][];
  successes?: [string, number][];
}

const MAX_ACCOUNTS = 5000;
const MAX_EVIDENCE = 200;
const MAX_MEMBERS = 20_000;
const MAX_SEEN_NAMES = 100_000;
/** Logins that make a source known: a bot that guessed one password has one. */
const KNOWN_GOOD_LOGINS = 3;
const MAX_KNOWN_SOURCES = 20_000;

export class AuthTargetDetector {
  private open = new Map<string, Episode>();
  /** Per service: its open episode and its accounts' (the same episodes as in `open`). */
  private slots = new Map<string, { service: Episode | undefined; accounts: Map<string, Episode> }>();
  /** `service account` pairs that attackers tried in earlier episodes (bounded, oldest out first). */
  private seenNames = new Set<string>();
  /** Finding key -> last time of its last report, for continuations. */
  private reported = new Map<string, number>();
  /** Successful logins per source (bounded, oldest out first): an office or a staff address logs in often. */
  private successes = new Map<string, number>();

  private noteSuccess(ip: string): void {
    const n = this.successes.get(ip);
    if (n !== undefined) {
      if (n < KNOWN_GOOD_LOGINS) this.successes.set(ip, n + 1);
      return;
    }
    if (this.successes.size >= MAX_KNOWN_SOURCES) this.successes.delete(this.successes.keys().next().value as string);
    this.successes.set(ip, 1);
  }

  /** A source that logged in several times is someone's, whatever it mistyped: never a member. */
  private knownGood(ip: string): boolean {
    return (this.successes.get(ip) ?? 0) >= KNOWN_GOOD_LOGINS;
  }

  constructor(
    private readonly emit: (f: TargetFinding) => void,
    private readonly c: AuthTargetConfig = DEFAULT_AUTH_TARGETS,
  ) {}

  add(t: AuthTry): void {
    if (t.result === 'success') this.noteSuccess(t.ip);
    // Nested lookups: no key string is built per event, only when an episode opens.
    let slot = this.slots.get(t.service);
    if (slot === undefined) {
      slot = { service: undefined, accounts: new Map() };
      this.slots.set(t.service, slot);
    }
    slot.service = this.addTo(slot.service, t.service, null, t);
    if (t.user === null) return;
    const before = slot.accounts.get(t.user);
    const after = this.addTo(before, t.service, t.user, t);
    if (after !== before && after !== undefined) slot.accounts.set(t.user, after);
  }

  /** Adds the try to the target's open episode (opening one for a failure); returns that episode. */
  private addTo(open: Episode | undefined, service: string, account: string | null, t: AuthTry): Episode | undefined {
    let ep = open;
    if (ep !== undefined && (t.ts - ep.last >= this.c.gapMs || t.ts - ep.first >= this.c.maxSpanMs)) {
      this.close(ep);
      ep = undefined;
    }
    // A success matters only for a source that already failed here (did it get in; is it an office
    // whose people mostly log in): it opens nothing. Most logins succeed, and tracking them all
    // cost more than everything else here.
    if (t.result === 'success' && (ep === undefined || !ep.members.has(t.ip))) return ep;
    if (ep === undefined) {
      if (this.open.size >= this.c.maxOpen) this.evictOldest();
      const key = account === null ? `target:${service}` : `target:${service} user ${account}`;
      ep = { key, service, account, first: t.ts, last: t.ts, members: new Map(), accounts: new Map(), moreAccounts: 0, evidence: [] };
      this.open.set(key, ep);
    }
    this.record(ep, t);
    return ep;
  }

  private record(ep: Episode, t: AuthTry): void {
    if (t.ts < ep.first) ep.first = t.ts;
    if (t.ts > ep.last) ep.last = t.ts;
    let m = ep.members.get(t.ip);
    if (m === undefined) {
      if (ep.members.size >= MAX_MEMBERS) return;
      m = newMember(t.ip, t.ts, t.result);
      ep.members.set(t.ip, m);
    }
    addTry(m, t.id, t.ts, t.user, t.result, t.invalid, t.weight);
    if (t.user !== null) {
      const n = ep.accounts.get(t.user);
      if (n !== undefined) ep.accounts.set(t.user, n + t.weight);
      else if (ep.accounts.size < MAX_ACCOUNTS) ep.accounts.set(t.user, t.weight);
      else ep.moreAccounts++;
    }
    if (t.result === 'failure' && ep.evidence.length < MAX_EVIDENCE) ep.evidence.push(t.id);
  }

  /** Close the episodes the watermark has left behind. */
  advance(watermark: number): void {
    for (const ep of [...this.open.values()])
      if (watermark - ep.last >= this.c.gapMs || watermark - ep.first >= this.c.maxSpanMs) this.close(ep);
  }

  flush(): void {
    for (const ep of [...this.open.values()]) this.close(ep);
  }

  get openCount(): number {
    return this.open.size;
  }

  state(): AuthTargetState {
    return {
      open: [...this.open.values()].map((ep) => ({
        ...ep,
        members: [...ep.members.values()].map(cloneMember),
        accounts: [...ep.accounts.entries()],
        evidence: [...ep.evidence],
      })),
      seenNames: [...this.seenNames],
      reported: [...this.reported.entries()],
      successes: [...this.successes.entries()],
    };
  }

  restore(s: AuthTargetState | undefined): void {
    this.seenNames = new Set(s?.seenNames ?? []);
    this.reported = new Map(s?.reported ?? []);
    this.successes = new Map(s?.successes ?? []);
    this.open = new Map(
      (s?.open ?? []).map((ep) => [
        ep.key,
        {
          ...ep,
          members: new Map(ep.members.map((m) => [m.ip, cloneMember(m)])),
          accounts: new Map(ep.accounts),
          evidence: [...ep.evidence],
        },
      ]),
    );
    this.slots = new Map();
    for (const ep of this.open.values()) {
      let slot = this.slots.get(ep.service);
      if (slot === undefined) this.slots.set(ep.service, (slot = { service: undefined, accounts: new Map() }));
      if (ep.account === null) slot.service = ep;
      else slot.accounts.set(ep.account, ep);
    }
  }

  private evictOldest(): void {
    let oldest: Episode | null = null;
    for (const ep of this.open.values()) if (oldest === null || ep.last < oldest.last) oldest = ep;
    if (oldest) this.close(oldest);
  }

  /** Ends an episode: out of the open ones, then judged. */
  private close(ep: Episode): void {
    this.open.delete(ep.key);
    const slot = this.slots.get(ep.service);
    if (slot) {
      if (ep.account === null) {
        if (slot.service === ep) slot.service = undefined;
      } else if (slot.accounts.get(ep.account) === ep) slot.accounts.delete(ep.account);
      if (slot.service === undefined && slot.accounts.size === 0) this.slots.delete(ep.service);
    }
    this.judge(ep);
  }

  private judge(ep: Episode): void {
    // A source that failed dozens of times alone is a brute force of its own (the per-IP models
    // report it); what is distributed is the rest, each with a few tries.
    const attackers = [...ep.members.values()].filter((m) => isAttacker(m) && m.failures < this.c.heavyFailures && !this.knownGood(m.ip));
    if (attackers.length < this.c.minSources) return;
    if (ep.account !== null) {
      const anonymous = ep.account === '(unknown)';
      const tries = attackers.reduce((s, m) => s + m.failures + m.successes, 0);
      // A login page that logs no user names: many sources with a few tries each is stuffing.
      this.judgeGroup(
        ep,
        attackers,
        anonymous && tries / attackers.length <= 6 ? 'distributed_stuffing' : 'distributed_brute_force',
        '',
        this.c.accountMinFailures,
      );
      return;
    }
    // One service sees a botnet's dictionary and a stuffing run at once: split its sources by
    // what they tried. Stuffing replays leaked accounts, each tried by one source or two; a
    // dictionary is the same names tried by many.
    // A source stuffs when every account it tried is its own: no other source tried it, now or
    // in an earlier episode of this service (a dictionary's names come back day after day).
    const sourcesPer = new Map<string, number>();
    for (const m of attackers) for (const u of m.users) sourcesPer.set(u, (sourcesPer.get(u) ?? 0) + 1);
    const stuffing: MemberStat[] = [];
    const dictionary: MemberStat[] = [];
    const own = (u: string) => (sourcesPer.get(u) ?? 0) <= 1 && !this.seenNames.has(`${ep.service} ${u}`);
    // Sources that all tried one and the same account are that account's distributed brute force
    // (its own finding, per account): not bots of a shared dictionary.
    // Only when that finding fires: else they stay here, where they are still found.
    const focused = new Map<string, { sources: number; failures: number }>();
    for (const m of attackers) {
      if (m.users.length !== 1 || m.moreUsers !== 0) continue;
      const f = focused.get(m.users[0]!) ?? { sources: 0, failures: 0 };
      f.sources++;
      f.failures += m.failures;
      focused.set(m.users[0]!, f);
    }
    const ownFinding = (u: string) => {
      const f = focused.get(u);
      return f !== undefined && f.sources >= this.c.minSources && f.failures >= this.c.accountMinFailures;
    };
    for (const m of attackers) {
      if (m.users.length === 1 && ownFinding(m.users[0]!)) continue;
      (m.users.length >= 2 && m.moreUsers === 0 && m.users.every(own) ? stuffing : dictionary).push(m);
    }
    for (const u of sourcesPer.keys()) {
      if (this.seenNames.size >= MAX_SEEN_NAMES) this.seenNames.delete(this.seenNames.values().next().value as string);
      this.seenNames.add(`${ep.service} ${u}`);
    }
    // Too few to be a stuffing run of their own: they are the dictionary's quieter bots.
    if (!this.judgeGroup(ep, stuffing, 'distributed_stuffing', ' stuffing', this.c.serviceMinFailures)) dictionary.push(...stuffing);
    this.judgeGroup(ep, dictionary, 'distributed_brute_force', ' dictionary', this.c.serviceMinFailures);
  }

  /**
   * Reports the group when it is one; false when it is not. A target that was attacked within
   * `continuationMs` keeps being reported whatever the numbers: the quiet hours of a botnet that
   * hammers a host for a month are the same campaign, and each of its addresses must be found.
   */
  private judgeGroup(ep: Episode, attackers: MemberStat[], pattern: PopulationPattern, suffix: string, minFailures: number): boolean {
    const key = ep.key + suffix;
    const before = this.reported.get(key);
    const continued =
      pattern === 'distributed_brute_force' && before !== undefined && ep.first - before <= this.c.continuationMs && attackers.length > 0;
    if (continued) {
      this.report(ep, attackers, pattern, key);
      return true;
    }
    if (attackers.length < this.c.minSources) return false;
    let failures = 0;
    let successes = 0;
    let top = 0;
    for (const m of attackers) {
      failures += m.failures;
      successes += m.successes;
      if (m.failures > top) top = m.failures;
    }
    if (failures < minFailures || top / failures > this.c.maxTopShare) return false;
    if (failures / (failures + successes) < this.c.minFailureRatio) return false;
    const tried = new Map<string, number>();
    for (const m of attackers) for (const u of m.users) tried.set(u, (tried.get(u) ?? 0) + 1);
    const accounts = ep.account === null ? tried.size : 1;
    if (ep.account === null && accounts < this.c.serviceMinAccounts) return false;
    this.report(ep, attackers, pattern, key);
    return true;
  }

  private report(ep: Episode, attackers: MemberStat[], pattern: PopulationPattern, key: string): void {
    let failures = 0;
    let successes = 0;
    let invalid = 0;
    for (const m of attackers) {
      failures += m.failures;
      successes += m.successes;
      invalid += m.invalid;
    }
    const tried = new Map<string, number>();
    for (const m of attackers) for (const u of m.users) tried.set(u, (tried.get(u) ?? 0) + 1);
    const accounts = ep.account === null ? tried.size : 1;
    const last = Math.max(...attackers.map((m) => m.last));
    if (this.reported.size >= MAX_SEEN_NAMES && !this.reported.has(key)) this.reported.delete(this.reported.keys().next().value as string);
    this.reported.set(key, last);
    const users = [...tried.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([u]) => u);
    const gotIn = attackers.filter((m) => m.successes > 0).length;
    const invalidShare = failures > 0 ? invalid / failures : 0;
    const what =
      pattern === 'distributed_stuffing'
        ? ep.account !== null
          ? `distributed credential stuffing: ${attackers.length} addresses made ${failures + successes} login tries, a few each, on ${ep.service}`
          : `distributed credential stuffing: ${attackers.length} addresses tried ${accounts} accounts about once each on ${ep.service}`
        : ep.account !== null
          ? `distributed brute force: ${attackers.length} addresses failed ${failures} logins as ${ep.account} on ${ep.service}`
          : `distributed brute force: ${attackers.length} addresses ran one list of ${accounts} account names on ${ep.service}`;
    this.emit({
      pattern,
      key,
      service: ep.service,
      account: ep.account,
      first: Math.min(...attackers.map((m) => m.first)),
      last,
      failures,
      successes,
      accounts,
      invalidShare,
      users: users.slice(0, 200),
      members: toAlertMembers(attackers),
      evidence: ep.evidence,
      score: Math.min(1, 0.6 + 0.4 * (1 - this.c.minSources / attackers.length)),
      summary:
        `${what} (${failures} failures${invalidShare >= 0.2 ? `, ${Math.round(invalidShare * 100)}% on accounts that do not exist` : ''}) ` +
        `in ${spanWords(ep.last - ep.first)}, ${gotIn > 0 ? `${gotIn} got in` : 'no success'}`,
    });
  }
}

export function spanWords(ms: number): string {
  const m = Math.max(1, Math.round(ms / 60_000));
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = ms / 3_600_000;
  if (h < 48) return `${h.toFixed(1)} hours`;
  return `${(h / 24).toFixed(1)} days`;
}
