/**
 * Reduces a NormalizedEvent to the few facts the behavioural models use, once per event, so the
 * session, window and pattern trackers agree on what counts as a login attempt.
 */
import type { NormalizedEvent } from '../../../../src-shared/event';
import { type BusinessHours, isOffHours } from './config';
import { canonicalPath, isLoginPath, isSensitiveErrorStatus, isSensitivePath, scannerAgent } from './webSignals';

export type AuthResult = 'failure' | 'success';

export interface EventFacts {
  id: number;
  ts: number;
  ip: string | null;
  user: string | null;
  userAgent: string | null;
  /** A counted authentication attempt and its result, or null. */
  auth: AuthResult | null;
  /** How many attempts the line stands for ("message repeated 5 times: [...]"). */
  weight: number;
  /** The login named an account that does not exist (sshd "Invalid user"). */
  invalidUser: boolean;
  http: boolean;
  status: number | null;
  /** Canonical path (no query, lower case) or null. */
  path: string | null;
  /** 401/403/5xx on a sensitive path, not itself a login attempt. */
  sensitiveError: boolean;
  scanner: string | null;
  offHours: boolean;
}

/** Actions that parsers give to remote authentication attempts. */
export const AUTH_ACTIONS: ReadonlySet<string> = new Set([
  'ssh_login',
  'ssh_invalid_user',
  'ssh_auth',
  'login',
  'logon',
  'auth',
  'authentication',
  'user_login',
]);

const INVALID_USER_MARK = /\binvalid user\b/i;
/** sshd names an empty account as "Invalid user  from IP" (two spaces); parsers give no user. */
const EMPTY_INVALID_USER = /\binvalid user\s+from\s/i;
/** Stands for the empty account name, so those attempts count like any other account's. */
export const EMPTY_USER_NAME = '(empty)';
const REPEATED = /^message repeated (\d+) times/;
/** sshd logs "Invalid user x" and then "Failed password for invalid user x" for one attempt. */
const INVALID_USER_PAIR_MS = 10_000;

/** Stands for the account of a web login whose log line names none. */
export const UNKNOWN_WEB_USER = '(unknown)';

/**
 * The result of a request to a login endpoint, or null when it is no login attempt: 401 is a
 * refused login whatever the method; 403 and a 2xx/3xx answer count only for a POST or a line
 * that names the user (a GET of the login form is no attempt).
 */
export function webLoginResult(path: string | null, status: number | null, method: string | null, named: boolean): AuthResult | null {
  if (path === null || status === null || !isLoginPath(path)) return null;
  const submitted = named || method === 'POST';
  if (status === 401 || (status === 403 && submitted)) return 'failure';
  if (submitted && status >= 200 && status < 400) return 'success';
  return null;
}

export class EventFactExtractor {
  /** (ip|user) -> time of an "Invalid user" line still waiting for its "Failed password" twin. */
  private pendingInvalid = new Map<string, number>();

  constructor(private readonly businessHours: BusinessHours) {}

  /** Null for events without event time: the behavioural half runs on event time only. */
  extract(ev: NormalizedEvent): EventFacts | null {
    if (ev.ts === null || !Number.isFinite(ev.ts)) return null;
    const ts = ev.ts;
    const http = ev.action === 'http_request' || (ev.method !== null && ev.status !== null);
    const path = ev.path !== null ? canonicalPath(ev.path) : null;
    const status = ev.status;
    let user = ev.user !== null && ev.user !== '' && ev.user !== '-' ? ev.user : null;
    let auth: AuthResult | null = null;
    let invalidUser = false;
    let weight = 1;

    if (http) {
      // A login endpoint's answer says whether an attempt worked. Access logs rarely name the
      // user (basic auth, %u): an anonymous attempt counts against the endpoint's unknown account,
      // so 249 401s on /login from one address are a brute force, not an error burst.
      const login = webLoginResult(path, status, ev.method, user !== null);
      if (login !== null) {
        auth = login;
        if (user === null) user = UNKNOWN_WEB_USER;
      }
    } else {
      const login = this.loginOf(ev);
      if (login !== null) {
        auth = login.result;
        user = login.user;
        invalidUser = login.invalid;
        weight = login.weight;
      }
    }

    return {
      id: ev.id,
      ts,
      ip: ev.src_ip,
      user,
      userAgent: ev.user_agent,
      auth,
      weight,
      invalidUser,
      http,
      status,
      path,
      sensitiveError: http && auth === null && path !== null && status !== null && isSensitiveErrorStatus(status) && isSensitivePath(path),
      scanner: http ? scannerAgent(ev.user_agent) : null,
      offHours: isOffHours(ts, this.businessHours),
    };
  }

  /**
   * The login attempt a non-web line stands for (result null: the twin of one already counted), or
   * null for no login: the part of `extract` that detectors
   * keyed on accounts and services need, without the rest (which costs more than it saves them).
   * Shares `extract`'s pairing of "Invalid user" lines, so use one or the other per extractor.
   */
  loginOf(ev: NormalizedEvent): { user: string | null; result: AuthResult | null; invalid: boolean; weight: number } | null {
    if (ev.ts === null || ev.action === null || !AUTH_ACTIONS.has(ev.action) || ev.message.includes('pam_unix(')) return null;
    // "Invalid user x" is a failed attempt whatever outcome the parser gave it.
    const isInvalidLine = ev.action === 'ssh_invalid_user';
    let result: AuthResult | null = isInvalidLine ? 'failure' : ev.outcome === 'unknown' ? null : ev.outcome;
    if (result === null) return null;
    let user = ev.user !== null && ev.user !== '' && ev.user !== '-' ? ev.user : null;
    const invalid = isInvalidLine || INVALID_USER_MARK.test(ev.message);
    // Bots try the empty name too; dropping those attempts hid whole brute-force waves.
    if (user === null && invalid && EMPTY_INVALID_USER.test(ev.message)) user = EMPTY_USER_NAME;
    let weight = 1;
    if (ev.message.startsWith('message repeated')) {
      const rep = REPEATED.exec(ev.message);
      if (rep) weight = Math.max(1, Math.min(1000, Number(rep[1])));
    }
    // The "Failed password" twin of an "Invalid user" line: the same attempt, not counted again.
    if (invalid && ev.src_ip !== null && user !== null) result = this.dedupeInvalidUser(ev, ev.ts, user, result);
    return { user, result, invalid, weight };
  }

  private dedupeInvalidUser(ev: NormalizedEvent, ts: number, user: string, auth: AuthResult): AuthResult | null {
    const key = `${ev.src_ip}|${user}`;
    if (ev.action === 'ssh_invalid_user') {
      this.pendingInvalid.set(key, ts);
      if (this.pendingInvalid.size > 10_000) this.prune(ts);
      return 'failure';
    }
    const marked = this.pendingInvalid.get(key);
    if (auth === 'failure' && marked !== undefined && ts - marked <= INVALID_USER_PAIR_MS) {
      this.pendingInvalid.delete(key);
      return null;
    }
    return auth;
  }

  private prune(now: number): void {
    for (const [k, t] of this.pendingInvalid) if (now - t > INVALID_USER_PAIR_MS) this.pendingInvalid.delete(k);
  }
}
