import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, migrate, schemaVersion } from '../store/migrations';

describe('migration 9: live alerts', () => {
  it('adds rules, sinks, outbox, dedup state and history, and keeps the incidents of version 8', () => {
    const db = new Database(':memory:');
    migrate(db, 8);
    db.prepare(
      `INSERT INTO incidents (id, category, title, severity, confidence, priority, group_key, entities, tags, detectors, evidence, event_count, alert_count, summary, explanation)
       VALUES ('inc_1', 'auth_attack', 'Brute force', 'high', 0.9, 80, 'ip:192.0.2.1', '[]', '[]', '[]', '[]', 10, 2, 's', '{}')`,
    ).run();
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'alert_outbox'`).get()).toBeUndefined();
    migrate(db);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(9);
    expect(db.prepare('SELECT group_key FROM incidents').pluck().get()).toBe('ip:192.0.2.1');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    expect(tables).toEqual(expect.arrayContaining(['alert_sinks', 'alert_rules', 'alert_outbox', 'alert_state', 'alert_history']));
    db.prepare(`INSERT INTO alert_sinks (id, name, kind, created_at) VALUES ('s1', 'hook', 'webhook', 1)`).run();
    expect(() => db.prepare(`INSERT INTO alert_sinks (id, name, kind, created_at) VALUES ('s2', 'x', 'carrier-pigeon', 1)`).run()).toThrow(
      /CHECK/,
    );
    db.prepare(`INSERT INTO alert_outbox (sink_id, incident_id, reason, payload, created_at) VALUES ('s1', 'inc_1', 'new', '{}', 1)`).run();
    expect(db.prepare('SELECT status, attempts FROM alert_outbox').get()).toEqual({ status: 'pending', attempts: 0 });
    expect(() =>
      db.prepare(`INSERT INTO alert_outbox (sink_id, reason, payload, status, created_at) VALUES ('s1', 'new', '{}', 'lost', 1)`).run(),
    ).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO alert_history (at, event) VALUES (1, 'shrugged')`).run()).toThrow(/CHECK/);
  });
});
