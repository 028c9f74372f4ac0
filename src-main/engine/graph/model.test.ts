import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../src-shared/event';
import { migrate } from '../store/migrations';
import { decodePage, EDGE_STRIDE, PAGE_EDGES } from './edge-pages';
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
const byKey = (a: Row, b: Row) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

/** Every edge record the case's pages hold, decoded on their own (not through the graph). */
function edgeRows(db: Database.Database): Row[] {
  const types = new Map(db.prepare('SELECT id, name FROM graph_edge_types').raw().all() as [number, string][]);
  const rows: Row[] = [];
  const pages = db.prepare('SELECT page, edges, data FROM graph_edge_pages ORDER BY page').raw().all() as [number, number, Buffer][];
  pages.forEach(([page, edges, data], k) => {
    expect(page).toBe(k);
    if (k < pages.length - 1) expect(edges).toBe(PAGE_EDGES);
    const rec = decodePage(data, edges)!;
    for (let i = 0; i < edges; i++) {
      const r = Array.from(rec.subarray(i * EDGE_STRIDE, (i + 1) * EDGE_STRIDE));
      const orNull = (x: number) => (Number.isNaN(x) ? null : x);
      rows.push([r[0]!, r[1]!, types.get(r[2]!)!, r[3]!, orNull(r[4]!), orNull(r[5]!), r[6]!, r[7]!]);
    }
  });
  return rows.sort(byKey);
}
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
    .sort(byKey);
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

  it('writes edges in any order of creation, and rewrites only the pages that changed', () => {
    const db = caseDb();
    const g = new EntityGraph();
    // Sources created in descending order, several edges per source of different types.
    for (let i = 20; i > 0; i--) {
      g.addEvent(ev({ user: `u${i % 4}`, src_ip: `10.0.1.${i}`, outcome: i % 3 === 0 ? 'failure' : 'success', host: `h${i % 3}`, action: 'ssh_login' }));
      g.addEvent(ev({ src_ip: `10.0.1.${i}`, method: 'GET', path: `/p/${i % 5}`, parser: 'access', user_agent: `ua${i % 2}` }));
    }
    db.transaction(() => g.flush(db))();
    expect(edgeRows(db)).toEqual(expected(g));

    // Two and a bit pages of edges; then one more event touching an edge of the first page only.
    for (let i = 0; i < PAGE_EDGES + 100; i++) g.addEvent(ev({ src_ip: '10.0.2.1', method: 'GET', path: `/q/${i}`, parser: 'access' }));
    db.transaction(() => g.flush(db))();
    expect(edgeRows(db)).toEqual(expected(g));
    const blob = (page: number) => db.prepare('SELECT data FROM graph_edge_pages WHERE page = ?').pluck().get(page) as Buffer;
    const before = [0, 1].map(blob);
    g.addEvent(ev({ user: 'u1', src_ip: '10.0.1.1', outcome: 'success', ts: T0 + 1000, action: 'ssh_login' }));
    db.transaction(() => g.flush(db))();
    expect(blob(0).equals(before[0]!)).toBe(false);
    expect(blob(1).equals(before[1]!)).toBe(true);
    expect(edgeRows(db)).toEqual(expected(g));
  });

  it('drops edges it cannot load, and the next flush writes the pages to match', () => {
    // A record whose source vertex is gone: the reloaded graph skips it, numbers the rest afresh,
    // and its next flush replaces every page, so the case never holds the orphan again.
    const db = caseDb();
    const h = new EntityGraph();
    h.addEvent(ev({ user: 'alice', src_ip: '10.0.0.1', outcome: 'success' }));
    h.addEvent(ev({ user: 'bob', src_ip: '10.0.0.1', outcome: 'success' }));
    h.addEvent(ev({ user: 'carol', src_ip: '10.0.0.1', outcome: 'success' }));
    db.transaction(() => h.flush(db))();
    const bob = vertexNamed(h, 'bob');
    db.prepare('DELETE FROM graph_vertices WHERE id = ?').run(bob.id);
    const reloaded = new EntityGraph();
    reloaded.load(db);
    expect(reloaded.size).toBe(2);
    db.transaction(() => reloaded.flush(db))();
    expect(edgeRows(db)).toEqual(expected(reloaded));
    expect(edgeRows(db).some((r) => r[0] === bob.id)).toBe(false);

    // A page that is not as long as it says (a damaged case): loading skips it instead of failing.
    db.prepare('UPDATE graph_edge_pages SET data = zeroblob(10) WHERE page = 0').run();
    const damaged = new EntityGraph();
    expect(() => damaged.load(db)).not.toThrow();
    expect(damaged.size).toBe(0);
    damaged.addEvent(ev({ user: 'dave', src_ip: '10.0.0.1', outcome: 'success' }));
    db.transaction(() => damaged.flush(db))();
    expect(edgeRows(db)).toEqual(expected(damaged));
  });
});
