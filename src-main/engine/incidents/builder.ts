/**
 * Groups classified alerts into incidents. Alerts about the same actor (an IP, else a user or
 * host) chain together while they keep coming within an hour of each other, so one brute-force
 * wave over hundreds of sessions, or one scanner over thousands of paths, is one incident. A chain
 * becomes an incident when it holds a named finding or its alerts add up to enough risk; weak
 * alone they only raise risk. Source- and template-wide alerts (no actor) support the incidents
 * they overlap in time, or chain into anomaly incidents of their own.
 */
import { createHash } from 'node:crypto';
import type { IncidentCategory, IncidentSeverity } from '../../../src-shared/contract-incidents';
import type { CampaignFacts } from './campaigns';
import { AUTH_PATTERNS, type ClassifiedAlert, SEVERITY_RANK } from './classify';

export const CHAIN_GAP_MS = 60 * 60_000;
/** Risk points a chain without a named finding needs to become an incident. */
export const MIN_POINTS = 40;
/** How far around an incident a source-wide alert still counts as its context. */
const CONTEXT_PAD_MS = 5 * 60_000;
const MAX_EVIDENCE = 5000;
const MAX_ENTITIES = 200;

const CATEGORY_ORDER: IncidentCategory[] = ['auth_attack', 'scanner', 'app_error', 'misconfiguration', 'anomaly'];
const SEVERITY_BASE: Record<IncidentSeverity, number> = { informational: 5, low: 18, medium: 35, high: 55, critical: 75 };

export const PATTERN_TITLES: Record<string, string> = {
  brute_force: 'Brute force',
  password_spraying: 'Password spraying',
  credential_stuffing: 'Credential stuffing',
  possible_compromise: 'Possible compromise after failed logins',
  scanning: 'Scanning / reconnaissance',
  error_burst: 'Error burst on sensitive paths',
  anomalous_session: 'Unusual session',
  anomalous_ip_window: 'Unusual activity',
  silence: 'A source went quiet',
  distributed_brute_force: 'Distributed brute force',
  distributed_stuffing: 'Distributed credential stuffing',
  low_and_slow: 'Low-and-slow password guessing',
  service_error_burst: 'Server errors across many clients',
  probe_wave: 'Probe wave',
};

export interface DraftEntity {
  type: string;
  value: string;
  role: 'actor' | 'target' | 'related';
  mentions: number;
}

export interface IncidentDraft {
  id: string;
  category: IncidentCategory;
  pattern: string | null;
  title: string;
  severity: IncidentSeverity;
  confidence: number;
  priority: number;
  firstTs: number | null;
  lastTs: number | null;
  groupKey: string;
  actor: string | null;
  entities: DraftEntity[];
  tags: string[];
  detectors: string[];
  /** Alerts that define the incident, then context alerts that overlap it. */
  alerts: ClassifiedAlert[];
  context: ClassifiedAlert[];
  evidence: number[];
  points: number;
  /** A campaign row stands for many incidents that behave alike (campaigns.ts). */
  kind?: 'incident' | 'campaign';
  /** The campaign this incident belongs to, for members and lifted members. */
  campaignId?: string | null;
  /** In the queue: everything but the members a campaign row stands for. */
  topLevel?: boolean;
  memberCount?: number;
  campaign?: CampaignFacts;
  /** A member that got in, lifted out of its campaign without an incident of its own. */
  lifted?: { ip: string; tries: number; failures: number; successes: number; tried: string[] };
}

export function buildIncidents(alerts: readonly ClassifiedAlert[]): IncidentDraft[] {
  const byActor = new Map<string, ClassifiedAlert[]>();
  const sourceWide = new Map<string, ClassifiedAlert[]>();
  for (const a of alerts) {
    if (a.actor) push(byActor, a.actor, a);
    else push(sourceWide, a.alert.key ?? `${a.alert.detector}:${a.alert.kind}`, a);
  }
  const drafts: IncidentDraft[] = [];
  for (const [actor, list] of byActor) {
    for (const chain of chains(list)) {
      if (qualifies(chain)) drafts.push(draft(actor, actor, chain));
    }
  }
  for (const d of drafts) finishContext(d);
  // Context: the most pressing incident overlapping a source-wide alert takes it.
  const byTime = [...drafts].sort((a, b) => b.priority - a.priority);
  const leftover = new Map<string, ClassifiedAlert[]>();
  for (const [key, list] of sourceWide) {
    for (const a of list) {
      const lo = a.alert.firstTs ?? a.alert.lastTs;
      const hi = a.alert.lastTs ?? lo;
      const host =
        lo === null || hi === null
          ? undefined
          : byTime.find(
              // A population finding spans hours or days: it would take every source-wide blip as its own.
              (d) =>
                !isTargetKey(d.actor) && d.firstTs !== null && d.lastTs !== null && lo <= d.lastTs + CONTEXT_PAD_MS && hi >= d.firstTs - CONTEXT_PAD_MS,
            );
      if (host) host.context.push(a);
      else push(leftover, key, a);
    }
  }
  for (const [key, list] of leftover) {
    for (const chain of chains(list)) if (qualifies(chain)) drafts.push(draft(key, null, chain));
  }
  for (const d of drafts) finishContext(d);
  drafts.sort((a, b) => b.priority - a.priority || (b.lastTs ?? 0) - (a.lastTs ?? 0) || a.id.localeCompare(b.id));
  return drafts;
}

/** A population finding's subject (a service, an account on it, a path family), not an actor. */
export function isTargetKey(key: string | null): boolean {
  return key !== null && key.startsWith('target:');
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function startOf(a: ClassifiedAlert): number {
  return a.alert.firstTs ?? a.alert.lastTs ?? 0;
}

function endOf(a: ClassifiedAlert): number {
  return a.alert.lastTs ?? a.alert.firstTs ?? 0;
}

/** Split one key's alerts where they pause for longer than the gap. */
function chains(list: ClassifiedAlert[]): ClassifiedAlert[][] {
  const sorted = [...list].sort((a, b) => startOf(a) - startOf(b) || a.alert.id - b.alert.id);
  const out: ClassifiedAlert[][] = [];
  let cur: ClassifiedAlert[] = [];
  let end = -Infinity;
  for (const a of sorted) {
    if (cur.length > 0 && startOf(a) > end + CHAIN_GAP_MS) {
      out.push(cur);
      cur = [];
      end = -Infinity;
    }
    cur.push(a);
    end = Math.max(end, endOf(a));
  }
  if (cur.length) out.push(cur);
  return out;
}

function qualifies(chain: ClassifiedAlert[]): boolean {
  if (chain.some((a) => a.named)) return true;
  return chain.reduce((s, a) => s + a.points, 0) >= MIN_POINTS;
}

export function incidentId(groupKey: string, firstTs: number | null): string {
  const hour = firstTs === null ? 'none' : String(Math.floor(firstTs / 3_600_000));
  return 'inc_' + createHash('sha256').update(`${groupKey}|${hour}`).digest('hex').slice(0, 16);
}

function draft(groupKey: string, actor: string | null, chain: ClassifiedAlert[]): IncidentDraft {
  const named = chain.filter((a) => a.named);
  const pool = named.length ? named : chain;
  const category = CATEGORY_ORDER.find((c) => pool.some((a) => a.category === c)) ?? 'anomaly';
  const ofCategory = pool.filter((a) => a.category === category);
  const pattern = patternOf(category, ofCategory);
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const a of chain) {
    const s = a.alert.firstTs ?? a.alert.lastTs;
    const e = a.alert.lastTs ?? a.alert.firstTs;
    if (s !== null && (firstTs === null || s < firstTs)) firstTs = s;
    if (e !== null && (lastTs === null || e > lastTs)) lastTs = e;
  }
  const d: IncidentDraft = {
    id: incidentId(groupKey, firstTs),
    category,
    pattern,
    title: '',
    severity: 'informational',
    confidence: 0,
    priority: 0,
    firstTs,
    lastTs,
    groupKey,
    actor,
    entities: [],
    tags: [],
    detectors: [],
    alerts: chain,
    context: [],
    evidence: [],
    points: 0,
  };
  d.title = titleOf(d);
  return d;
}

function patternOf(category: IncidentCategory, alerts: ClassifiedAlert[]): string | null {
  if (category === 'auth_attack') {
    const behaviour = alerts.filter((a) => a.alert.detector === 'behaviour');
    const pool = behaviour.length ? behaviour : alerts;
    for (const p of AUTH_PATTERNS) if (pool.some((a) => a.pattern === p)) return p;
  }
  const top = [...alerts].sort((a, b) => b.points - a.points)[0];
  return top?.pattern ?? null;
}

function titleOf(d: IncidentDraft): string {
  const who = d.actor ? d.actor.slice(d.actor.indexOf(':') + 1) : d.groupKey.replace(/^source:/, '');
  const top = [...d.alerts].sort((a, b) => b.points - a.points)[0];
  const name = (d.pattern && PATTERN_TITLES[d.pattern]) ?? top?.alert.title ?? d.category;
  if (d.category === 'anomaly' && !d.actor) return top ? top.alert.title : name;
  if (isTargetKey(d.actor)) return top?.alert.title ?? `${name} on ${who}`;
  return `${name} ${d.actor?.startsWith('ip:') ? 'from' : 'by'} ${who}`;
}

/** Severity, confidence, priority, entities, tags and evidence, once context is known. */
export function finishContext(d: IncidentDraft): void {
  const all = [...d.alerts, ...d.context];
  let sev: IncidentSeverity = 'informational';
  for (const a of d.alerts) if (SEVERITY_RANK[a.alert.severity] > SEVERITY_RANK[sev]) sev = a.alert.severity;
  if (d.pattern === 'possible_compromise') sev = 'critical';
  d.severity = sev;
  // Independent detectors agreeing raise confidence: 1 - prod(1 - best of each detector).
  const best = new Map<string, number>();
  for (const a of all)
    best.set(a.alert.detector, Math.max(best.get(a.alert.detector) ?? 0, a.confidence * (d.context.includes(a) ? 0.5 : 1)));
  let miss = 1;
  for (const c of best.values()) miss *= 1 - c;
  d.confidence = round(Math.min(0.99, 1 - miss), 3);
  // Strongest first, ties by name: never by the order the alerts happen to be stored in.
  d.detectors = [...best.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
  d.points = round(
    all.reduce((s, a) => s + a.points, 0),
    2,
  );
  d.priority = round(
    Math.min(100, SEVERITY_BASE[sev] + 20 * d.confidence + Math.min(5, best.size - 1) * 1.5 + (d.category === 'anomaly' ? -5 : 0)),
    1,
  );

  const entities = new Map<string, DraftEntity>();
  const add = (type: string, value: string, role: DraftEntity['role']) => {
    const k = `${type}:${value}`;
    const e = entities.get(k);
    if (e) e.mentions++;
    else if (entities.size < MAX_ENTITIES) entities.set(k, { type, value, role, mentions: 1 });
  };
  if (d.actor) {
    const at = d.actor.indexOf(':');
    add(d.actor.slice(0, at), d.actor.slice(at + 1), 'actor');
  }
  for (const a of d.alerts)
    for (const e of a.alert.entities) add(e.type, e.value, e.type === 'user' || e.type === 'host' ? 'target' : 'related');
  d.entities = [...entities.values()].sort(
    (a, b) => roleRank(a.role) - roleRank(b.role) || b.mentions - a.mentions || a.value.localeCompare(b.value),
  );

  d.tags = [
    ...new Set(all.flatMap((a) => a.alert.tags.map((t) => t.toLowerCase().replace(/-/g, '_')).filter((t) => t.startsWith('attack.')))),
  ].sort();
  const ev = new Set<number>();
  for (const a of d.alerts) {
    for (const id of a.alert.evidence) {
      if (ev.size >= MAX_EVIDENCE) break;
      ev.add(id);
    }
  }
  d.evidence = [...ev].sort((a, b) => a - b);
}

function roleRank(r: DraftEntity['role']): number {
  return r === 'actor' ? 0 : r === 'target' ? 1 : 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
