/**
 * One alert, many wire formats: the generic JSON webhook (with an HMAC-SHA256 signature), Slack
 * and Teams incoming webhooks, PagerDuty Events API v2, RFC 5424 syslog and JSON lines.
 */
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import type { AlertMessage } from '../../../src-shared/contract-alerting';
import type { IncidentSeverity } from '../../../src-shared/contract-incidents';

export const DEFAULT_SIGNATURE_HEADER = 'X-Vigil-Signature';
export const PAGERDUTY_ENDPOINT = 'https://events.pagerduty.com/v2/enqueue';

/** The message's first line, the same everywhere. */
export function headline(m: AlertMessage): string {
  const prefix = m.reason === 'test' ? '[test] ' : m.reason === 'updated' ? '[updated] ' : '';
  return `${prefix}${m.severity.toUpperCase()} · ${m.title}`;
}

function repeatsText(m: AlertMessage): string {
  return m.repeats > 0 ? ` (changed ${m.repeats} more time${m.repeats === 1 ? '' : 's'} since)` : '';
}

function facts(m: AlertMessage): [string, string][] {
  const out: [string, string][] = [
    ['Severity', m.severity],
    ['Priority', String(Math.round(m.priority))],
  ];
  if (m.category) out.push(['Category', m.pattern ? `${m.category} (${m.pattern})` : m.category]);
  if (m.groupKey) out.push(['Entity', m.groupKey]);
  out.push(['Events', String(m.eventCount)]);
  if (m.firstTs !== null) out.push(['First seen', new Date(m.firstTs).toISOString()]);
  if (m.lastTs !== null) out.push(['Last seen', new Date(m.lastTs).toISOString()]);
  if (m.incidentId) out.push(['Incident', m.incidentId]);
  out.push(['Case', m.caseName]);
  return out;
}

/** The generic webhook's body: the message itself, versioned. */
export function webhookBody(m: AlertMessage, deliveryId: string): string {
  return JSON.stringify({ version: 1, type: 'vigil.alert', deliveryId, alert: m });
}

/**
 * The signature a receiver recomputes: HMAC-SHA256 over `<timestamp>.<body>` with the shared key,
 * hex, as `sha256=<hex>`; the timestamp (Unix seconds) goes in X-Vigil-Timestamp, so a captured
 * request cannot be replayed later with a fresh time.
 */
export function sign(key: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
}

export function slackBody(m: AlertMessage): string {
  const text = `${headline(m)}${repeatsText(m)}`;
  return JSON.stringify({
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(headline(m), 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(m.summary + repeatsText(m)), 3000) } },
      {
        type: 'section',
        fields: facts(m)
          .slice(0, 10)
          .map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${escapeSlack(v)}`, 2000) })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Vigil · rule ${escapeSlack(m.rule ?? '(test)')}`, 300) }] },
    ],
  });
}

function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An Adaptive Card in a message, as Teams incoming webhooks (and Workflows) accept. */
export function teamsBody(m: AlertMessage): string {
  return JSON.stringify({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              size: 'Large',
              weight: 'Bolder',
              wrap: true,
              text: headline(m),
              color: m.severity === 'critical' || m.severity === 'high' ? 'Attention' : 'Default',
            },
            { type: 'TextBlock', wrap: true, text: m.summary + repeatsText(m) },
            { type: 'FactSet', facts: facts(m).map(([title, value]) => ({ title, value })) },
          ],
        },
      },
    ],
  });
}

const PD_SEVERITY: Record<IncidentSeverity, string> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  informational: 'info',
};

/** PagerDuty Events API v2 `trigger`; the dedup key makes PagerDuty fold repeats of one incident. */
export function pagerDutyBody(m: AlertMessage, routingKey: string): string {
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: m.incidentId ? `vigil-${m.incidentId}` : `vigil-test-${m.createdAt}`,
    payload: {
      summary: clip(headline(m), 1024),
      source: clip(`${hostname()} / ${m.caseName}`, 255),
      severity: PD_SEVERITY[m.severity],
      timestamp: new Date(m.lastTs ?? m.createdAt).toISOString(),
      component: m.pattern ?? undefined,
      group: m.groupKey ?? undefined,
      class: m.category ?? 'test',
      custom_details: {
        summary: m.summary,
        priority: m.priority,
        confidence: m.confidence,
        events: m.eventCount,
        alerts: m.alertCount,
        entities: m.entities.map((e) => `${e.type}:${e.value}`),
        tags: m.tags,
        repeats: m.repeats,
        rule: m.rule,
        incident: m.incidentId,
      },
    },
    client: 'Vigil',
  });
}

/** RFC 5424 severities: critical 2, error 3, warning 4, notice 5, informational 6. */
const SYSLOG_SEVERITY: Record<IncidentSeverity, number> = { critical: 2, high: 3, medium: 4, low: 5, informational: 6 };
/** The private enterprise number RFC 5612 reserves for documentation; our SD-ID lives under it. */
const SD_ID = 'vigil@32473';

export function syslogLine(m: AlertMessage, opts: { facility: number; appName: string; host?: string }): string {
  const pri = opts.facility * 8 + SYSLOG_SEVERITY[m.severity];
  const ts = new Date(m.createdAt).toISOString();
  const host = headerField(opts.host ?? hostname(), 255);
  const app = headerField(opts.appName, 48);
  const params: [string, string | number | null][] = [
    ['incident', m.incidentId],
    ['reason', m.reason],
    ['severity', m.severity],
    ['priority', Math.round(m.priority)],
    ['category', m.category],
    ['pattern', m.pattern],
    ['entity', m.groupKey],
    ['events', m.eventCount],
    ['repeats', m.repeats],
  ];
  const sd = `[${SD_ID}${params
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => ` ${k}="${sdEscape(String(v))}"`)
    .join('')}]`;
  const msg = `${headline(m)}: ${m.summary}${repeatsText(m)}`.replace(/[\r\n]+/g, ' ');
  return `<${pri}>1 ${ts} ${host} ${app} ${process.pid} alert ${sd} ${msg}`;
}

/** Header fields are printable US-ASCII without spaces; `-` stands for none. */
function headerField(s: string, max: number): string {
  const clean = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean || '-';
}

/** Inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash (RFC 5424 6.3.3). */
function sdEscape(s: string): string {
  return s.replace(/[\\"\]]/g, (c) => '\\' + c).replace(/[\r\n]+/g, ' ');
}

export function jsonLine(m: AlertMessage, deliveryId: string): string {
  return JSON.stringify({ deliveredAt: new Date().toISOString(), deliveryId, ...m }) + '\n';
}

export function desktopBody(m: AlertMessage): string {
  return clip(`${m.summary}${repeatsText(m)}`, 300);
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** A URL with its path, query and credentials elided: what the workbench may show of a secret URL. */
export function elideUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 || u.search ? '/…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
