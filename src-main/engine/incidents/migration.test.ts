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
