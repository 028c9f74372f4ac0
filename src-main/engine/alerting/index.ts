/**
 * Live alerts (issue #12): rules decide which incidents notify, sinks say where, a persistent
 * outbox in the case delivers them. One Alerting per open case (its session makes it, starts and
 * stops it); it listens for incidents being rebuilt (inside the detection transaction: it only
 * writes rows; the outbox pump delivers outside it).
 */
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { MethodParsedInput } from '../../../src-shared/contract';
import type {
  AlertingSettings,
  AlertRule,
  HistoryRow,
  OutboxRow,
  SinkRow,
  SinkSecrets,
  TestResult,
} from '../../../src-shared/contract-alerting';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import type { CaseBus } from '../session/bus';
import { AlertDelivery } from './delivery';
import { caseName, evaluateIncidents } from './evaluate';
import { PAGERDUTY_ENDPOINT, elideUrl } from './format';
import { ChannelKeychain, type Keychain } from './keychain';
import { SecretStore } from './secrets';
import {
  addHistory,
  enqueue,
  getRule,
  getSink,
  incidentHistory,
  listOutbox,
  listRules,
  listSinks,
  putRule,
  putSink,
  sinkCounts,
  type StoredSink,
} from './store';

const OUTBOX_KEEP_MS = 30 * 86_400_000;

/** The OS keychain that seals sink secrets: one for the process, whatever case is open. */
let keychain: Keychain | null = null;

/** What the engine gives a case's alerting. */
export interface AlertingHost {
  emit: EngineContext['emit'];
  dataDir: string;
}

type SaveSinkInput = MethodParsedInput<'alerting.saveSink'>;
type SaveRuleInput = MethodParsedInput<'alerting.saveRule'>;

export class Alerting {
  readonly delivery: AlertDelivery;

  readonly secrets: SecretStore;

  constructor(
    private readonly db: Database,
    private readonly host: AlertingHost,
    private readonly bus: CaseBus,
    secrets?: SecretStore,
  ) {
    this.secrets = secrets ?? new SecretStore(host.dataDir, (keychain ??= new ChannelKeychain()));
    this.delivery = new AlertDelivery(db, this.secrets, {
      now: () => Date.now(),
      notify: (n) => host.emit('alerting.notify', n),
      changed: (c) => host.emit('alerting.changed', c),
    });
    bus.on('incidentsRebuilt', ({ scope }) => this.afterIncidents(scope === 'live'));
  }

  /** Incidents were rebuilt after a detection pass (inside its transaction): run the rules on them. */
  afterIncidents(live: boolean): void {
    try {
      // A savepoint: should the rules fail half way, none of their rows stay (and the pass's do).
      const queued = this.db.transaction(() => evaluateIncidents(this.db, Date.now(), live))();
      if (queued > 0) {
        this.delivery.kick();
        this.changed();
      }
    } catch (err) {
      console.error('[vigil] live alerts failed:', err);
    }
  }

  start(): void {
    // The delivery log keeps a month; dead letters and every incident's history stay.
    this.db.prepare(`DELETE FROM alert_outbox WHERE status IN ('sent', 'discarded') AND created_at < ?`).run(Date.now() - OUTBOX_KEEP_MS);
    this.delivery.start();
  }

  stop(): Promise<void> {
    return this.delivery.stop();
  }

  changed(reason: 'settings' | 'outbox' = 'outbox'): void {
    this.host.emit('alerting.changed', { reason });
  }

  async settings(): Promise<AlertingSettings> {
    return {
      rules: listRules(this.db),
      sinks: await this.sinkRows(),
      secretStore: { file: this.secrets.file, scheme: await this.secrets.scheme(), problem: this.secrets.problem() },
      desktopHost: await this.secrets.desktopHost(),
    };
  }

  private async sinkRows(): Promise<SinkRow[]> {
    const counts = sinkCounts(this.db);
    const out: SinkRow[] = [];
    for (const s of listSinks(this.db))
      out.push({
        ...s,
        secret: await this.secrets.state(s.id).catch(() => 'locked' as const),
        counts: counts.get(s.id) ?? { pending: 0, sent: 0, dead: 0 },
      });
    return out;
  }

  saveRule(input: SaveRuleInput): AlertRule {
    if (input.id !== undefined && !getRule(this.db, input.id)) throw new EngineError('not_found', `No alert rule ${input.id}.`);
    const known = new Set(listSinks(this.db).map((s) => s.id));
    if (input.quietHours && input.quietHours.start === input.quietHours.end) {
      throw new EngineError('invalid_input', 'Quiet hours start and end at the same time: choose different times or turn them off.');
    }
    const unknown = input.sinkIds.filter((id) => !known.has(id));
    if (unknown.length) throw new EngineError('invalid_input', `Unknown sink${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    const rule = putRule(this.db, { ...input, sinkIds: [...new Set(input.sinkIds)] }, Date.now());
    this.changed('settings');
    return rule;
  }

  deleteRule(id: number): null {
    if (!getRule(this.db, id)) throw new EngineError('not_found', `No alert rule ${id}.`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id);
      this.db.prepare('DELETE FROM alert_state WHERE rule_id = ?').run(id);
    })();
    this.changed('settings');
    return null;
  }

  async saveSink(input: SaveSinkInput): Promise<SinkRow> {
    const existing = input.id ? getSink(this.db, input.id) : null;
    if (input.id && !existing) throw new EngineError('not_found', `No sink ${input.id}.`);
    const id = existing?.id ?? randomUUID();
    const stored = existing && existing.kind === input.kind ? await this.secrets.get(id).catch(() => null) : null;
    const secrets = mergeSecrets(stored, input.secrets);
    const settings = validateSink(input.kind, input.settings, secrets);
    const sink: StoredSink = {
      id,
      name: input.name,
      kind: input.kind,
      enabled: input.enabled,
      settings,
      target: targetOf(input.kind, settings, secrets),
      headerNames: Object.keys(secrets?.headers ?? {}),
      hmac: !!secrets?.hmacKey,
      maxAttempts: input.maxAttempts,
      backoffMs: input.backoffMs,
      createdAt: existing?.createdAt ?? Date.now(),
    };
    // The secret first: should it fail to save, the sink is not left without one.
    if (input.secrets !== undefined || (existing && existing.kind !== input.kind)) await this.secrets.set(id, secrets);
    putSink(this.db, sink, !!existing);
    this.changed('settings');
    return (await this.sinkRows()).find((s) => s.id === id)!;
  }

  async deleteSink(id: string): Promise<null> {
    if (!getSink(this.db, id)) throw new EngineError('not_found', `No sink ${id}.`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM alert_sinks WHERE id = ?').run(id);
      this.db
        .prepare(
          `UPDATE alert_outbox SET status = 'discarded', last_error = 'the sink was deleted' WHERE sink_id = ? AND status = 'pending'`,
        )
        .run(id);
      for (const r of listRules(this.db)) {
        if (r.sinkIds.includes(id)) putRule(this.db, { ...r, sinkIds: r.sinkIds.filter((s) => s !== id) }, r.createdAt);
      }
    })();
    await this.secrets.set(id, null);
    this.changed('settings');
    return null;
  }

  async testSink(id: string): Promise<TestResult> {
    const sink = getSink(this.db, id);
    if (!sink) throw new EngineError('not_found', `No sink ${id}.`);
    const now = Date.now();
    const outboxId = enqueue(this.db, {
      sinkId: id,
      ruleId: null,
      incidentId: null,
      dedupKey: null,
      now,
      nextAttemptAt: now,
      message: {
        reason: 'test',
        incidentId: null,
        title: `Test alert from Vigil to ${sink.name}`,
        summary: 'If you can read this, alerts from this case reach this sink.',
        category: null,
        pattern: null,
        severity: 'high',
        priority: 0,
        confidence: 1,
        firstTs: null,
        lastTs: null,
        groupKey: null,
        entities: [],
        tags: [],
        eventCount: 0,
        alertCount: 0,
        repeats: 0,
        rule: null,
        caseName: caseName(this.db),
        createdAt: now,
      },
    });
    this.changed();
    return this.delivery.attemptNow(outboxId);
  }

  listOutbox(status: OutboxRow['status'] | undefined, limit: number): OutboxRow[] {
    return listOutbox(this.db, status, limit);
  }

  retryDead(ids: number[]): number {
    const now = Date.now();
    let n = 0;
    this.db.transaction(() => {
      const rows = this.deadRows(ids);
      const upd = this.db.prepare(
        `UPDATE alert_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE id = ?`,
      );
      for (const r of rows) {
        upd.run(now, r.id);
        addHistory(this.db, {
          at: now,
          event: 'retried',
          incidentId: r.incident_id,
          ruleId: r.rule_id,
          sinkId: r.sink_id,
          outboxId: r.id,
          detail: 'sent back to the outbox by the analyst',
        });
        n++;
      }
    })();
    this.delivery.kick();
    this.changed();
    return n;
  }

  discardDead(ids: number[], undo = false): number {
    const now = Date.now();
    let n = 0;
    this.db.transaction(() => {
      const upd = this.db.prepare('UPDATE alert_outbox SET status = ? WHERE id = ?');
      for (const r of this.deadRows(ids, undo ? 'discarded' : 'dead')) {
        upd.run(undo ? 'dead' : 'discarded', r.id);
        addHistory(this.db, {
          at: now,
          event: undo ? 'failed' : 'discarded',
          incidentId: r.incident_id,
          ruleId: r.rule_id,
          sinkId: r.sink_id,
          outboxId: r.id,
          detail: undo ? 'discard undone: back among the dead letters' : 'discarded by the analyst',
        });
        n++;
      }
    })();
    this.changed();
    return n;
  }

  private deadRows(
    ids: number[],
    status: 'dead' | 'discarded' = 'dead',
  ): { id: number; incident_id: string | null; rule_id: number | null; sink_id: string }[] {
    const rows = this.db
      .prepare(`SELECT id, incident_id, rule_id, sink_id FROM alert_outbox WHERE status = ? AND id IN (SELECT value FROM json_each(?))`)
      .all(status, JSON.stringify(ids)) as { id: number; incident_id: string | null; rule_id: number | null; sink_id: string }[];
    if (rows.length === 0) {
      throw new EngineError(
        'not_found',
        status === 'dead'
          ? 'None of those alerts is in the dead letters (already retried or discarded?).'
          : 'None of those alerts is discarded.',
      );
    }
    return rows;
  }

  history(incidentId: string, limit: number): HistoryRow[] {
    return incidentHistory(this.db, incidentId, limit);
  }
}

function mergeSecrets(stored: SinkSecrets | null, given: SinkSecrets | undefined): SinkSecrets | null {
  if (!given) return stored;
  const out: SinkSecrets = { ...(stored ?? {}) };
  for (const k of ['url', 'hmacKey', 'routingKey'] as const) {
    const v = given[k];
    if (v === undefined) continue;
    if (v === '') delete out[k];
    else out[k] = v;
  }
  if (given.headers !== undefined) {
    if (Object.keys(given.headers).length) out.headers = given.headers;
    else delete out.headers;
  }
  return Object.keys(out).length ? out : null;
}

function httpUrl(url: string | undefined, what: string): string {
  let u: URL;
  try {
    u = new URL(url ?? '');
  } catch {
    throw new EngineError('invalid_input', `${what} must be an http:// or https:// URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new EngineError('invalid_input', `${what} must be an http:// or https:// URL.`);
  return u.toString();
}

/** Each kind's required settings and secrets; returns the settings that apply to the kind. */
function validateSink(kind: SinkRow['kind'], s: SaveSinkInput['settings'], secrets: SinkSecrets | null): SaveSinkInput['settings'] {
  switch (kind) {
    case 'desktop':
      return {};
    case 'webhook':
      httpUrl(secrets?.url, 'The webhook URL');
      return s.signatureHeader ? { signatureHeader: s.signatureHeader } : {};
    case 'slack':
    case 'teams':
      httpUrl(secrets?.url, `The ${kind === 'slack' ? 'Slack' : 'Teams'} incoming webhook URL`);
      return {};
    case 'pagerduty':
      if (!secrets?.routingKey) throw new EngineError('invalid_input', 'A PagerDuty sink needs the integration’s routing key.');
      return s.endpoint ? { endpoint: httpUrl(s.endpoint, 'The PagerDuty endpoint') } : {};
    case 'syslog':
      if (!s.host) throw new EngineError('invalid_input', 'A syslog sink needs a host.');
      if (/\s/.test(s.host)) throw new EngineError('invalid_input', 'The syslog host cannot contain spaces.');
      return {
        host: s.host,
        port: s.port ?? 514,
        protocol: s.protocol ?? 'udp',
        facility: s.facility ?? 13,
        appName: s.appName || 'vigil',
      };
    case 'jsonl':
      if (!s.path || !isAbsolute(s.path)) throw new EngineError('invalid_input', 'A JSON-lines sink needs an absolute file path.');
      return { path: s.path };
  }
}

function targetOf(kind: SinkRow['kind'], s: SaveSinkInput['settings'], secrets: SinkSecrets | null): string {
  switch (kind) {
    case 'desktop':
      return 'notifications on this computer';
    case 'webhook':
    case 'slack':
    case 'teams':
      return elideUrl(secrets?.url ?? '');
    case 'pagerduty':
      return new URL(s.endpoint || PAGERDUTY_ENDPOINT).host;
    case 'syslog':
      return `${s.protocol}://${s.host}:${s.port}`;
    case 'jsonl':
      return s.path ?? '';
  }
}
