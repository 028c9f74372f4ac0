import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, migrate, schemaVersion } from '../store/migrations';

describe('migration 7: risk and incidents', () => {
  it('adds the incident tables and keeps the alerts of version 5', () => {
    const db = new Database(':memory:');
    migrate(db, 5);
    db.prepare(
      `INSERT INTO alerts (detector, kind, title, first_ts, key) VALUES ('behaviour', 'brute_force', 'Brute force', 1, 'ip:192.0.2.1')`,
    ).run();
    migrate(db);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(7);
    expect(db.prepare('SELECT key FROM alerts').pluck().get()).toBe('ip:192.0.2.1');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    expect(tables).toEqual(expect.arrayContaining(['entity_risk', 'incidents', 'incident_alerts', 'incident_state', 'incident_settings']));
    db.prepare(`INSERT INTO incident_state (id, status, updated_at) VALUES ('inc_1', 'closed', 1)`).run();
    expect(() => db.prepare(`INSERT INTO incident_state (id, status, updated_at) VALUES ('inc_2', 'bogus', 1)`).run()).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO incident_state (id, label, updated_at) VALUES ('inc_3', 'maybe', 1)`).run()).toThrow(/CHECK/);
  });
});

describe('migration 14: campaigns', () => {
  it('adds campaign columns with defaults to the incidents of version 13 and the members table', () => {
    const db = new Database(':memory:');
    migrate(db, 13);
    db.prepare(
      `INSERT INTO incidents (id, category, title, severity, confidence, priority, group_key, entities, tags, detectors, evidence, event_count, alert_count, summary, explanation)
       VALUES ('inc_1', 'auth_attack', 'Brute force', 'medium', 0.5, 40, 'ip:192.0.2.1', '[]', '[]', '[]', '[]', 3, 1, 's', '{}')`,
    ).run();
    migrate(db, 14);
    expect(schemaVersion(db)).toBe(14);
    expect(db.prepare('SELECT kind, campaign_id, top_level, member_count FROM incidents').get()).toEqual({
      kind: 'incident',
      campaign_id: null,
      top_level: 1,
      member_count: 0,
    });
    db.prepare(
      `INSERT INTO campaign_members (campaign_id, ip, first_ts, last_ts, tries, failures, successes, outcome, tried, evidence)
       VALUES ('cmp_1', '192.0.2.1', 1, 2, 3, 3, 0, 'failed', '["root"]', '[1]')`,
    ).run();
    expect(() =>
      db
        .prepare(
          `INSERT INTO campaign_members (campaign_id, ip, first_ts, last_ts, tries, failures, successes, outcome, tried, evidence)
           VALUES ('cmp_1', '192.0.2.2', 1, 2, 3, 3, 0, 'maybe', '[]', '[]')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE incidents SET kind = 'bogus'`).run()).toThrow(/CHECK/);
  });
});
