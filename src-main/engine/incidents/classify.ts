/**
 * What one alert means for incidents: its category and pattern, who it is about (the actor that
 * groups it with others), how strong it is on its own, and how many risk points it adds.
 */
import type { AlertRow } from '../../../src-shared/dto';
import type { IncidentCategory, IncidentSeverity } from '../../../src-shared/contract-incidents';

/** An alert as the case stores it: the same shape the contract lists. */
export type StoredAlert = AlertRow;

export interface ClassifiedAlert {
  alert: StoredAlert;
  category: IncidentCategory;
  pattern: string | null;
  /** `type:value` of the entity the alert is about; null for source- or template-wide alerts. */
  actor: string | null;
  /** Strong enough to open an incident alone (a named pattern, a correlation, a high rule). */
  named: boolean;
  points: number;
  /** 0..1: this alert's own confidence. */
  confidence: number;
}

export const SEVERITY_RANK: Record<IncidentSeverity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const SEVERITY_POINTS: Record<IncidentSeverity, number> = { informational: 1, low: 3, medium: 10, high: 25, critical: 50 };

/** Auth patterns from most to least serious: an incident carries the most serious it saw. */
export const AUTH_PATTERNS = [
  'possible_compromise',
  'credential_stuffing',
  'distributed_stuffing',
  'password_spraying',
  'distributed_brute_force',
  'brute_force',
  'low_and_slow',
] as const;

const BEHAVIOUR_CATEGORY: Record<string, { category: IncidentCategory; pattern: string }> = {
  brute_force: { category: 'auth_attack', pattern: 'brute_force' },
  password_spraying: { category: 'auth_attack', pattern: 'password_spraying' },
  credential_stuffing: { category: 'auth_attack', pattern: 'credential_stuffing' },
  possible_compromise: { category: 'auth_attack', pattern: 'possible_compromise' },
  scanning: { category: 'scanner', pattern: 'scanning' },
  error_burst: { category: 'app_error', pattern: 'error_burst' },
  distributed_brute_force: { category: 'auth_attack', pattern: 'distributed_brute_force' },
  distributed_stuffing: { category: 'auth_attack', pattern: 'distributed_stuffing' },
  low_and_slow: { category: 'auth_attack', pattern: 'low_and_slow' },
  service_error_burst: { category: 'app_error', pattern: 'service_error_burst' },
  probe_wave: { category: 'scanner', pattern: 'probe_wave' },
  anomalous_session: { category: 'anomaly', pattern: 'anomalous_session' },
  anomalous_ip_window: { category: 'anomaly', pattern: 'anomalous_ip_window' },
};

/** `target:` keys are population findings: a service, an account or a path family is what they are about. */
const ENTITY_KEY = /^(ip|user|host|process|file|domain|url|user_agent|target):./;

export function classify(a: StoredAlert): ClassifiedAlert {
  const { category, pattern } = categoryOf(a);
  const named = isNamed(a);
  const confidence = alertConfidence(a);
  // A strong alert weighs more than its severity alone; a weak ensemble blip less.
  const points = SEVERITY_POINTS[a.severity] * (0.5 + confidence);
  return { alert: a, category, pattern, actor: actorOf(a), named, points, confidence };
}

export function actorOf(a: StoredAlert): string | null {
  if (a.key && ENTITY_KEY.test(a.key)) return a.key;
  if (a.detector === 'ensemble' && a.key && !ENTITY_KEY.test(a.key)) return null;
  for (const type of ['ip', 'user', 'host']) {
    const e = a.entities.find((x) => x.type === type);
    if (e) return `${e.type}:${e.value}`;
  }
  return null;
}

function isNamed(a: StoredAlert): boolean {
  // A behaviour finding of a kind not listed here (a detector added since) stands alone when high.
  if (a.detector === 'behaviour') return a.kind in BEHAVIOUR_CATEGORY ? !a.kind.startsWith('anomalous_') : SEVERITY_RANK[a.severity] >= SEVERITY_RANK.high;
  if (a.detector === 'sigma') return a.details['kind'] === 'correlation' || SEVERITY_RANK[a.severity] >= SEVERITY_RANK.high;
  return SEVERITY_RANK[a.severity] >= SEVERITY_RANK.high;
}

function alertConfidence(a: StoredAlert): number {
  if (a.detector === 'behaviour') {
    if (a.kind.startsWith('anomalous_')) return 0.35;
    return clamp01(a.score ?? 0.6);
  }
  if (a.detector === 'sigma') {
    const base = { informational: 0.2, low: 0.35, medium: 0.5, high: 0.7, critical: 0.85 }[a.severity];
    return a.details['kind'] === 'correlation' ? Math.max(base, 0.75) : base;
  }
  if (a.detector === 'ensemble') {
    const threshold = Number(a.details['threshold']);
    const ratio = a.score !== null && threshold > 0 ? a.score / threshold : 1;
    return clamp01(0.2 + 0.15 * Math.log2(Math.max(1, ratio)));
  }
  return clamp01(a.score ?? 0.4);
}

function categoryOf(a: StoredAlert): { category: IncidentCategory; pattern: string | null } {
  if (a.detector === 'behaviour') return BEHAVIOUR_CATEGORY[a.kind] ?? { category: 'anomaly', pattern: a.kind };
  const tags = a.tags.map((t) => t.toLowerCase().replace(/-/g, '_'));
  const text = `${a.title} ${a.kind}`.toLowerCase();
  if (
    tags.some((t) => t.includes('misconfig')) ||
    /misconfig|permission denied|certificate (expired|invalid)|no such file or directory/.test(text)
  ) {
    return { category: 'misconfiguration', pattern: slug(a.title) };
  }
  if (
    tags.some((t) => /^attack\.t1110|^attack\.t1078|^attack\.credential_access$/.test(t)) &&
    !tags.some((t) => t.startsWith('attack.t1552'))
  ) {
    return { category: 'auth_attack', pattern: authPatternFromTags(tags, text) };
  }
  if (
    tags.some((t) => /^attack\.t1595|^attack\.t1190|^attack\.t1083|^attack\.t1552|^attack\.reconnaissance$/.test(t)) ||
    /scan|probe|injection|traversal/.test(text)
  ) {
    return { category: 'scanner', pattern: 'scanning' };
  }
  if (a.detector === 'ensemble' && a.kind === 'silence') return { category: 'anomaly', pattern: 'silence' };
  if (/\b5\d\d\b|server error|exception|crash|panic|segfault|out of memory/.test(text))
    return { category: 'app_error', pattern: slug(a.title) };
  return { category: 'anomaly', pattern: a.detector === 'sigma' ? slug(a.title) : `${a.detector}_${a.kind}` };
}

function authPatternFromTags(tags: string[], text: string): string {
  if (tags.includes('attack.t1110.004') || text.includes('stuffing'))
    return text.includes('success') ? 'possible_compromise' : 'credential_stuffing';
  if (tags.includes('attack.t1110.003') || text.includes('spray')) return 'password_spraying';
  if (tags.includes('attack.t1078') || /succeed|success/.test(text)) return 'possible_compromise';
  return 'brute_force';
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 60);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
