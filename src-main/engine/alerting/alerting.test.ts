import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertingChange, DesktopNotification, SinkRow } from '../../../src-shared/contract-alerting';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';
import { CaseBus } from '../session/bus';
import { Alerting, type AlertingHost } from './index';
import { evaluateIncidents } from './evaluate';
import { KEYCHAIN_CHANNEL, type KeychainReply, type KeychainRequest } from './keychain';
import { SECRETS_FILE } from './secrets';
import { HttpReceiver, SyslogReceiver } from './test-receivers';

interface Harness {
  db: Database;
  dataDir: string;
  alerting: Alerting;
  notes: DesktopNotification[];
  changes: AlertingChange[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real case file with alerting opened on it, as the engine does when a case opens. */
function harness(): Harness {
  const dir = tempDir('vigil-alerting-');
  const store = CaseDb.create(join(dir, 'case.vigil'), 'Alert case');
  const dataDir = join(dir, 'data');
  const notes: DesktopNotification[] = [];
  const changes: AlertingChange[] = [];
  const host: AlertingHost = {
    emit: (name, payload) => {
      if (name === 'alerting.notify') notes.push(payload as DesktopNotification);
      if (name === 'alerting.changed') changes.push(payload as AlertingChange);
    },
    dataDir,
  };
  const alerting = new Alerting(store.db, host, new CaseBus());
  alerting.start();
  cleanups.push(async () => {
    await alerting.stop();
    store.close();
  });
  return { db: store.db, dataDir, alerting, notes, changes };
}

let seq = 0;
/** An incident row as the builder writes it. */
function putIncident(
  db: Database,
  o: { id?: string; severity?: string; category?: string; priority?: number; alerts?: number; lastTs?: number; key?: string } = {},
): string {
  const id = o.id ?? `inc_${++seq}`;
  const key = o.key ?? `ip:203.0.113.${seq}`;
  db.prepare(
    `INSERT INTO incidents (id, category, pattern, title, severity, confidence, priority, first_ts, last_ts, group_key, entities, tags, detectors,
       evidence, event_count, alert_count, summary, explanation, risk) VALUES (?, ?, 'brute_force', ?, ?, 0.9, ?, 1000, ?, ?, ?, '["attack.t1110"]', '["behaviour"]', '[]', 42, ?, ?, '{}', 50)
     ON CONFLICT(id) DO UPDATE SET alert_count = excluded.alert_count, last_ts = excluded.last_ts, severity = excluded.severity`,
  ).run(
    id,
    o.category ?? 'auth_attack',
    `Brute force from ${key.slice(3)}`,
    o.severity ?? 'high',
    o.priority ?? 80,
    o.lastTs ?? 2000,
    key,
    JSON.stringify([{ type: 'ip', value: key.slice(3), role: 'actor' }]),
    o.alerts ?? 1,
    `Brute force: 1 IP tried 12 users with ${o.alerts ?? 1} alerts`,
  );
  return id;
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function statuses(db: Database): string[] {
  return db.prepare('SELECT status FROM alert_outbox ORDER BY id').pluck().all() as string[];
}

describe('sinks: what each receiver gets', () => {
  it('webhook (custom header, HMAC the receiver verifies), Slack, Teams, PagerDuty v2, syslog UDP/TCP, JSON lines, desktop', async () => {
    const h = harness();
    const http = new HttpReceiver();
    const base = await http.start();
    const syslog = new SyslogReceiver();
    const ports = await syslog.start();
    cleanups.push(
      () => http.close(),
      () => syslog.close(),
    );
    const jsonl = join(h.dataDir, 'alerts', 'out.jsonl');
    const key = 'hmac-shared-secret';
    const sinks: SinkRow[] = [
      await h.alerting.saveSink(
        sinkInput('webhook', {
          secrets: {
            url: `${base}/hook?token=t0p`,
            headers: { Authorization: 'Bearer abc123', 'content-type': 'text/plain' },
            hmacKey: key,
          },
        }),
      ),
      await h.alerting.saveSink(sinkInput('slack', { secrets: { url: `${base}/services/T000/B000/XXXX` } })),
      await h.alerting.saveSink(sinkInput('teams', { secrets: { url: `${base}/teams/webhookb2/abc` } })),
      await h.alerting.saveSink(
        sinkInput('pagerduty', {
          settings: { endpoint: `${base}/v2/enqueue` },
          secrets: { routingKey: 'R0UT1NGKEY0123456789012345678901' },
        }),
      ),
      await h.alerting.saveSink(sinkInput('syslog', { settings: { host: '127.0.0.1', port: ports.udpPort, protocol: 'udp' } })),
      await h.alerting.saveSink(
        sinkInput('syslog', { settings: { host: '127.0.0.1', port: ports.tcpPort, protocol: 'tcp', facility: 4 } }),
      ),
      await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: jsonl } })),
      await h.alerting.saveSink(sinkInput('desktop')),
    ];
    // Secrets are not in the case and not in what the workbench sees.
    const caseText = JSON.stringify(h.db.prepare('SELECT * FROM alert_sinks').all());
    for (const secret of ['t0p', 'abc123', key, 'R0UT1NGKEY', 'XXXX']) expect(caseText).not.toContain(secret);
    expect(JSON.stringify(await h.alerting.settings())).not.toContain('t0p');
    expect(sinks[0]).toMatchObject({ target: `${base}/…`, headerNames: ['Authorization', 'content-type'], hmac: true, secret: 'stored' });
    const secretsFile = join(h.dataDir, SECRETS_FILE);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretsFile, 'utf8')).toContain('t0p');

    h.alerting.saveRule(ruleInput(sinks.map((s) => s.id)));
    const inc = putIncident(h.db, { severity: 'critical', priority: 95, alerts: 3, key: 'ip:198.51.100.7' });
    h.db.transaction(() => h.alerting.afterIncidents(false))();

    const got = await http.waitFor(4);
    const hook = got.find((r) => r.path === '/hook?token=t0p')!;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers.authorization).toBe('Bearer abc123');
    const ts = hook.headers['x-vigil-timestamp'] as string;
    const expected = 'sha256=' + createHmac('sha256', key).update(`${ts}.${hook.body}`).digest('hex');
    expect(hook.headers['x-vigil-signature']).toBe(expected);
    const body = JSON.parse(hook.body);
    expect(body).toMatchObject({
      version: 1,
      type: 'vigil.alert',
      alert: { reason: 'new', incidentId: inc, severity: 'critical', groupKey: 'ip:198.51.100.7', caseName: 'Alert case' },
    });

    const slack = JSON.parse(got.find((r) => r.path.startsWith('/services/'))!.body);
    expect(slack.text).toContain('CRITICAL · Brute force from 198.51.100.7');
    expect(slack.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'context']);

    const teams = JSON.parse(got.find((r) => r.path.startsWith('/teams/'))!.body);
    expect(teams.type).toBe('message');
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(JSON.stringify(teams.attachments[0].content.body)).toContain('198.51.100.7');

    const pd = JSON.parse(got.find((r) => r.path === '/v2/enqueue')!.body);
    expect(pd).toMatchObject({ routing_key: 'R0UT1NGKEY0123456789012345678901', event_action: 'trigger', dedup_key: `vigil-${inc}` });
    expect(pd.payload).toMatchObject({ severity: 'critical', class: 'auth_attack', component: 'brute_force', group: 'ip:198.51.100.7' });
    expect(new Date(pd.payload.timestamp).toISOString()).toBe(pd.payload.timestamp);
    expect(pd.payload.summary.length).toBeLessThanOrEqual(1024);

    // RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG; facility 13 (audit) x8 + 2 (critical).
    const udp = await syslog.waitFor('udp');
    expect(udp).toMatch(
      /^<106>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ vigil \d+ alert \[vigil@32473 incident="[^"]+" reason="new" severity="critical"/,
    );
    expect(udp).toContain(`incident="${inc}"`);
    // Over TCP, octet counting (RFC 6587): the length prefix matches the message's bytes.
    const tcp = await syslog.waitFor('tcp');
    const m = /^(\d+) (.*)$/s.exec(tcp)!;
    expect(Buffer.byteLength(m[2]!)).toBe(Number(m[1]));
    expect(m[2]).toMatch(/^<34>1 /);

    await waitUntil('the JSON line and the desktop notification', () => h.notes.length === 1 && statuses(h.db).every((s) => s === 'sent'));
    const line = JSON.parse(readFileSync(jsonl, 'utf8').trim());
    expect(line).toMatchObject({ incidentId: inc, reason: 'new', severity: 'critical' });
    expect(h.notes[0]).toMatchObject({ incidentId: inc, severity: 'critical', title: 'CRITICAL · Brute force from 198.51.100.7' });
    expect(statuses(h.db)).toEqual(Array(8).fill('sent'));
    const history = h.alerting.history(inc, 100);
    expect(history.filter((r) => r.event === 'sent')).toHaveLength(8);
    expect(history.filter((r) => r.event === 'queued')).toHaveLength(8);
  });

  it('a test alert goes out now and says how it went; a bad sink is refused with the reason', async () => {
    const h = harness();
    const http = new HttpReceiver();
    const base = await http.start();
    cleanups.push(() => http.close());
    const sink = await h.alerting.saveSink(sinkInput('webhook', { secrets: { url: `${base}/t` } }));
    expect(await h.alerting.testSink(sink.id)).toMatchObject({ status: 'sent', error: null });
    expect(JSON.parse(http.requests[0]!.body).alert).toMatchObject({ reason: 'test', incidentId: null });
    expect(http.requests[0]!.headers['x-vigil-signature']).toBeUndefined();

    await expect(h.alerting.saveSink(sinkInput('webhook', { secrets: { url: 'ftp://example.org/x' } }))).rejects.toMatchObject({
      code: 'invalid_input',
      message: /http/,
    });
    await expect(h.alerting.saveSink(sinkInput('pagerduty'))).rejects.toMatchObject({ code: 'invalid_input', message: /routing key/ });
    await expect(h.alerting.saveSink(sinkInput('jsonl', { settings: { path: 'relative.jsonl' } }))).rejects.toMatchObject({
      code: 'invalid_input',
      message: /absolute/,
    });
    expect(() => h.alerting.saveRule(ruleInput(['nope']))).toThrow(/Unknown sink/);
  });
});

describe('delivery: retries, dead letters', () => {
  it('retries a receiver that fails twice, with growing waits, and delivers on the third attempt', async () => {
    const h = harness();
    const http = new HttpReceiver();
    http.statuses = [503, 500, 200];
    const base = await http.start();
    cleanups.push(() => http.close());
    const sink = await h.alerting.saveSink(sinkInput('webhook', { secrets: { url: `${base}/flaky` }, backoffMs: 300, maxAttempts: 5 }));
    h.alerting.saveRule(ruleInput([sink.id]));
    const inc = putIncident(h.db);
    h.db.transaction(() => h.alerting.afterIncidents(false))();

    await http.waitFor(3);
    await waitUntil('the alert to be sent', () => statuses(h.db)[0] === 'sent');
    const row = h.alerting.listOutbox(undefined, 10)[0]!;
    expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    const events = h.alerting
      .history(inc, 100)
      .map((r) => r.event)
      .reverse();
    expect(events).toEqual(['queued', 'retrying', 'retrying', 'sent']);
    const retries = h.alerting
      .history(inc, 100)
      .filter((r) => r.event === 'retrying')
      .reverse();
    expect(retries[0]!.detail).toMatch(/HTTP 503.*attempt 2 of 5 in 0\.3 s/);
    expect(retries[1]!.detail).toMatch(/HTTP 500.*attempt 3 of 5 in 0\.[67] s/);
  });

  it('after max attempts an alert becomes a dead letter; retry sends it again, discard sets it aside', async () => {
    const h = harness();
    const http = new HttpReceiver();
    http.statuses = [500];
    const base = await http.start();
    cleanups.push(() => http.close());
    const sink = await h.alerting.saveSink(sinkInput('webhook', { secrets: { url: `${base}/down` }, backoffMs: 100, maxAttempts: 3 }));
    h.alerting.saveRule(ruleInput([sink.id]));
    const inc = putIncident(h.db);
    h.db.transaction(() => h.alerting.afterIncidents(false))();

    await waitUntil('the dead letter', () => statuses(h.db)[0] === 'dead');
    expect(http.requests).toHaveLength(3);
    const dead = h.alerting.listOutbox('dead', 10);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ incidentId: inc, attempts: 3, lastError: expect.stringMatching(/HTTP 500/) });
    expect(h.alerting.history(inc, 10)[0]).toMatchObject({ event: 'failed', detail: expect.stringMatching(/gave up after 3 attempts/) });

    // The receiver is back: the analyst retries the dead letter.
    http.statuses = [200];
    expect(h.alerting.retryDead([dead[0]!.id])).toBe(1);
    await waitUntil('the retried alert', () => statuses(h.db)[0] === 'sent');
    expect(http.requests).toHaveLength(4);
    expect(h.alerting.listOutbox('dead', 10)).toHaveLength(0);

    // A 4xx that is not 408/429 will not get better by retrying: dead at once.
    http.statuses = [404];
    h.db.transaction(() => {
      putIncident(h.db, { id: inc, alerts: 5, lastTs: 9000 });
    })();
    const other = putIncident(h.db);
    h.db.transaction(() => h.alerting.afterIncidents(false))();
    await waitUntil('a second dead letter', () => h.alerting.listOutbox('dead', 10).length === 1);
    const d2 = h.alerting.listOutbox('dead', 10)[0]!;
    expect(d2).toMatchObject({ incidentId: other, attempts: 1 });
    expect(h.alerting.discardDead([d2.id])).toBe(1);
    expect(h.alerting.listOutbox('discarded', 10).map((r) => r.id)).toEqual([d2.id]);
    // Undo puts it back among the dead letters; discarding again sets it aside.
    expect(h.alerting.discardDead([d2.id], true)).toBe(1);
    expect(h.alerting.listOutbox('dead', 10).map((r) => r.id)).toEqual([d2.id]);
    expect(h.alerting.discardDead([d2.id])).toBe(1);
    expect(() => h.alerting.discardDead([d2.id])).toThrow(/dead letters/);
  });

  it('a receiver that is down is not hammered: after a failure, the sink’s other alerts wait for its retry', async () => {
    const h = harness();
    const http = new HttpReceiver();
    http.statuses = [503];
    const base = await http.start();
    cleanups.push(() => http.close());
    const sink = await h.alerting.saveSink(sinkInput('webhook', { secrets: { url: `${base}/down` }, backoffMs: 3000, maxAttempts: 5 }));
    h.alerting.saveRule(ruleInput([sink.id]));
    for (let i = 0; i < 12; i++) putIncident(h.db);
    h.db.transaction(() => h.alerting.afterIncidents(false))();
    await http.waitFor(1);
    await new Promise((r) => setTimeout(r, 1500));
    // Only the first batch in flight together went out; the rest wait untried.
    expect(http.requests.length).toBeLessThanOrEqual(4);
    const untried = h.db.prepare(`SELECT count(*) FROM alert_outbox WHERE status = 'pending' AND attempts = 0`).pluck().get() as number;
    expect(untried).toBeGreaterThanOrEqual(8);
  });

  it('keeps the outbox across a close: an alert queued while nothing can deliver goes out on the next open', async () => {
    const dir = tempDir('vigil-alerting-');
    const path = join(dir, 'case.vigil');
    const store = CaseDb.create(path, 'Persist');
    const http = new HttpReceiver();
    const base = await http.start();
    cleanups.push(() => http.close());
    const host: AlertingHost = { emit: () => {}, dataDir: join(dir, 'data') };
    const first = new Alerting(store.db, host, new CaseBus());
    first.start();
    const sink = await first.saveSink(sinkInput('webhook', { secrets: { url: `${base}/later` } }));
    first.saveRule(ruleInput([sink.id]));
    await first.stop();
    // Detection with no delivery running (the CLI, a crash right after): rows only.
    putIncident(store.db);
    store.db.transaction(() => first.afterIncidents(false))();
    expect(statuses(store.db)).toEqual(['pending']);
    store.close();

    const again = CaseDb.open(path);
    const second = new Alerting(again.db, host, new CaseBus());
    second.start();
    cleanups.push(async () => {
      await second.stop();
      again.close();
    });
    await http.waitFor(1, '/later');
    await waitUntil('sent', () => statuses(again.db)[0] === 'sent');
  });
});

describe('secrets', () => {
  it('are sealed by the keychain when the desktop host answers on the channel, and locked where it does not', async () => {
    // Stands in for Electron's main process: a reversible sealing only it can undo.
    const main = new BroadcastChannel(KEYCHAIN_CHANNEL);
    const seal = (s: string) => Buffer.from(s.split('').reverse().join(''), 'utf8').toString('base64');
    const unseal = (s: string) => Buffer.from(s, 'base64').toString('utf8').split('').reverse().join('');
    main.onmessage = (ev: unknown) => {
      const m = (ev as { data: KeychainRequest }).data;
      if (m.type !== 'keychain.request') return;
      const data = m.op === 'probe' ? 'yes' : m.op === 'encrypt' ? seal(m.data) : unseal(m.data);
      main.postMessage({ type: 'keychain.reply', id: m.id, ok: true, data } satisfies KeychainReply);
    };
    cleanups.push(() => main.close());
    const { SecretStore } = await import('./secrets');
    const { ChannelKeychain } = await import('./keychain');
    const dir = tempDir('vigil-secrets-');
    const sealed = new SecretStore(dir, new ChannelKeychain());
    expect(await sealed.scheme()).toBe('keychain');
    expect(await sealed.desktopHost()).toBe(true);
    await sealed.set('sink-1', { url: 'https://hooks.example/T/B/very-secret' });
    const text = readFileSync(join(dir, SECRETS_FILE), 'utf8');
    expect(text).not.toContain('very-secret');
    expect(JSON.parse(text).sinks['sink-1'].scheme).toBe('keychain');
    expect(await sealed.get('sink-1')).toEqual({ url: 'https://hooks.example/T/B/very-secret' });
    main.close();

    // The Node host: nobody answers, so the same file's entry is locked, and a new one is plain.
    const plain = new SecretStore(dir, new ChannelKeychain(100));
    expect(await plain.scheme()).toBe('file');
    expect(await plain.desktopHost()).toBe(false);
    expect(await plain.state('sink-1')).toBe('locked');
    await expect(plain.get('sink-1')).rejects.toMatchObject({ code: 'unauthorized' });
    await plain.set('sink-2', { routingKey: 'abc' });
    expect(await plain.get('sink-2')).toEqual({ routingKey: 'abc' });
    expect(statSync(join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('rules: dedup window, quiet hours, rate limit', () => {
  it('repeats of one incident and entity inside the window count up on one alert; after it they alert again', async () => {
    const h = harness();
    await h.alerting.stop(); // rows only: these checks drive the clock themselves
    const sink = await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: join(h.dataDir, 'x.jsonl') } }));
    const rule = h.alerting.saveRule(ruleInput([sink.id], { dedupWindowMs: 600_000 }));
    const t0 = Date.UTC(2026, 0, 5, 12, 0);
    const inc = putIncident(h.db, { alerts: 1, lastTs: 1000 });
    expect(evaluateIncidents(h.db, t0)).toBe(1);
    // The rebuild gives the same incident again, unchanged: nothing.
    expect(evaluateIncidents(h.db, t0 + 1000)).toBe(0);
    // It grows twice within ten minutes: a counter, not new alerts.
    putIncident(h.db, { id: inc, alerts: 2, lastTs: 2000 });
    expect(evaluateIncidents(h.db, t0 + 60_000)).toBe(0);
    putIncident(h.db, { id: inc, alerts: 3, lastTs: 3000 });
    expect(evaluateIncidents(h.db, t0 + 120_000)).toBe(0);
    let rows = h.alerting.listOutbox(undefined, 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reason: 'new', repeats: 2, status: 'pending' });
    expect(h.alerting.history(inc, 10).map((r) => r.event)).toEqual(['deduplicated', 'deduplicated', 'queued']);
    // After the window, the next change is an `updated` alert.
    putIncident(h.db, { id: inc, alerts: 4, lastTs: 4000 });
    expect(evaluateIncidents(h.db, t0 + 700_000)).toBe(1);
    rows = h.alerting.listOutbox(undefined, 10);
    expect(rows.map((r) => r.reason)).toEqual(['updated', 'new']);
    // Another rule has its own memory: the same incident is new to it.
    const other = h.alerting.saveRule(ruleInput([sink.id], { name: 'second' }));
    expect(evaluateIncidents(h.db, t0 + 700_001)).toBe(1);
    expect(h.alerting.listOutbox(undefined, 10)[0]).toMatchObject({ ruleId: other.id, reason: 'new' });
    expect(rule.id).not.toBe(other.id);
  });

  it('a live-only rule remembers what an import found without alerting, and alerts when live collection changes it', async () => {
    const h = harness();
    await h.alerting.stop();
    const sink = await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: join(h.dataDir, 'x.jsonl') } }));
    h.alerting.saveRule(ruleInput([sink.id], { liveOnly: true }));
    const old = putIncident(h.db, { alerts: 4, lastTs: 1000 });
    expect(evaluateIncidents(h.db, Date.now(), false)).toBe(0);
    expect(h.alerting.listOutbox(undefined, 10)).toHaveLength(0);
    // A live pass over the same, unchanged incident: still nothing.
    expect(evaluateIncidents(h.db, Date.now(), true)).toBe(0);
    // Live events make it grow, and a new incident appears: both alert.
    putIncident(h.db, { id: old, alerts: 5, lastTs: 2000 });
    const fresh = putIncident(h.db);
    expect(evaluateIncidents(h.db, Date.now(), true)).toBe(2);
    expect(
      h.alerting
        .listOutbox(undefined, 10)
        .map((r) => r.incidentId)
        .sort(),
    ).toEqual([old, fresh].sort());
    expect(() => h.alerting.saveRule(ruleInput([sink.id], { quietHours: { start: '08:00', end: '08:00' } }))).toThrow(/same time/);
  });

  it('only what the rule asks for notifies: category, severity, priority; benign and closed incidents never', async () => {
    const h = harness();
    await h.alerting.stop();
    const sink = await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: join(h.dataDir, 'x.jsonl') } }));
    h.alerting.saveRule(ruleInput([sink.id], { categories: ['auth_attack'], minSeverity: 'high', minPriority: 60 }));
    const hit = putIncident(h.db, { severity: 'high', priority: 70 });
    putIncident(h.db, { severity: 'medium', priority: 90 });
    putIncident(h.db, { severity: 'critical', priority: 50 });
    putIncident(h.db, { severity: 'critical', priority: 90, category: 'scanner' });
    const benign = putIncident(h.db, { severity: 'critical', priority: 99 });
    h.db.prepare(`INSERT INTO incident_state (id, status, label, updated_at) VALUES (?, 'open', 'benign', 1)`).run(benign);
    expect(evaluateIncidents(h.db, Date.now())).toBe(1);
    expect(h.alerting.listOutbox(undefined, 10).map((r) => r.incidentId)).toEqual([hit]);
  });

  it('quiet hours hold alerts in the outbox until they end (overnight span, local time)', async () => {
    const h = harness();
    await h.alerting.stop();
    const sink = await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: join(h.dataDir, 'x.jsonl') } }));
    h.alerting.saveRule(ruleInput([sink.id], { quietHours: { start: '22:00', end: '07:00' } }));
    const night = new Date(2026, 2, 10, 23, 30).getTime();
    const inc = putIncident(h.db);
    expect(evaluateIncidents(h.db, night)).toBe(1);
    const row = h.alerting.listOutbox(undefined, 10)[0]!;
    expect(row.status).toBe('pending');
    expect(row.nextAttemptAt).toBe(new Date(2026, 2, 11, 7, 0).getTime());
    expect(h.alerting.history(inc, 10)[0]).toMatchObject({ event: 'deferred', detail: expect.stringMatching(/quiet hours 22:00–07:00/) });
    // In the afternoon the same rule sends at once.
    const day = new Date(2026, 2, 11, 15, 0).getTime();
    putIncident(h.db);
    expect(evaluateIncidents(h.db, day)).toBe(1);
    expect(h.alerting.listOutbox(undefined, 10)[0]!.nextAttemptAt).toBe(day);
  });

  it('a rate limit caps alerts per rule in a sliding window and says what it held back', async () => {
    const h = harness();
    await h.alerting.stop();
    const a = await h.alerting.saveSink(sinkInput('jsonl', { settings: { path: join(h.dataDir, 'a.jsonl') } }));
    const b = await h.alerting.saveSink(sinkInput('desktop'));
    h.alerting.saveRule(ruleInput([a.id, b.id], { rateLimit: { count: 2, windowMs: 3_600_000 } }));
    const t0 = Date.UTC(2026, 0, 5, 12, 0);
    const ids = [
      putIncident(h.db, { priority: 90 }),
      putIncident(h.db, { priority: 89 }),
      putIncident(h.db, { priority: 88 }),
      putIncident(h.db, { priority: 87 }),
    ];
    expect(evaluateIncidents(h.db, t0)).toBe(2);
    // Two incidents, two sinks each: four rows, but two alerts against the limit.
    expect(h.alerting.listOutbox(undefined, 10)).toHaveLength(4);
    expect(h.alerting.history(ids[2]!, 10)).toMatchObject([{ event: 'rate_limited' }]);
    // Still limited a minute later, and nothing new is written for the held-back ones.
    putIncident(h.db, { id: ids[2], alerts: 2, lastTs: 5000 });
    expect(evaluateIncidents(h.db, t0 + 60_000)).toBe(0);
    expect(h.alerting.history(ids[2]!, 10)).toHaveLength(1);
    // After the window, the held-back incident alerts on its next change.
    putIncident(h.db, { id: ids[2], alerts: 3, lastTs: 6000 });
    expect(evaluateIncidents(h.db, t0 + 3_700_000)).toBe(1);
    expect(h.alerting.listOutbox(undefined, 10)[0]).toMatchObject({ incidentId: ids[2], reason: 'new' });
  });
});

function sinkInput(
  kind: SinkRow['kind'],
  o: { settings?: Record<string, unknown>; secrets?: Record<string, unknown>; backoffMs?: number; maxAttempts?: number } = {},
) {
  return {
    name: `${kind} sink`,
    kind,
    enabled: true,
    settings: o.settings ?? {},
    secrets: o.secrets as never,
    maxAttempts: o.maxAttempts ?? 6,
    backoffMs: o.backoffMs ?? 5000,
  };
}

function ruleInput(sinkIds: string[], o: Partial<Parameters<Alerting['saveRule']>[0]> = {}): Parameters<Alerting['saveRule']>[0] {
  return {
    name: 'high and up',
    enabled: true,
    categories: [],
    minSeverity: 'high',
    minPriority: 0,
    sinkIds,
    dedupWindowMs: 3_600_000,
    liveOnly: false,
    quietHours: null,
    rateLimit: null,
    ...o,
  };
}
