/**
 * Delivery of one alert to one sink. Throws a DeliveryError on failure; `permanent` failures
 * (a 4xx other than 408/429, a missing secret) are not worth retrying.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { appendFile, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { AlertMessage, DesktopNotification, SinkSecrets } from '../../../src-shared/contract-alerting';
import {
  DEFAULT_SIGNATURE_HEADER,
  PAGERDUTY_ENDPOINT,
  desktopBody,
  headline,
  jsonLine,
  pagerDutyBody,
  sign,
  slackBody,
  syslogLine,
  teamsBody,
  webhookBody,
} from './format';
import type { StoredSink } from './store';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

export interface DeliveryContext {
  outboxId: number;
  notify(n: DesktopNotification): void;
  timeoutMs: number;
}

export async function deliver(sink: StoredSink, secrets: SinkSecrets | null, m: AlertMessage, ctx: DeliveryContext): Promise<void> {
  const deliveryId = `${ctx.outboxId}-${randomUUID()}`;
  switch (sink.kind) {
    case 'desktop':
      ctx.notify({ outboxId: ctx.outboxId, incidentId: m.incidentId, title: headline(m), body: desktopBody(m), severity: m.severity });
      return;
    case 'webhook': {
      const url = need(secrets?.url, 'a URL');
      const body = webhookBody(m, deliveryId);
      // The analyst's headers first; ours replace any of the same name (header names ignore case).
      const headers = new Headers(secrets?.headers ?? {});
      headers.set('Content-Type', 'application/json');
      headers.set('User-Agent', 'Vigil-Alerts/1');
      headers.set('X-Vigil-Delivery', deliveryId);
      if (secrets?.hmacKey) {
        const ts = Math.floor(Date.now() / 1000);
        headers.set('X-Vigil-Timestamp', String(ts));
        headers.set(sink.settings.signatureHeader || DEFAULT_SIGNATURE_HEADER, sign(secrets.hmacKey, ts, body));
      }
      await post(url, body, headers, ctx.timeoutMs);
      return;
    }
    case 'slack':
      await post(need(secrets?.url, 'the incoming webhook URL'), slackBody(m), { 'Content-Type': 'application/json' }, ctx.timeoutMs);
      return;
    case 'teams':
      await post(need(secrets?.url, 'the incoming webhook URL'), teamsBody(m), { 'Content-Type': 'application/json' }, ctx.timeoutMs);
      return;
    case 'pagerduty': {
      const key = need(secrets?.routingKey, 'a routing key');
      await post(
        sink.settings.endpoint || PAGERDUTY_ENDPOINT,
        pagerDutyBody(m, key),
        { 'Content-Type': 'application/json' },
        ctx.timeoutMs,
      );
      return;
    }
    case 'syslog': {
      const s = sink.settings;
      const line = syslogLine(m, { facility: s.facility ?? 13, appName: s.appName || 'vigil' });
      if ((s.protocol ?? 'udp') === 'tcp') await sendTcp(s.host ?? '127.0.0.1', s.port ?? 514, line, ctx.timeoutMs);
      else await sendUdp(s.host ?? '127.0.0.1', s.port ?? 514, line);
      return;
    }
    case 'jsonl': {
      const path = sink.settings.path;
      if (!path) throw new DeliveryError('no file path is set', true);
      try {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, jsonLine(m, deliveryId), { mode: 0o600 });
      } catch (err) {
        throw new DeliveryError(`cannot append to ${path}: ${(err as Error).message}`);
      }
      return;
    }
  }
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new DeliveryError(`the sink has no ${what}; edit it and enter one`, true);
  return v;
}

async function post(url: string, body: string, headers: Headers | Record<string, string>, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new DeliveryError(`${safeOrigin(url)}: ${why}`);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(`${safeOrigin(url)} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, permanent);
}

/** Errors name the host only: the path of an incoming-webhook URL is its token. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the URL';
  }
}

function sendUdp(host: string, port: number, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', (err) => {
      sock.close();
      reject(new DeliveryError(`syslog udp://${host}:${port}: ${err.message}`));
    });
    sock.send(Buffer.from(line, 'utf8'), port, host, (err) => {
      sock.close();
      if (err) reject(new DeliveryError(`syslog udp://${host}:${port}: ${err.message}`));
      else resolve();
    });
  });
}

/** RFC 6587 octet counting: `<length> <message>`, one connection per delivery. */
function sendTcp(host: string, port: number, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(line, 'utf8');
    const sock = connect({ host, port });
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    sock.once('error', (err) => reject(new DeliveryError(`syslog tcp://${host}:${port}: ${err.message}`)));
    sock.once('connect', () => {
      sock.end(Buffer.concat([Buffer.from(`${payload.length} `), payload]), () => resolve());
    });
  });
}
