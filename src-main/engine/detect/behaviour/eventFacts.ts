/**
 * Reduces a NormalizedEvent to the few facts the behavioural models use, once per event, so the
 * session, window and pattern trackers agree on what counts as a login attempt. What counts is
 * the event's auth meaning (src-shared/event.ts, AuthAttempt) as the parsers set it for every
 * program: a line whose attempt another line already reported carries none, so nothing here
 * reads a program's wording or pairs lines again.
 */
import { type AuthSource, type NormalizedEvent, AUTH_FIELDS, authOf } from '../../../../src-shared/event';
import { type BusinessHours, isOffHours } from './config';
import { canonicalPath, isSensitiveErrorStatus, isSensitivePath, scannerAgent } from './webSignals';

export type AuthResult = 'failure' | 'success';

export interface EventFacts {
  id: number;
  ts: number;
  /**
   * Who acted, as one key (sourceKey): the address, or for an attempt the log gave no address
   * for, `host:<name>` (pam's rhost=) or `user:<name>` (su's or sudo's caller).
   */
  source: string | null;
  user: string | null;
  userAgent: string | null;
  /** A counted authentication attempt and its result ('unknown': a web form whose answer does not say), or null. */
  auth: AuthResult | 'unknown' | null;
  /** How many attempts the line stands for ("message repeated 5 times", "3 incorrect password attempts"). */
  weight: number;
  /** The attempt named an account that does not exist. */
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

/** Stands for the account of an attempt whose line names none (a web form, pam's user-less line, Postfix SASL). */
export const UNKNOWN_ACCOUNT = '(unknown)';

/** The accounts an alert names: the stand-in for an unnamed account is no account (an entity of it would join every anonymous attempt in the graph). */
export function accountEntities(users: readonly string[], max = Infinity): { type: 'user'; value: string }[] {
  const out: { type: 'user'; value: string }[] = [];
  for (const u of users) {
    if (out.length >= max) break;
    if (u !== UNKNOWN_ACCOUNT) out.push({ type: 'user', value: u });
  }
  return out;
}

/** One key per source: an address as it is (the common case costs nothing), a name or a local account prefixed. */
export function sourceKey(s: AuthSource | null): string | null {
  if (s === null) return null;
  return s.kind === 'ip' ? s.value : `${s.kind}:${s.value}`;
}

/** A source key as the entity it names. */
export function sourceEntity(key: string): { type: 'ip' | 'host' | 'user'; value: string } {
  if (key.startsWith('host:')) return { type: 'host', value: key.slice(5) };
  if (key.startsWith('user:')) return { type: 'user', value: key.slice(5) };
  return { type: 'ip', value: key };
}

/** What `loginOf` gives the detectors keyed on targets: one counted attempt with a known result. */
export interface Login {
  source: string;
  user: string;
  result: AuthResult;
  invalid: boolean;
  weight: number;
  service: string;
}

export class EventFactExtractor {
  constructor(private readonly businessHours: BusinessHours) {}

  /** Null for events without event time: the behavioural half runs on event time only. */
  extract(ev: NormalizedEvent): EventFacts | null {
    if (ev.ts === null || !Number.isFinite(ev.ts)) return null;
    const ts = ev.ts;
    const http = ev.action === 'http_request' || (ev.method !== null && ev.status !== null);
    const path = ev.path !== null ? canonicalPath(ev.path) : null;
    const status = ev.status;
    let user = ev.user !== null && ev.user !== '' && ev.user !== '-' ? ev.user : null;
    let source = ev.src_ip;
    let auth: EventFacts['auth'] = null;
    let invalidUser = false;
    let weight = 1;
    // Most lines are no login: one property test before anything else.
    if (ev.fields[AUTH_FIELDS.service] !== undefined) {
      const a = authOf(ev);
      if (a !== null) {
        source = sourceKey(a.source);
        if (a.attempts > 0) {
          auth = a.result;
          weight = Math.min(1000, a.attempts);
          user = a.target ?? UNKNOWN_ACCOUNT;
          invalidUser = a.accountExists === false;
        }
      }
    }
    return {
      id: ev.id,
      ts,
      source,
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
   * The counted login attempt with a known result a line stands for, or null: the part of
   * `extract` that detectors keyed on accounts and services need, without the rest.
   */
  loginOf(ev: NormalizedEvent): Login | null {
    if (ev.ts === null || ev.fields[AUTH_FIELDS.service] === undefined) return null;
    const a = authOf(ev);
    if (a === null || a.attempts === 0 || a.result === 'unknown') return null;
    const source = sourceKey(a.source);
    if (source === null) return null;
    return {
      source,
      user: a.target ?? UNKNOWN_ACCOUNT,
      result: a.result,
      invalid: a.accountExists === false,
      weight: Math.min(1000, a.attempts),
      service: a.service,
    };
  }
}
