/**
 * Deterministic explanations: a short summary from the evidence, the detectors that fired and
 * why, and first-seen and rarity facts. Nothing here guesses; every sentence restates a count or
 * a time the detectors or the case hold.
 */
import type { IncidentExplanation } from '../../../src-shared/contract-incidents';
import { AUTH_PATTERNS, type ClassifiedAlert } from './classify';
import type { IncidentDraft } from './builder';
import { campaignFacts, campaignSummary, liftedSummary } from './explain-campaign';
import { span, when } from './phrasing';

export interface ExplainLookup {
  /** When the entity first appears in the case and how many events name it. */
  entity(type: string, value: string): { firstSeen: number | null; events: number } | null;
  totalEvents: number;
  /** Templates of these events with how often each occurs in the whole case. */
  templates(eventIds: readonly number[]): { template: string; count: number }[];
}

export function explain(d: IncidentDraft, lookup: ExplainLookup, campaign?: IncidentDraft): IncidentExplanation {
  if (d.campaign) return { summary: campaignSummary(d), detectors: detectorsOf(d), facts: campaignFacts(d) };
  const facts = factsOf(d, lookup);
  let summary = d.lifted ? liftedSummary(d) : summaryOf(d);
  if (campaign?.campaign) {
    const n = campaign.campaign.members.length;
    if (d.topLevel !== false) {
      summary += ` Part of a campaign of ${n} addresses: ${campaign.title}.`;
      facts.unshift(`Member of campaign ${campaign.id} (${n} addresses behaving alike); it got in, so it is an incident of its own.`);
    } else facts.unshift(`Member of campaign ${campaign.id} (${n} addresses behaving alike): the queue shows the campaign instead.`);
  }
  return { summary, detectors: detectorsOf(d), facts };
}

function summaryOf(d: IncidentDraft): string {
  const behaviour = d.alerts
    .filter((a) => a.alert.detector === 'behaviour' && typeof a.alert.details['summary'] === 'string')
    .sort((a, b) => seriousness(a) - seriousness(b) || (a.alert.firstTs ?? 0) - (b.alert.firstTs ?? 0));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const a of behaviour) {
    if (seen.has(a.alert.kind)) continue;
    seen.add(a.alert.kind);
    parts.push(String(a.alert.details['summary']));
    if (parts.length === 2) break;
  }
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (parts.length === 0) {
    const top = [...d.alerts].sort((a, b) => b.points - a.points)[0];
    const who = d.actor ? ` for ${d.actor.slice(d.actor.indexOf(':') + 1)}` : '';
    const rules = new Set(d.alerts.map((a) => a.alert.title));
    parts.push(
      `${top?.alert.title ?? d.title}${who}: ${count(d.alerts.length, 'alert')} from ${count(rules.size, 'rule')} and detector` +
        `${rules.size === 1 ? '' : 's'} in ${span((d.lastTs ?? 0) - (d.firstTs ?? 0))}`,
    );
  }
  const text = parts.join('; then ');
  // In the incident's detector order (strongest first), not in the order alerts were stored, which
  // depends on which thread of the detection pass raised them.
  const rank = (x: string) => (d.detectors.indexOf(x) + 1 || Infinity);
  const others = [...new Set(d.alerts.filter((a) => a.alert.detector !== 'behaviour').map((a) => a.alert.detector))].sort(
    (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const confirm = others.length && parts.length && behaviour.length ? `. Confirmed by ${listing(others.map(detectorName))}` : '';
  return capitalize(text) + confirm + '.';
}

function seriousness(a: ClassifiedAlert): number {
  const i = (AUTH_PATTERNS as readonly string[]).indexOf(a.alert.kind);
  return i === -1 ? 10 : i;
}

function detectorsOf(d: IncidentDraft): IncidentExplanation['detectors'] {
  const groups = new Map<string, ClassifiedAlert[]>();
  for (const a of [...d.alerts, ...d.context]) {
    const k = `${a.alert.detector}\0${a.alert.kind}`;
    const l = groups.get(k);
    if (l) l.push(a);
    else groups.set(k, [a]);
  }
  return [...groups.values()]
    .map((list) => {
      const a = list[0]!.alert;
      return {
        detector: a.detector,
        kind: a.kind,
        title: a.title,
        alerts: list.length,
        why: whyOf(list),
        points: list.reduce((s, x) => s + x.points, 0),
      };
    })
    .sort((a, b) => b.points - a.points)
    .map(({ points: _points, ...rest }) => rest);
}

function whyOf(list: ClassifiedAlert[]): string {
  const a = list[0]!.alert;
  const n = list.length;
  const times = n === 1 ? 'once' : `${n} times`;
  switch (a.detector) {
    case 'behaviour': {
      if (typeof a.details['summary'] === 'string')
        return `Behaviour pattern ${a.kind.replace(/_/g, ' ')} (confidence ${fmt(a.score)}): ${a.details['summary']}`;
      const best = Math.max(...list.map((x) => x.alert.score ?? 0));
      return `Isolation Forest ranked ${n === 1 ? 'this group' : `${n} groups`} among the most unusual (score up to ${fmt(best)})`;
    }
    case 'sigma': {
      const author = typeof a.details['author'] === 'string' ? ` by ${a.details['author']}` : '';
      const corr =
        a.details['kind'] === 'correlation'
          ? ` (${String((a.details['correlation'] as { type?: string } | undefined)?.type ?? 'correlation')} rule)`
          : '';
      return `Sigma rule "${a.title}"${author}${corr} matched ${times}`;
    }
    case 'ensemble': {
      const threshold = Number(a.details['threshold']);
      const best = list.reduce((m, x) => ((x.alert.score ?? 0) > (m.alert.score ?? 0) ? x : m), list[0]!).alert;
      const channels = Object.entries((best.details['contributions'] as Record<string, number | null> | undefined) ?? {})
        .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
        .sort((x, y) => y[1] - x[1])
        .slice(0, 2)
        .map(([k, v]) => `${k.replace(/_/g, '-')} ${fmt(v)}`);
      return (
        `Streaming ensemble on ${a.key ?? 'the source'}: blended score ${fmt(best.score)} over its EVT threshold ${fmt(threshold)} ${times}` +
        (channels.length ? `; driven by ${channels.join(', ')}` : '')
      );
    }
    default:
      return `${detectorName(a.detector)}: ${a.title} (${times})`;
  }
}

function factsOf(d: IncidentDraft, lookup: ExplainLookup): string[] {
  const facts: string[] = [];
  if (d.firstTs !== null && d.lastTs !== null)
    facts.push(`Active from ${when(d.firstTs)} to ${when(d.lastTs)} (${span(d.lastTs - d.firstTs)}).`);
  if (d.actor) {
    const at = d.actor.indexOf(':');
    const type = d.actor.slice(0, at);
    const value = d.actor.slice(at + 1);
    const info = lookup.entity(type, value);
    if (info) {
      if (info.firstSeen !== null && d.firstTs !== null) {
        facts.push(
          info.firstSeen >= d.firstTs - 60_000
            ? `${value} was first seen in the case with this incident, at ${when(info.firstSeen)}: nothing earlier.`
            : `${value} was first seen in the case at ${when(info.firstSeen)}, ${span(d.firstTs - info.firstSeen)} before this incident.`,
        );
      }
      if (lookup.totalEvents > 0) {
        const pct = (100 * info.events) / lookup.totalEvents;
        facts.push(`${info.events} of the case's ${lookup.totalEvents} events name ${value} (${pct < 0.1 ? '<0.1' : pct.toFixed(1)}%).`);
      }
    }
  }
  const users = d.entities.filter((e) => e.type === 'user');
  if (users.length > 1)
    facts.push(
      `${users.length} distinct user names are involved: ${users
        .slice(0, 5)
        .map((u) => u.value)
        .join(', ')}${users.length > 5 ? ', …' : ''}.`,
    );
  const templates = lookup.templates(d.evidence.slice(0, 2000));
  if (templates.length && lookup.totalEvents > 0) {
    const rarest = [...templates].sort((a, b) => a.count - b.count)[0]!;
    const share = rarest.count / lookup.totalEvents;
    facts.push(
      `The evidence falls into ${templates.length} template${templates.length === 1 ? '' : 's'}; the rarest, "${clip(rarest.template, 90)}", ` +
        `occurs ${rarest.count} time${rarest.count === 1 ? '' : 's'} in the case${share < 0.001 ? ' (rare)' : ''}.`,
    );
  }
  if (d.tags.length) facts.push(`ATT&CK: ${d.tags.map((t) => t.replace(/^attack\./, '').toUpperCase()).join(', ')}.`);
  return facts;
}

function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function detectorName(d: string): string {
  return d === 'sigma'
    ? 'Sigma'
    : d === 'behaviour'
      ? 'the behaviour models'
      : d === 'ensemble'
        ? 'the streaming ensemble'
        : d === 'graph'
          ? 'the entity graph'
          : d;
}

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '?';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
