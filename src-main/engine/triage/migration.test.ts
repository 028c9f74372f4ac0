import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, migrate, schemaVersion } from '../store/migrations';

describe('migration 8: triage', () => {
  it('adds label history, actions, tuning and suppressed incidents, and keeps the labels of version 7', () => {
    const db = new Database(':memory:');
    migrate(db, 7);
    db.prepare(`INSERT INTO incident_state (id, status, label, note, updated_at) VALUES ('inc_1', 'closed', 'benign', 'backup job', 5)`).run();
    migrate(db, 8);
    expect(schemaVersion(db)).toBe(8);
    expect(db.prepare(`SELECT label, note FROM incident_state WHERE id = 'inc_1'`).get()).toEqual({ label: 'benign', note: 'backup job' });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    expect(tables).toEqual(expect.arrayContaining(['triage_actions', 'triage_label_history', 'triage_tuning', 'triage_suppressed']));
    const action = db.prepare(`INSERT INTO triage_actions (kind, at, author, summary) VALUES ('label', 1, 'ana', 'x') RETURNING id`).pluck().get();
    expect(() => db.prepare(`INSERT INTO triage_actions (kind, at, author, summary) VALUES ('delete', 1, 'ana', 'x')`).run()).toThrow(/CHECK/);
    expect(() =>
      db.prepare(`INSERT INTO triage_label_history (action_id, incident_id, label_after, at) VALUES (?, 'inc_1', 'maybe', 1)`).run(action),
    ).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(`INSERT INTO triage_tuning (mode, detector, subject, reason, created_at, author) VALUES ('ignore', 'sigma', 'ip:1', 'r', 1, 'a')`)
        .run(),
    ).toThrow(/CHECK/);
    migrate(db);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
  });
});
