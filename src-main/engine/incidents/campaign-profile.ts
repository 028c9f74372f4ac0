/**
 * What a campaign compares: an incident's behaviour as tokens (the accounts it tried, the paths it
 * asked for, the rules it hit), the services it touched, and its member addresses with their tries
 * and outcome (its own actor, or the sources a population finding lists).
 */
import { isIpLiteral } from '../parse/parsers/net';
import type { ClassifiedAlert } from './classify';
import { type IncidentDraft, isTargetKey } from './builder';

const MAX_TOKENS = 400;

import type { CampaignMember } from '../../../src-shared/contract-incidents';

export type { CampaignMember };

export type Family = 'auth' | 'scan' | 'errors';

/**
 * Auth incidents campaign only with their own kind: a dictionary run, a stuffing run and a slow
 * guesser are different campaigns even on one host. A compromise joins whichever it resembles.
 */
const AUTH_GROUP: Record<string, string> = {
  brute_force: 'guess',
  distributed_brute_force: 'guess',
  password_spraying: 'guess',
  credential_stuffing: 'stuff',
  distributed_stuffing: 'stuff',
  low_and_slow: 'slow',
};

export interface Profile {
  draft: IncidentDraft;
  family: Family;
  /** Which clusters it may join or seed; null joins any of its family (a compromise). */
  group: string | null;
  tokens: Set<string>;
  services: Set<string>;
  members: Map<string, CampaignMember>;
  population: boolean;
}

export function profileOf(d: IncidentDraft): Profile | null {
  const family: Family | null =
    d.category === 'auth_attack'
      ? 'auth'
      : d.category === 'scanner'
        ? 'scan'
        : d.category === 'app_error' && d.pattern === 'error_burst'
          ? 'errors'
          : null;
  if (family === null) return null;
  const population = isTargetKey(d.actor);
  // An actor is an address, or a host name the log gave for one (pam's rhost=): both can be bots.
  if (!population && !d.actor?.startsWith('ip:') && !d.actor?.startsWith('host:')) return null;
  const tokens = new Set<string>();
  const services = new Set<string>();
  const members = new Map<string, CampaignMember>();
  for (const a of d.alerts) {
    for (const t of tokensOf(a)) {
      if (t.startsWith('s:')) services.add(t.slice(2));
      else if (tokens.size < MAX_TOKENS) tokens.add(t);
    }
    for (const m of alertMembers(a)) mergeMember(members, m);
  }
  const group = family === 'auth' ? (d.pattern === 'possible_compromise' ? null : (AUTH_GROUP[d.pattern ?? ''] ?? 'guess')) : family;
  if (!population) {
    const ip = d.actor!.slice(d.actor!.indexOf(':') + 1);
    const own = members.get(ip);
    const got = gotIn(d);
    mergeMember(members, {
      ip,
      firstTs: d.firstTs ?? 0,
      lastTs: d.lastTs ?? 0,
      tries: Math.max(own?.tries ?? 0, triesOf(d)),
      failures: own?.failures ?? 0,
      successes: own?.successes ?? (got ? 1 : 0),
      outcome: got ? 'got_in' : (own?.outcome ?? 'failed'),
      tried: [...tokens]
        .filter((t) => !t.startsWith('rule:'))
        .slice(0, 12)
        .map(untoken),
      evidence: d.evidence.slice(0, 3),
      incidentId: d.id,
      lifted: got,
    });
    // Only the actor is a member of its own incident; population alerts name others too.
    for (const k of [...members.keys()]) if (k !== ip) members.delete(k);
  }
  if (tokens.size === 0 && members.size < 2) return null;
  return { draft: d, family, group, tokens, services, members, population };
}

function tokensOf(a: ClassifiedAlert): string[] {
  const out: string[] = [];
  for (const e of a.alert.entities) if (e.type === 'user' && e.value !== '(unknown)') out.push(`u:${e.value}`);
  const users = a.alert.details['users'];
  if (Array.isArray(users)) for (const u of users.slice(0, 200)) if (typeof u === 'string' && u !== '(unknown)') out.push(`u:${u}`);
  const paths = a.alert.details['paths'];
  if (Array.isArray(paths)) for (const p of paths.slice(0, 60)) if (typeof p === 'string' && p !== '/') out.push(`p:${p}`);
  const facts = a.alert.details['facts'] as Record<string, unknown> | undefined;
  if (typeof facts?.['paths'] === 'string') for (const p of facts['paths'].split(' ')) if (p && p !== '/') out.push(`p:${p}`);
  const target = a.alert.details['target'] as { service?: unknown } | undefined;
  if (typeof target?.service === 'string') out.push(`s:${target.service}`);
  if (a.alert.detector === 'sigma') out.push(`rule:${a.alert.title}`);
  return out;
}

/** A member's actor key: `ip:<address>`, or `host:<name>` for a source the log named by host name. */
export function memberActor(value: string): { type: 'ip' | 'host'; key: string } {
  const type = isIpLiteral(value) ? 'ip' : 'host';
  return { type, key: `${type}:${value}` };
}

export function untoken(t: string): string {
  return t.slice(t.indexOf(':') + 1);
}

function alertMembers(a: ClassifiedAlert): CampaignMember[] {
  const list = a.alert.details['members'];
  if (!Array.isArray(list)) return [];
  const out: CampaignMember[] = [];
  for (const m of list as Record<string, unknown>[]) {
    if (typeof m['ip'] !== 'string') continue;
    const failures = Number(m['failures']) || 0;
    const successes = Number(m['successes']) || 0;
    out.push({
      ip: m['ip'],
      firstTs: Number(m['first']) || 0,
      lastTs: Number(m['last']) || 0,
      tries: failures + successes,
      failures,
      successes,
      outcome: m['outcome'] === 'got_in' ? 'got_in' : 'failed',
      tried: Array.isArray(m['users']) ? (m['users'] as string[]).filter((u) => u !== '(unknown)').slice(0, 12) : [],
      evidence: [
        ...(Array.isArray(m['successEvidence']) ? (m['successEvidence'] as number[]) : []),
        ...(Array.isArray(m['evidence']) ? (m['evidence'] as number[]) : []),
      ].slice(0, 4),
      incidentId: null,
      lifted: false,
    });
  }
  return out;
}

export function mergeMember(into: Map<string, CampaignMember>, m: CampaignMember): void {
  const cur = into.get(m.ip);
  if (!cur) {
    into.set(m.ip, { ...m, tried: [...m.tried], evidence: [...m.evidence] });
    return;
  }
  cur.firstTs = Math.min(cur.firstTs, m.firstTs);
  cur.lastTs = Math.max(cur.lastTs, m.lastTs);
  cur.tries = Math.max(cur.tries, m.tries);
  cur.failures = Math.max(cur.failures, m.failures);
  cur.successes = Math.max(cur.successes, m.successes);
  if (m.outcome === 'got_in') cur.outcome = 'got_in';
  for (const t of m.tried) if (cur.tried.length < 12 && !cur.tried.includes(t)) cur.tried.push(t);
  for (const e of m.evidence) if (cur.evidence.length < 4 && !cur.evidence.includes(e)) cur.evidence.push(e);
  cur.incidentId = cur.incidentId ?? m.incidentId;
  cur.lifted ||= m.lifted;
}

/** Got in: a compromise finding, a success listed for it, or a 2xx answer to an exploit path. */
export function gotIn(d: IncidentDraft): boolean {
  if (d.pattern === 'possible_compromise') return true;
  return d.alerts.some(
    (a) =>
      a.pattern === 'possible_compromise' ||
      Number((a.alert.details['facts'] as Record<string, unknown> | undefined)?.['exploit_ok'] ?? 0) > 0,
  );
}

export function triesOf(d: IncidentDraft): number {
  let n = 0;
  for (const a of d.alerts) {
    const f = a.alert.details['facts'] as Record<string, unknown> | undefined;
    n = Math.max(n, Number(f?.['attempts'] ?? f?.['requests'] ?? f?.['failures'] ?? f?.['errors'] ?? 0) || 0);
  }
  return n || d.evidence.length;
}
