import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../store/migrations';
import { PAGE_EDGES } from './edge-pages';
import { EntityGraph } from './model';

describe('migration 6: entity graph tables', () => {
  it('adds vertices, edges, metrics, communities and runs, and keeps the case data', () => {
    const db = new Database(':memory:');
    migrate(db, 5);
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/x/auth.log', 'auth.log', 'done', 1)`).run();
    db.prepare(`INSERT INTO events (import_id, line_no, ts, raw, src_ip, user) VALUES (1, 1, 1000, 'Accepted password for bob from 10.0.0.1', '10.0.0.1', 'bob')`).run();
    db.prepare(`INSERT INTO entities (id, type, value, count) VALUES ('e-1', 'ip', '10.0.0.1', 1)`).run();
    db.prepare(`INSERT INTO alerts (detector, kind, title, entities) VALUES ('sigma', 'r1', 'kept', '[{"type":"ip","value":"10.0.0.1"}]')`).run();

    migrate(db, 6);
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare('SELECT user FROM events').pluck().get()).toBe('bob');
    expect(db.prepare('SELECT title FROM alerts').pluck().get()).toBe('kept');

    db.prepare(`INSERT INTO graph_vertices (id, entity_id, type, value, first_seen, last_seen, events) VALUES (1, 'e-1', 'ip', '10.0.0.1', 1000, 1000, 1), (2, 'e-2', 'user', 'bob', 1000, 1000, 1)`).run();
    db.prepare(`INSERT INTO graph_edges (src, dst, type, count, first_seen, last_seen, first_event, last_event) VALUES (2, 1, 'authenticated_from', 1, 1000, 1000, 1, 1)`).run();
    expect(() => db.prepare(`INSERT INTO graph_edges (src, dst, type, count, first_event, last_event) VALUES (2, 1, 'authenticated_from', 1, 1, 1)`).run()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare(`INSERT INTO graph_vertices (id, entity_id, type, value) VALUES (3, 'e-1', 'ip', 'dup')`).run()).toThrow(/UNIQUE/);
    db.prepare(`INSERT INTO graph_metrics (vertex, pagerank, community, fan_in, fan_out) VALUES (1, 0.5, 0, 1, 0)`).run();
    db.prepare(`INSERT INTO graph_communities (id, size, top) VALUES (0, 2, '[1,2]')`).run();
    db.prepare(`INSERT INTO graph_runs (mode, status, vertices, edges, ms, finished_at) VALUES ('inline', 'done', 2, 1, 3, 1)`).run();
    expect(() => db.prepare(`INSERT INTO graph_runs (mode, status, vertices, edges, ms, finished_at) VALUES ('gpu', 'done', 2, 1, 3, 1)`).run()).toThrow(/CHECK/);
    const row = db.prepare('SELECT m.pagerank, c.size FROM graph_metrics m JOIN graph_communities c ON c.id = m.community').get();
    expect(row).toEqual({ pagerank: 0.5, size: 2 });
  });
});

describe('migration 11: edges as pages of records', () => {
  it('moves every edge row into pages the graph loads, with its counts, times and events', () => {
    const db = new Database(':memory:');
    migrate(db, 10);
    const vertices = db.prepare(`INSERT INTO graph_vertices (id, entity_id, type, value, first_seen, last_seen, events) VALUES (?, ?, ?, ?, 1000, 2000, 1)`);
    const edges = db.prepare(`INSERT INTO graph_edges (src, dst, type, count, first_seen, last_seen, first_event, last_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    // More than a page of edges: an address requesting many paths, plus a login without times.
    const paths = PAGE_EDGES + 10;
    vertices.run(1, 'e-ip', 'ip', '10.0.0.1');
    vertices.run(2, 'e-bob', 'user', 'bob');
    for (let i = 0; i < paths; i++) {
      vertices.run(3 + i, `e-p${i}`, 'url', `/p/${i}`);
      edges.run(1, 3 + i, 'requested', 1 + (i % 7), 1000 + i, 2000 + i, 10 + i, 20 + i);
    }
    edges.run(2, 1, 'authenticated_from', 3, null, null, 5, 9);

    migrate(db, 11);
    expect(schemaVersion(db)).toBe(11);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'graph_edges'`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM graph_edge_pages').pluck().get()).toBe(2);
    const g = new EntityGraph();
    g.load(db);
    expect(g.size).toBe(paths + 1);
    expect(g.edgeOf(1, 3 + 4100, 'requested')).toMatchObject({ count: 1 + (4100 % 7), first: 5100, last: 6100, firstEvent: 4110, lastEvent: 4120 });
    expect(g.edgeOf(2, 1, 'authenticated_from')).toMatchObject({ count: 3, first: null, last: null, firstEvent: 5, lastEvent: 9 });
    expect(g.fanOut(1)).toBe(paths);
  });
});
