import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from './migrations';
import { Postings } from './postings';

/** Each migration: bring a database to n-1, put data in, migrate to n, check the data and the new shape. */
describe('case migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('1: creates case_meta on an empty database', () => {
    const db = new Database(':memory:');
    expect(schemaVersion(db)).toBe(0);
    migrate(db, 1);
    db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?)').run('name', 'web-01');
    expect(db.prepare('SELECT value FROM case_meta WHERE key = ?').pluck().get('name')).toBe('web-01');
    expect(schemaVersion(db)).toBe(1);
  });

  it('2: adds imports and keeps case metadata', () => {
    const db = new Database(':memory:');
    migrate(db, 1);
    db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?)').run('name', 'kept');
    migrate(db, 2);
    expect(db.prepare('SELECT value FROM case_meta WHERE key = ?').pluck().get('name')).toBe('kept');
    db.prepare(`INSERT INTO imports (path, name, status, started_at) VALUES ('/x/auth.log', 'auth.log', 'running', 1)`).run();
    expect(() => db.prepare(`INSERT INTO imports (path, name, status, started_at) VALUES ('/y', 'y', 'bogus', 1)`).run()).toThrow(/CHECK/);
  });

  it('3: adds events with a full-text index and keeps imports', () => {
    const db = new Database(':memory:');
    migrate(db, 2);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at, lines) VALUES (7, '/x/auth.log', 'auth.log', 'done', 1, 2)`).run();
    migrate(db, 3);
    expect(db.prepare('SELECT lines FROM imports WHERE id = 7').pluck().get()).toBe(2);
    db.prepare('INSERT INTO events (import_id, line_no, raw) VALUES (7, 1, ?)').run('Failed password for root from 10.0.0.1');
    db.prepare('INSERT INTO events_fts (rowid, raw) SELECT id, raw FROM events').run();
    const hit = db.prepare(`SELECT rowid FROM events_fts WHERE events_fts MATCH '"10.0.0.1"'`).pluck().all();
    expect(hit).toEqual([1]);
    expect(() => db.prepare('INSERT INTO events (import_id, line_no, raw) VALUES (99, 1, ?)').run('x')).toThrow(/FOREIGN KEY/);
  });

  it('runs each migration in one transaction: a failing step leaves the previous version', () => {
    const db = new Database(':memory:');
    migrate(db, 2);
    db.exec('CREATE TABLE events (x)'); // collides with migration 3
    expect(() => migrate(db, 3)).toThrow();
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'events_fts'`).pluck().get()).toBe(0);
  });

  it('refuses to go backwards', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(() => migrate(db, 1)).toThrow(/newer/);
  });
});

describe('migration 4', () => {
  it('turns earlier events into message-only events and adds templates, entities and sources', () => {
    const db = new Database(':memory:');
    migrate(db, 3);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at, lines) VALUES (1, '/a.log', 'a.log', 'done', 1, 1)`).run();
    db.prepare(`INSERT INTO events (import_id, line_no, raw) VALUES (1, 1, 'old line')`).run();
    migrate(db, 4);
    expect(db.prepare('SELECT raw, outcome, parser, template_id, source_id FROM events').get()).toEqual({
      raw: 'old line',
      outcome: 'unknown',
      parser: 'raw',
      template_id: null,
      source_id: null,
    });
    expect(db.prepare('SELECT member_index, notes, checkpoint_event_id FROM imports').get()).toEqual({ member_index: 0, notes: '[]', checkpoint_event_id: 0 });
    db.prepare(`INSERT INTO sources (import_id, member_index, name, format) VALUES (1, 0, 'a.log', 'auth')`).run();
    db.prepare(`INSERT INTO templates (id, template, count, examples) VALUES ('t1', 'Failed password for <*>', 3, '[]')`).run();
    db.prepare(`INSERT INTO entities (id, type, value, count) VALUES ('u-1', 'ip', '10.0.0.1', 2)`).run();
    db.prepare('INSERT INTO event_entities (entity, event) VALUES (1, 1)').run();
    expect(() => db.prepare(`INSERT INTO entities (id, type, value) VALUES ('u-1', 'ip', 'dup')`).run()).toThrow(/UNIQUE/);
  });
});

describe('migration 5', () => {
  it('adds alerts, rule packs, behaviour groups, experiments and score points beside existing events', () => {
    const db = new Database(':memory:');
    migrate(db, 4);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/a', 'a', 'done', 1)`).run();
    db.prepare(`INSERT INTO events (import_id, line_no, raw) VALUES (1, 1, 'kept')`).run();
    migrate(db, 5);
    expect(db.prepare('SELECT raw FROM events').pluck().get()).toBe('kept');
    db.prepare(`INSERT INTO alerts (detector, kind, title, first_ts, evidence) VALUES ('sigma', 'r1', 'SSH brute force', 5, '[1]')`).run();
    expect(db.prepare('SELECT severity, entities FROM alerts').get()).toEqual({ severity: 'medium', entities: '[]' });
    const pack = db.prepare(`INSERT INTO rule_packs (name, origin, added_at) VALUES ('mine', '/x', 1) RETURNING id`).pluck().get();
    db.prepare(`INSERT INTO rule_files (pack_id, path, text) VALUES (?, 'a.yml', 'title: x')`).run(pack);
    db.prepare('DELETE FROM rule_packs').run();
    expect(db.prepare('SELECT count(*) FROM rule_files').pluck().get()).toBe(0);
    db.prepare(`INSERT INTO score_points (source_type, detector, bucket, score) VALUES ('auth', 'hst', 60000, 0.4)`).run();
    expect(() => db.prepare(`INSERT INTO score_points (source_type, detector, bucket, score) VALUES ('auth', 'hst', 60000, 0.5)`).run()).toThrow(/UNIQUE|PRIMARY/);
  });
});

describe('migration 10', () => {
  it('rebuilds the full-text index without per-row sizes, keeping every event searchable', () => {
    const db = new Database(':memory:');
    migrate(db, 9);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/a', 'a', 'done', 1)`).run();
    const add = db.prepare(`INSERT INTO events (import_id, line_no, raw) VALUES (1, ?, ?)`);
    add.run(1, 'Failed password for root from 203.0.113.5');
    add.run(2, 'Accepted publickey for alice from 198.51.100.7');
    db.prepare('INSERT INTO events_fts (rowid, raw) SELECT id, raw FROM events').run();
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'events_fts_docsize'`).pluck().get()).toBe(1);
    migrate(db, 10);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'events_fts_docsize'`).pluck().get()).toBe(0);
    const search = db.prepare(`SELECT e.line_no FROM events_fts f JOIN events e ON e.id = f.rowid WHERE events_fts MATCH ? ORDER BY e.id`).pluck();
    expect(search.all('"failed password"')).toEqual([1]);
    expect(search.all('alice')).toEqual([2]);
    // Deleting through the index still works (an import's rollback does this).
    db.prepare(`INSERT INTO events_fts (events_fts, rowid, raw) SELECT 'delete', id, raw FROM events WHERE id = 1`).run();
    expect(search.all('root')).toEqual([]);
    expect(db.prepare(`INSERT INTO events_fts (events_fts) VALUES ('integrity-check')`).run().changes).toBeGreaterThanOrEqual(0);
  });
});

describe('migration 12', () => {
  it('turns entity links and the template index into posting lists that list the same events', () => {
    const db = new Database(':memory:');
    migrate(db, 11);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/a', 'a', 'done', 1)`).run();
    const add = db.prepare(`INSERT INTO events (import_id, line_no, raw, template_id) VALUES (1, ?, ?, ?)`);
    for (let i = 1; i <= 10_000; i++) add.run(i, `line ${i}`, i % 3 === 0 ? 't1' : i % 3 === 1 ? 't2' : null);
    db.prepare(`INSERT INTO entities (rowid, id, type, value, count) VALUES (1, 'a', 'ip', '10.0.0.1', 5000), (2, 'b', 'user', 'root', 3)`).run();
    const link = db.prepare('INSERT INTO event_entities (entity, event) VALUES (?, ?)');
    for (let i = 2; i <= 10_000; i += 2) link.run(1, i);
    for (const e of [7, 70, 7000]) link.run(2, e);
    migrate(db, 12);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name IN ('event_entities', 'events_template')`).pluck().get()).toBe(0);
    const entities = new Postings(db, 'entity_events');
    const templates = new Postings(db, 'template_events');
    expect(entities.ids(1)).toEqual(Array.from({ length: 5000 }, (_, k) => 2 + 2 * k));
    expect(entities.ids(2)).toEqual([7, 70, 7000]);
    // Long lists are cut in rows of a few thousand ids.
    expect(db.prepare('SELECT count(*) FROM entity_events WHERE key = 1').pluck().get()).toBe(2);
    expect(templates.ids('t1')).toEqual(Array.from({ length: 3333 }, (_, k) => 3 + 3 * k));
    expect(templates.ids('t2').length).toBe(3334);
    expect(entities.countBetween(1, 100, 199)).toBe(50);
  });
});

describe('migration 13', () => {
  it('adds the assumed years to sources, keeping the sources there were', () => {
    const db = new Database(':memory:');
    migrate(db, 12);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/auth.log', 'auth.log', 'done', 1)`).run();
    db.prepare(`INSERT INTO sources (import_id, member_index, name, format, lines) VALUES (1, 0, 'auth.log', 'auth', 5)`).run();
    migrate(db, 13);
    expect(db.prepare('SELECT name, lines, year_first, year_last, year_future_kept FROM sources').get()).toEqual({
      name: 'auth.log',
      lines: 5,
      year_first: null,
      year_last: null,
      year_future_kept: 0,
    });
    db.prepare('UPDATE sources SET year_first = 2025, year_last = 2026').run();
    expect(db.prepare('SELECT year_first, year_last FROM sources').get()).toEqual({ year_first: 2025, year_last: 2026 });
  });
});

describe('migration 15', () => {
  it('adds the count of late lines to detection runs, keeping the runs there were', () => {
    const db = new Database(':memory:');
    migrate(db, 14);
    db.prepare(`INSERT INTO detection_runs (scope, status, events, alerts, started_at) VALUES ('all', 'done', 7, 2, 1)`).run();
    migrate(db, 15);
    expect(db.prepare('SELECT scope, status, events, alerts, late FROM detection_runs').get()).toEqual({ scope: 'all', status: 'done', events: 7, alerts: 2, late: 0 });
  });
});

describe('migration 16', () => {
  it('moves the groups\' scores to a table of their own, keeping every score and group', () => {
    const db = new Database(':memory:');
    migrate(db, 15);
    const insert = db.prepare(
      `INSERT INTO behaviour_groups (kind, key, ip, start_ts, end_ts, events, features, feature_set, score, level) VALUES ('session', ?, '10.0.0.1', 1, 2, 3, '[1]', 'v', ?, ?)`,
    );
    insert.run('scored', 0.7, 'high');
    insert.run('unscored', null, null);
    migrate(db, 16);
    expect(db.prepare('SELECT key FROM behaviour_groups ORDER BY id').pluck().all()).toEqual(['scored', 'unscored']);
    expect(db.prepare('SELECT g.key, s.score, s.level FROM behaviour_scores s JOIN behaviour_groups g ON g.id = s.group_id').all()).toEqual([
      { key: 'scored', score: 0.7, level: 'high' },
    ]);
    expect(db.prepare(`SELECT count(*) FROM pragma_table_info('behaviour_groups') WHERE name IN ('score', 'level')`).pluck().get()).toBe(0);
    // A group's score goes with it.
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM behaviour_groups WHERE key = 'scored'`).run();
    expect(db.prepare('SELECT count(*) FROM behaviour_scores').pluck().get()).toBe(0);
  });
});

describe('migration 17', () => {
  it('reads stored paths and agents as before and new ones from spans of the raw line', () => {
    const db = new Database(':memory:');
    migrate(db, 16);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/a', 'a', 'done', 1)`).run();
    const raw = '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /café HTTP/1.1" 200 5 "-" "curl/8.0"';
    db.prepare(`INSERT INTO events (import_id, line_no, raw, path, user_agent) VALUES (1, 1, ?, '/café', 'curl/8.0')`).run(raw);
    migrate(db, 17);
    const span = (v: string) => raw.indexOf(v) * 2 ** 26 + v.length;
    db.prepare('INSERT INTO events (import_id, line_no, raw, path_span, user_agent_span) VALUES (1, 2, ?, ?, ?)').run(raw, span('/café'), span('curl/8.0'));
    db.prepare('INSERT INTO events (import_id, line_no, raw) VALUES (1, 3, ?)').run('no path here');
    expect(db.prepare('SELECT line_no, path, user_agent FROM events ORDER BY line_no').all()).toEqual([
      { line_no: 1, path: '/café', user_agent: 'curl/8.0' },
      { line_no: 2, path: '/café', user_agent: 'curl/8.0' },
      { line_no: 3, path: null, user_agent: null },
    ]);
    expect(db.prepare(`SELECT count(*) FROM events WHERE path = '/café' AND user_agent LIKE 'curl%'`).pluck().get()).toBe(2);
    expect(() => db.prepare(`INSERT INTO events (import_id, line_no, raw, path) VALUES (1, 4, 'x', '/x')`).run()).toThrow(/generated/);
  });
});

describe('migrations never import live code', () => {
  it('import only types, the migration list and the frozen on-disk formats', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const dir = dirname(fileURLToPath(import.meta.url));
    for (const f of readdirSync(dir).filter((n) => /^migrations?(-[a-z]+)?\.ts$/.test(n))) {
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/^import (type )?.* from '([^']+)';$/gm)];
      for (const [, typeOnly, from] of imports) {
        if (typeOnly) continue;
        expect([`./migration-formats`, './migrations-graph', './migrations-alerting', './migrations-incidents', './migrations-triage'], `${f} imports ${from}`).toContain(from);
      }
    }
  });

  it('write the posting lists and edge pages the live code still reads', async () => {
    const { decodeIds, encodeIds } = await import('./postings');
    const { encodePage, decodePage } = await import('../graph/edge-pages');
    const { encodePostingIds, encodeEdgePage } = await import('./migration-formats');
    const ids = [5, 9, 300, 70_000, 70_001];
    expect(encodePostingIds(ids, 5)).toEqual(encodeIds(ids, 5));
    const out: number[] = [];
    decodeIds(encodePostingIds(ids, 5), 5, out);
    expect(out).toEqual(ids);
    const rec = new Float64Array([1, 2, 3, 4, 1000, 2000, 7, 8, 9, 10, 11, 12, NaN, 3000, 13, 14]);
    expect(encodeEdgePage(rec, 0, 2, (t) => t + 1)).toEqual(encodePage(rec, 0, 2, (t) => t + 1));
    expect(decodePage(encodeEdgePage(rec, 0, 2, (t) => t), 2)).toEqual(rec);
  });
});
