/**
 * Campaigns (DESIGN.md step 10): incidents of many actors that behave alike become one row.
 *
 * A step after incident building. Each incident's behaviour is a set of tokens: the account
 * names it tried, the paths it asked for, the rules it hit. Incidents of one family (guessing
 * logins, scanning, error bursts) are clustered greedily in time order: an incident joins the
 * cluster whose vocabulary holds most of its tokens, weighted by rarity (IDF over the family, so
 * `root` or `/` alone binds nothing), when it starts within `RECUR_GAP_MS` of the cluster's last
 * activity; otherwise it starts a cluster. Population findings (a service or an account hit from
 * many sources, whose sources they list) seed clusters first, so bots too quiet for an incident of
 * their own are still members.
 *
 * A cluster with at least two member addresses is a campaign: one top-level row with its members
 * (every address with first and last seen, tries, outcome, evidence), the shared behaviour in
 * words, and its member incidents kept but out of the queue. A member that got in (success after
 * failures, a login of a stuffed account, a 2xx answer to an exploit path) is lifted: its incident
 * stays on top, critical, linked to the campaign.
 */
import { createHash } from 'node:crypto';
import type { ClassifiedAlert } from './classify';
import { type IncidentDraft, PATTERN_TITLES, finishContext, incidentId } from './builder';
import { type CampaignMember, type Family, type Profile, gotIn, mergeMember, profileOf, triesOf, untoken } from './campaign-profile';

export type { CampaignMember } from './campaign-profile';

export const RECUR_GAP_MS = 3 * 86_400_000;
/** Share of an incident's token weight that a cluster's vocabulary must hold. */
const MIN_CONTAINMENT = 0.6;
const MAX_CAMPAIGN_EVIDENCE = 5000;
/** A single actor with this many times the tries of a population's typical member is not one of them. */
const HEAVY_FACTOR = 5;

export interface CampaignFacts {
  family: Family;
  members: CampaignMember[];
  /** The tokens most members share, most shared first. */
  shared: string[];
  sharedKind: 'accounts' | 'paths' | 'rules';
  services: string[];
  memberIncidents: number;
}
interface Cluster {
  family: Family;
  group: string | null;
  vocabulary: Map<string, number>;
  /** Tokens a population finding brought: the dictionary of many bots at once. */
  seeded: Set<string>;
  services: Set<string>;
  /** Member incidents of single actors, for the core's threshold. */
  singles: number;
  /** Median tries of the members a population finding brought, or null. */
  typicalTries: number | null;
  profiles: Profile[];
  first: number;
  last: number;
}

/** Groups drafts into campaigns; returns the drafts with campaign rows added and members marked. */
export function groupCampaigns(drafts: IncidentDraft[]): IncidentDraft[] {
  const profiles = drafts.map(profileOf).filter((p): p is Profile => p !== null);
  const out = [...drafts];
  for (const family of ['auth', 'scan', 'errors'] as const) {
    const mine = profiles.filter((p) => p.family === family);
    if (mine.length === 0) continue;
    const idf = idfOf(mine);
    const clusters: Cluster[] = [];
    // Population findings first (they know most of the vocabulary), then in time order, and
    // compromises last, once the campaigns they may belong to exist.
    const rank = (p: Profile) => (p.population ? 0 : p.group === null ? 2 : 1);
    mine.sort((a, b) => rank(a) - rank(b) || (a.draft.firstTs ?? 0) - (b.draft.firstTs ?? 0) || a.draft.id.localeCompare(b.draft.id));
    for (const p of mine) {
      const best = bestCluster(p, clusters, idf);
      if (best) join(best, p);
      else {
        const fresh: Cluster = {
          family,
          group: p.group,
          vocabulary: new Map(),
          seeded: new Set(),
          services: new Set(),
          singles: 0,
          typicalTries: null,
          profiles: [],
          first: Infinity,
          last: -Infinity,
        };
        clusters.push(fresh);
        join(fresh, p);
      }
    }
    for (const c of clusters) out.push(...campaignOf(c));
  }
  return out;
}
function idfOf(profiles: Profile[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const p of profiles) for (const t of p.tokens) df.set(t, (df.get(t) ?? 0) + 1);
  const n = profiles.length;
  const idf = new Map<string, number>();
  for (const [t, k] of df) idf.set(t, Math.log(1 + n / k));
  return idf;
}

/** A token most of the cluster shares: brought by a population finding, or in a fifth of its incidents. */
function inCore(c: Cluster, t: string): boolean {
  return c.seeded.has(t) || (c.vocabulary.get(t) ?? 0) >= Math.max(1, 0.2 * c.singles);
}

function bestCluster(p: Profile, clusters: Cluster[], idf: Map<string, number>): Cluster | null {
  const first = p.draft.firstTs ?? 0;
  let total = 0;
  for (const t of p.tokens) total += idf.get(t) ?? 0;
  let best: Cluster | null = null;
  let bestScore = 0;
  for (const c of clusters) {
    if (p.group !== null && c.group !== p.group) continue;
    if (first > c.last + RECUR_GAP_MS || (p.draft.lastTs ?? first) < c.first - RECUR_GAP_MS) continue;
    if (p.services.size > 0 && c.services.size > 0 && ![...p.services].some((s) => c.services.has(s))) continue;
    // Alike means alike in volume too: one address hammering root 200 times is not one of the
    // bots that try it three times each (a compromise joins whatever it came from).
    if (!p.population && p.group !== null && c.typicalTries !== null && triesOf(p.draft) > HEAVY_FACTOR * Math.max(3, c.typicalTries))
      continue;
    let held = 0;
    for (const t of p.tokens) if (inCore(c, t)) held += idf.get(t) ?? 0;
    const score = total > 0 ? held / total : 0;
    // The same addresses seen by two detectors bind, as long as they did not do something else.
    let shared = 0;
    for (const ip of p.members.keys()) if (c.profiles.some((q) => q.members.has(ip))) shared++;
    const byMembers = shared > 0 && shared >= Math.min(3, p.members.size) && (total === 0 || score >= 0.3);
    if ((score >= MIN_CONTAINMENT || byMembers) && score + (byMembers ? 1 : 0) > bestScore) {
      bestScore = score + (byMembers ? 1 : 0);
      best = c;
    }
  }
  return best;
}

function join(c: Cluster, p: Profile): void {
  c.profiles.push(p);
  if (!p.population) c.singles++;
  for (const t of p.tokens) {
    c.vocabulary.set(t, (c.vocabulary.get(t) ?? 0) + 1);
    if (p.population) c.seeded.add(t);
  }
  for (const s of p.services) c.services.add(s);
  if (p.population && c.typicalTries === null && p.members.size > 0) {
    const tries = [...p.members.values()].map((m) => m.tries).sort((a, b) => a - b);
    c.typicalTries = tries[Math.floor(tries.length / 2)]!;
  }
  c.first = Math.min(c.first, p.draft.firstTs ?? c.first);
  c.last = Math.max(c.last, p.draft.lastTs ?? c.last);
}

function campaignOf(c: Cluster): IncidentDraft[] {
  const members = new Map<string, CampaignMember>();
  for (const p of c.profiles)
    for (const m of p.members.values()) {
      // A population finding lists every source that failed on its target; only those that tried
      // what the campaign shares are its members (another attacker on the same host is not).
      if (p.population && m.tried.length > 0 && c.family === 'auth' && !m.tried.some((u) => inCore(c, `u:${u}`))) continue;
      mergeMember(members, m);
    }
  const hasPopulation = c.profiles.some((p) => p.population);
  // A campaign stands for members that did not get in; two successes that look alike are two rows.
  const standing = [...members.values()].filter((m) => m.outcome !== 'got_in').length;
  if (standing < 2 || (c.profiles.length < 2 && !hasPopulation)) return [];

  const memberList = [...members.values()].sort(
    (a, b) => Number(b.lifted) - Number(a.lifted) || b.tries - a.tries || a.firstTs - b.firstTs || (a.ip < b.ip ? -1 : 1),
  );
  // What the members share, in the terms that say most: accounts, else paths, else rules.
  const has = (prefix: string) => [...c.vocabulary.keys()].some((t) => t.startsWith(prefix));
  const kind = has('u:') ? 'accounts' : has('p:') ? 'paths' : 'rules';
  const prefix = kind === 'accounts' ? 'u:' : kind === 'paths' ? 'p:' : 'rule:';
  const shared = [...c.vocabulary.entries()].filter(([t]) => t.startsWith(prefix)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const services = [...c.services].sort();
  const first = Math.min(...memberList.map((m) => m.firstTs));
  const id =
    'cmp_' +
    createHash('sha256')
      .update(
        `${c.family}|${shared
          .slice(0, 5)
          .map(([t]) => t)
          .join(',')}|${services.join(',')}|${Math.floor(first / 3_600_000)}`,
      )
      .digest('hex')
      .slice(0, 16);

  const alerts: ClassifiedAlert[] = [];
  const seen = new Set<number>();
  // The row stands for the members that did not get in: a benign label on it must not tune away
  // what made a lifted member an incident of its own.
  for (const p of c.profiles.filter((q) => !gotIn(q.draft)))
    for (const a of p.draft.alerts) {
      if (seen.has(a.alert.id)) continue;
      seen.add(a.alert.id);
      alerts.push(a);
    }
  const campaign: IncidentDraft = {
    id,
    category: c.profiles[0]!.draft.category,
    pattern: campaignPattern(c),
    title: '',
    severity: 'informational',
    confidence: 0,
    priority: 0,
    firstTs: Math.min(...c.profiles.map((p) => p.draft.firstTs ?? Infinity)),
    lastTs: Math.max(...c.profiles.map((p) => p.draft.lastTs ?? -Infinity)),
    groupKey: `campaign:${id.slice(4)}`,
    actor: null,
    entities: [],
    tags: [],
    detectors: [],
    alerts,
    context: [],
    evidence: [],
    points: 0,
    kind: 'campaign',
  };
  finishContext(campaign);
  // Its members' evidence, a few lines each, before the bulk of any one of them.
  const ev = new Set<number>();
  for (const m of memberList) for (const e of m.evidence) if (ev.size < MAX_CAMPAIGN_EVIDENCE) ev.add(e);
  for (const p of c.profiles) for (const e of p.draft.evidence) if (ev.size < MAX_CAMPAIGN_EVIDENCE) ev.add(e);
  campaign.evidence = [...ev].sort((a, b) => a - b);
  // The row stands for the many that did not get in: those that did are rows of their own.
  if (campaign.severity === 'critical') campaign.severity = 'high';
  campaign.priority = Math.min(campaign.priority, 74);
  campaign.memberCount = memberList.length;
  campaign.campaign = {
    family: c.family,
    members: memberList,
    shared: shared.slice(0, 30).map(([t]) => untoken(t)),
    sharedKind: kind,
    services,
    memberIncidents: c.profiles.length,
  };
  campaign.title = `${PATTERN_TITLES[campaign.pattern ?? ''] ?? 'Campaign'} campaign: ${memberList.length} addresses${services.length === 1 ? ` on ${services[0]}` : ''}`;
  for (const p of c.profiles) {
    p.draft.campaignId = id;
    p.draft.topLevel = gotIn(p.draft);
    if (p.draft.topLevel) {
      p.draft.severity = 'critical';
      p.draft.priority = Math.max(p.draft.priority, 80);
    }
  }
  const liftedDrafts: IncidentDraft[] = [];
  for (const m of memberList) {
    if (m.outcome !== 'got_in' || m.incidentId !== null) continue;
    const d = liftedDraft(m, campaign, c);
    m.incidentId = d.id;
    m.lifted = true;
    liftedDrafts.push(d);
  }
  return [campaign, ...liftedDrafts];
}

/** A member that got in with no incident of its own (a stuffed account that worked): it gets one. */
function liftedDraft(m: CampaignMember, campaign: IncidentDraft, c: Cluster): IncidentDraft {
  const alerts = campaign.alerts.filter(
    (a) => Array.isArray(a.alert.details['members']) && (a.alert.details['members'] as { ip?: string }[]).some((x) => x.ip === m.ip),
  );
  const d: IncidentDraft = {
    id: incidentId(`ip:${m.ip}|${campaign.id}`, m.firstTs),
    category: campaign.category,
    pattern: c.family === 'auth' ? 'possible_compromise' : campaign.pattern,
    title: `${c.family === 'auth' ? 'Got in' : 'Exploit answered'} during a campaign: ${m.ip}${m.tried.length ? ` as ${m.tried.slice(0, 3).join(', ')}` : ''}`,
    severity: 'critical',
    confidence: 0,
    priority: 0,
    firstTs: m.firstTs,
    lastTs: m.lastTs,
    groupKey: `ip:${m.ip}`,
    actor: `ip:${m.ip}`,
    entities: [],
    tags: [],
    detectors: [],
    alerts,
    context: [],
    evidence: [],
    points: 0,
    kind: 'incident',
    campaignId: campaign.id,
    topLevel: true,
  };
  finishContext(d);
  d.severity = 'critical';
  d.priority = Math.max(d.priority, 80);
  d.evidence = [...m.evidence].sort((a, b) => a - b);
  d.entities = [
    { type: 'ip', value: m.ip, role: 'actor', mentions: 1 },
    ...(c.family === 'auth' ? m.tried.map((u) => ({ type: 'user', value: u, role: 'target' as const, mentions: 1 })) : []),
  ];
  d.lifted = { ip: m.ip, tries: m.tries, failures: m.failures, successes: m.successes, tried: m.tried };
  return d;
}

function campaignPattern(c: Cluster): string | null {
  const counts = new Map<string, number>();
  for (const p of c.profiles) {
    const pat = p.draft.pattern;
    if (!pat || pat === 'possible_compromise') continue;
    counts.set(pat, (counts.get(pat) ?? 0) + (p.population ? 1000 : 1));
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? c.profiles[0]!.draft.pattern;
}
