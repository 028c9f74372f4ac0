/**
 * Campaigns in words: what the members share, how many, over how long, and who got in. Every
 * sentence restates counts the campaign step computed; nothing is guessed.
 */
import type { IncidentDraft } from './builder';
import { span, when } from './phrasing';

const PATTERN_WORDS: Record<string, string> = {
  brute_force: 'brute force',
  distributed_brute_force: 'dictionary attack',
  password_spraying: 'password spraying',
  credential_stuffing: 'credential stuffing',
  distributed_stuffing: 'credential stuffing',
  low_and_slow: 'low-and-slow guessing',
  scanning: 'scan',
  error_burst: 'error bursts',
};

function label(d: IncidentDraft): string {
  const c = d.campaign!;
  const ssh = c.services.some((s) => s.startsWith('sshd@'));
  const web = c.services.some((s) => s.startsWith('web ')) || c.family !== 'auth';
  let words = PATTERN_WORDS[d.pattern ?? ''] ?? (d.pattern ?? 'campaign').replace(/_/g, ' ');
  if (d.pattern === 'brute_force' && c.sharedKind === 'accounts' && c.shared.length >= 5) words = 'dictionary attack';
  if (d.pattern === 'distributed_brute_force' && c.sharedKind === 'accounts' && c.shared.length <= 3)
    words = `distributed brute force on ${c.shared.join(', ')}`;
  if (c.family === 'scan' && c.sharedKind === 'paths') words = 'probe wave';
  const where = ssh && !web ? 'SSH ' : web && !ssh && c.family === 'auth' ? 'Web login ' : c.family === 'scan' ? 'Web ' : '';
  const text = `${where}${words}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function list(items: string[], n: number): string {
  return items.slice(0, n).join(', ') + (items.length > n ? ', …' : '');
}

export function campaignSummary(d: IncidentDraft): string {
  const c = d.campaign!;
  const n = c.members.length;
  const over = d.firstTs !== null && d.lastTs !== null ? ` over ${span(d.lastTs - d.firstTs)}` : '';
  const what = c.sharedKind === 'paths' ? 'paths' : c.sharedKind === 'accounts' ? 'account names' : 'rules';
  const stuffing = d.pattern === 'distributed_stuffing' || d.pattern === 'credential_stuffing';
  const shared = !c.shared.length
    ? ''
    : stuffing
      ? `, ${c.shared.length}${c.shared.length >= 30 ? '+' : ''} different accounts tried about once each (${list(c.shared, 4)})`
      : c.shared.length <= 3 && c.sharedKind === 'accounts'
        ? `, all against ${list(c.shared, 3)}`
        : `, the same ${c.shared.length}${c.shared.length >= 30 ? '+' : ''} ${what} (${list(c.shared, 6)})`;
  const got = c.members.filter((m) => m.outcome === 'got_in');
  const outcome = got.length
    ? `${got.length} got in (${list(
        got.map((m) => m.ip),
        3,
      )}), each an incident of its own`
    : c.family === 'auth'
      ? 'no success'
      : 'nothing answered';
  return `${label(d)}: ${n} addresses${over}${shared}, ${outcome}.`;
}

export function campaignFacts(d: IncidentDraft): string[] {
  const c = d.campaign!;
  const facts: string[] = [];
  if (d.firstTs !== null && d.lastTs !== null)
    facts.push(`Active from ${when(d.firstTs)} to ${when(d.lastTs)} (${span(d.lastTs - d.firstTs)}).`);
  const tries = c.members.reduce((s, m) => s + m.tries, 0);
  const top = [...c.members].sort((a, b) => b.tries - a.tries).slice(0, 3);
  facts.push(
    `${c.members.length} addresses made ${tries} tries in all, ${(tries / Math.max(1, c.members.length)).toFixed(1)} each on average; the most active: ` +
      `${top.map((m) => `${m.ip} (${m.tries})`).join(', ')}.`,
  );
  const own = c.members.filter((m) => m.incidentId !== null).length;
  facts.push(
    `${c.memberIncidents} incident${c.memberIncidents === 1 ? '' : 's'} folded into this campaign; ` +
      `${c.members.length - own} of the addresses had too few tries for an incident of their own and were seen by the per-target detectors.`,
  );
  if (c.services.length) facts.push(`Target${c.services.length === 1 ? '' : 's'}: ${list(c.services, 5)}.`);
  if (c.shared.length)
    facts.push(
      `Shared ${c.sharedKind === 'paths' ? 'paths' : c.sharedKind === 'accounts' ? 'account names' : 'rules'}, most common first: ${list(c.shared, 15)}.`,
    );
  if (d.tags.length) facts.push(`ATT&CK: ${d.tags.map((t) => t.replace(/^attack\./, '').toUpperCase()).join(', ')}.`);
  return facts;
}

export function liftedSummary(d: IncidentDraft): string {
  const l = d.lifted!;
  if (d.category !== 'auth_attack') return `${l.ip} got a 2xx answer to an exploit path during a campaign (${l.tries} requests).`;
  const as = l.tried.length ? ` as ${list(l.tried, 3)}` : '';
  return `${l.ip} got in during a campaign: ${l.successes} successful login${l.successes === 1 ? '' : 's'}${as} after ${l.failures} failed tries.`;
}
