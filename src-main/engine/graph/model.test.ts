import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../src-shared/event';
import { migrate } from '../store/migrations';
import { EntityGraph, type Vertex } from './model';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
let nextId = 1;

function ev(fields: Partial<NormalizedEvent>): NormalizedEvent {
  return { ...emptyEvent('line', 'test'), id: nextId++, ts: T0, parser: 'auth', ...fields };
}

function caseDb() {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

type Row = [number, number, string, number, number | null, number | null, number, number];
const edgeRows = (db: Database.Database) =>
  db.prepare('SELECT src, dst, type, count, first_seen, last_seen, first_event, last_event FROM graph_edges ORDER BY src, dst, type').raw().all() as Row[];
const vertexRows = (db: Database.Database) => db.prepare('SELECT * FROM graph_vertices ORDER BY id').raw().all();

function vertexNamed(g: EntityGraph, value: string) {
  let found: Vertex | undefined;
  g.forEachVertex((v) => {
    if (v.value === value) found = v;
  });
  if (!found) throw new Error(`no vertex ${value}`);
  return found;
}

/** What the table should hold: every edge of the graph as it is in memory. */
function expected(g: EntityGraph): Row[] {
  return [...g.allEdges()]
    .map((e): Row => [e.src, e.dst, e.type, e.count, e.first, e.last, e.firstEvent, e.lastEvent])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
}

describe('writing the graph to the case', () => {
  it('inserts new edges and updates written ones, flush after flush', () => {
    const db = caseDb();
    const g = new EntityGraph();
    const batches = [
      [ev({ user: 'alice', src_ip: '10.0.0.1', host: 'web-01', app: 'sshd', outcome: 'success', action: 'ssh_login' })],
      // The same edges again (updates), new ones between old vertices, and new vertices.
      [
        ev({ user: 'alice', src_ip: '10.0.0.1', host: 'web-01', app: 'sshd', outcome: 'success', action: 'ssh_login', ts: T0 + 5000 }),
        ev({ user: 'alice', src_ip: '10.0.0.1', outcome: 'failure', ts: T0 - 5000 }),
        ev({ src_ip: '10.0.0.2', method: 'GET', path: '/a', parser: 'access', user_agent: 'curl/8', host: 'web-01' }),
      ],
      [ev({ src_ip: '10.0.0.2', method: 'GET', path: '/a', parser: 'access', user_agent: 'curl/8', host: 'web-02', ts: T0 + 9000 })],
    ];
    for (const batch of batches) {
      for (const e of batch) g.addEvent(e);
      db.transaction(() => g.flush(db))();
      expect(edgeRows(db)).toEqual(expected(g));
    }
    expect(g.edgeOf(vertexNamed(g, 'alice').id, vertexNamed(g, '10.0.0.1').id, 'authenticated_from')).toMatchObject({ count: 2, first: T0, last: T0 + 5000 });
    // A reloaded graph continues with the same rows.
    const again = new EntityGraph();
    again.load(db);
    again.addEvent(ev({ user: 'alice', src_ip: '10.0.0.1', outcome: 'success', ts: T0 + 20_000 }));
    again.addEvent(ev({ user: 'bob', src_ip: '10.0.0.1', outcome: 'success', ts: T0 + 20_000 }));
    db.transaction(() => again.flush(db))();
    expect(edgeRows(db)).toEqual(expected(again));
    expect(vertexRows(db)).toHaveLength(again.order);
  });

  it('writes edges in any order of creation, and keeps rows it could not load', () => {
    const db = caseDb();
    const g = new EntityGraph();
    // Sources created in descending order, several edges per source of different types.
    for (let i = 20; i > 0; i--) {
      g.addEvent(ev({ user: `u${i % 4}`, src_ip: `10.0.1.${i}`, outcome: i % 3 === 0 ? 'failure' : 'success', host: `h${i % 3}`, action: 'ssh_login' }));
      g.addEvent(ev({ src_ip: `10.0.1.${i}`, method: 'GET', path: `/p/${i % 5}`, parser: 'access', user_agent: `ua${i % 2}` }));
    }
    db.transaction(() => g.flush(db))();
    expect(edgeRows(db)).toEqual(expected(g));

    // A row whose source vertex is gone: the reloaded graph skips it. When the same vertex id comes
    // back (it was the last one) with an edge of the same key, the flush updates the row it could
    // not load instead of failing on the key, and keeps that row's first event, as it always did.
    const db2 = caseDb();
    const h = new EntityGraph();
    h.addEvent(ev({ user: 'alice', src_ip: '10.0.0.1', outcome: 'success' }));
    h.addEvent(ev({ user: 'bob', src_ip: '10.0.0.1', outcome: 'success' }));
    db2.transaction(() => h.flush(db2))();
    const bob = vertexNamed(h, 'bob');
    expect(bob.id).toBe(3);
    const orphan = edgeRows(db2).find((r) => r[0] === bob.id)!;
    db2.prepare('DELETE FROM graph_vertices WHERE id = ?').run(bob.id);
    const reloaded = new EntityGraph();
    reloaded.load(db2);
    expect(reloaded.order).toBe(2);
    reloaded.addEvent(ev({ user: 'bob', src_ip: '10.0.0.1', outcome: 'success', ts: T0 + 60_000 }));
    expect(reloaded.vertexOf(bob.entityId)!.id).toBe(bob.id);
    expect(() => db2.transaction(() => reloaded.flush(db2))()).not.toThrow();
    const row = edgeRows(db2).find((r) => r[0] === bob.id)!;
    expect(row).toEqual([bob.id, orphan[1], 'authenticated_from', 1, T0 + 60_000, T0 + 60_000, orphan[6], nextId - 1]);
  });
});
