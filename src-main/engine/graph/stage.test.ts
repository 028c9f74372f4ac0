import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rowsOf, type GraphSlice } from '../../../src-shared/contract-graph';
import { emptyEvent, type NormalizedEvent } from '../../../src-shared/event';
import type { AlertInput, AlertSink } from '../store/alerts';
import { migrate } from '../store/migrations';
import { FanOutDetector } from './detections';
import { EntityGraph } from './model';
import { GraphQueries } from './queries';
import { refreshRisk } from './results';
import { CaseGraph } from './runtime';
import { GraphStage } from './stage';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
let nextId = 1;

function ev(fields: Partial<NormalizedEvent>): NormalizedEvent {
  return { ...emptyEvent('line', 'test'), id: nextId++, ts: T0, parser: 'auth', ...fields };
}

function collect(): AlertSink & { alerts: AlertInput[] } {
  const alerts: AlertInput[] = [];
  return { alerts, add: (a) => void alerts.push(a) };
}

function caseDb() {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

describe('edges from events', () => {
  it('types and directs edges by the roles of the columns', () => {
    const g = new EntityGraph();
    // Login attempts carry the auth meaning the parser gives them.
    const attempt = { auth_service: 'ssh', auth_attempts: 1 };
    g.addEvent(ev({ user: 'alice', src_ip: '10.0.0.1', host: 'web-01', app: 'sshd', outcome: 'success', action: 'ssh_login', fields: attempt }));
    g.addEvent(ev({ user: 'root', src_ip: '10.0.0.9', host: 'web-01', app: 'sshd', outcome: 'failure', action: 'ssh_login', fields: attempt }));
    g.addEvent(ev({ user: 'alice', app: 'sudo', host: 'web-01', action: 'sudo', outcome: 'success', fields: { target_user: 'root' } }));
    g.addEvent(ev({ src_ip: '10.0.0.9', method: 'GET', path: '/admin?x=1', parser: 'access', user_agent: 'curl/8' }));
    g.addEvent(ev({ app: 'bash', host: 'web-01', fields: { 'process.parent.name': 'sshd' } }));
    const id = (type: string, value: string) => {
      let found = 0;
      g.forEachVertex((v) => {
        if (v.type === type && v.value === value) found = v.id;
      });
      return found;
    };
    const has = (s: number, d: number, t: string) => g.edgeOf(s, d, t) !== undefined;
    const alice = id('user', 'alice');
    const root = id('user', 'root');
    const web = id('host', 'web-01');
    expect(has(alice, id('ip', '10.0.0.1'), 'authenticated_from')).toBe(true);
    expect(has(alice, web, 'logged_into')).toBe(true);
    expect(has(id('ip', '10.0.0.9'), root, 'failed_login')).toBe(true);
    expect(has(root, web, 'logged_into')).toBe(false);
    expect(has(id('ip', '10.0.0.1'), web, 'connected_to')).toBe(true);
    expect(has(alice, root, 'sudo_as')).toBe(true);
    expect(has(id('ip', '10.0.0.9'), id('url', '/admin'), 'requested')).toBe(true);
    expect(has(id('ip', '10.0.0.9'), id('user_agent', 'curl/8'), 'used_agent')).toBe(true);
    expect(has(id('process', 'sshd'), id('process', 'bash'), 'spawned')).toBe(true);
    expect(has(web, id('process', 'sshd'), 'runs')).toBe(true);
    expect(g.fanOut(id('ip', '10.0.0.9'))).toBe(4);
  });

  it('counts repeats with first and last seen', () => {
    const g = new EntityGraph();
    for (let i = 0; i < 3; i++) g.addEvent(ev({ user: 'bob', src_ip: '10.0.0.2', outcome: 'success', ts: T0 + i * 1000 }));
    const e = [...g.allEdges()][0]!;
    expect(e).toMatchObject({ type: 'authenticated_from', count: 3, first: T0, last: T0 + 2000 });
    expect(e.lastEvent).toBeGreaterThan(e.firstEvent);
  });
});

describe('fan-out bursts', () => {
  it('alerts once when an IP tries four new accounts within an hour, and keeps the burst open while more follow', () => {
    const g = new EntityGraph();
    const d = new FanOutDetector(() => g);
    const sink = collect();
    const minutes = [0, 20, 45, 55, 100, 400];
    const add = (i: number) => g.addEvent(ev({ user: `u${i}`, src_ip: '198.51.100.7', outcome: 'failure', ts: T0 + (minutes[i] as number) * 60_000 }), d.onNewEdge);
    for (let i = 0; i < 5; i++) add(i);
    d.flush(sink, T0 + 100 * 60_000);
    expect(sink.alerts).toHaveLength(0); // the burst is still open
    add(5);
    d.flush(sink, null);
    // u0..u3 within the hour start the burst, u4 joins it 45 min later; u5 comes five hours later, alone.
    expect(sink.alerts).toHaveLength(1);
    const a = sink.alerts[0]!;
    expect(a).toMatchObject({ detector: 'graph', kind: 'fan_out_burst', key: 'ip:198.51.100.7', firstTs: T0, lastTs: T0 + 100 * 60_000 });
    expect(a.details.neighbours).toBe(5);
    expect((a.details.edges as { type: string }[]).every((e) => e.type === 'failed_login')).toBe(true);
    expect(a.evidence).toHaveLength(5);
  });

  it('stays quiet for three accounts, and for repeats of the same account', () => {
    const g = new EntityGraph();
    const d = new FanOutDetector(() => g);
    const sink = collect();
    for (let i = 0; i < 50; i++) g.addEvent(ev({ user: `u${i % 3}`, src_ip: '198.51.100.8', outcome: 'failure', ts: T0 + i * 1000 }), d.onNewEdge);
    d.flush(sink, null);
    expect(sink.alerts).toHaveLength(0);
  });
});

describe('the graph stage', () => {
  function cliques(tag: string, ts: number): NormalizedEvent[] {
    // Two groups of users, each logging in from its own three addresses, joined by nothing.
    const out: NormalizedEvent[] = [];
    for (const [g, net] of [['a', '10.1.0.'], ['b', '10.2.0.']] as const) {
      for (let u = 0; u < 3; u++) for (let h = 1; h <= 3; h++) out.push(ev({ user: `${tag}${g}${u}`, src_ip: `${net}${h}`, outcome: 'success', ts }));
    }
    return out;
  }

  it('stores communities, then flags a new lone link between them as a crossing', () => {
    const db = caseDb();
    const caseGraph = new CaseGraph();
    const stage = new GraphStage(db, { caseGraph });
    const sink = collect();
    db.transaction(() => {
      stage.consume(cliques('', T0), sink);
      stage.finish(sink);
    })();
    const q = new GraphQueries(db, caseGraph);
    const s = q.summary();
    expect(s).toMatchObject({ vertices: 12, edges: 18, communities: 2 });
    expect(sink.alerts.filter((a) => a.kind === 'community_crossing')).toHaveLength(0);
    db.transaction(() => {
      stage.consume([ev({ user: 'a0', src_ip: '10.2.0.1', outcome: 'success', ts: T0 + 1000 })], sink);
      stage.finish(sink);
    })();
    const crossing = sink.alerts.filter((a) => a.kind === 'community_crossing');
    expect(crossing).toHaveLength(1);
    expect(crossing[0]!.entities).toEqual([
      { type: 'user', value: 'a0' },
      { type: 'ip', value: '10.2.0.1' },
    ]);
    expect(crossing[0]!.details.edges).toEqual([{ src: expect.any(Number), dst: expect.any(Number), type: 'authenticated_from', count: 1 }]);
  });

  it('flags sudden centrality when a vertex becomes a hub between computations', () => {
    const db = caseDb();
    const stage = new GraphStage(db);
    const sink = collect();
    const first: NormalizedEvent[] = [];
    for (let i = 0; i < 40; i++) first.push(ev({ user: `u${i}`, src_ip: `10.0.${i}.1`, outcome: 'success', ts: T0 }));
    first.push(ev({ user: 'hub', src_ip: '10.9.9.9', outcome: 'success', ts: T0 }));
    db.transaction(() => {
      stage.consume(first, sink);
      stage.finish(sink);
    })();
    const second: NormalizedEvent[] = [];
    for (let i = 0; i < 30; i++) second.push(ev({ user: `u${i}`, src_ip: '10.9.9.9', outcome: 'failure', ts: T0 + 60_000 }));
    db.transaction(() => {
      stage.consume(second, sink);
      stage.finish(sink);
    })();
    const sudden = sink.alerts.filter((a) => a.kind === 'sudden_centrality');
    expect(sudden.map((a) => a.key)).toEqual(['ip:10.9.9.9']);
    expect((sudden[0]!.details.edges as unknown[]).length).toBe(30);
  });

  it('computes a big graph in a worker thread, tells the workbench, and reloads when the case reopens', async () => {
    const db = caseDb();
    const notices: string[] = [];
    const caseGraph = new CaseGraph((n) => notices.push(n.name === 'graph.progressed' ? n.payload.phase : n.name));
    const stage = new GraphStage(db, { inlineEdgeLimit: 5, caseGraph });
    const sink = collect();
    db.transaction(() => {
      stage.consume(cliques('', T0), sink);
      stage.finish(sink);
    })();
    expect(stage.computing).toBe(true);
    // The engine thread is free meanwhile: queries answer before the results exist.
    expect(new GraphQueries(db, caseGraph).summary()).toMatchObject({ vertices: 12, computing: true, last: null });
    await stage.settled();
    expect(notices).toEqual(['snapshot', 'pagerank', 'louvain', 'betweenness', 'writing', 'graph.computed']);
    const after = new GraphQueries(db).summary();
    expect(after).toMatchObject({ communities: 2, computing: false, last: { mode: 'worker', status: 'done', vertices: 12 } });

    // A new stage on the same case, restored from saved state, continues the same graph.
    const reopened = new GraphStage(db);
    reopened.restore(stage.state());
    expect(reopened.graph().order).toBe(12);
    db.transaction(() => {
      reopened.consume([ev({ user: 'c0', src_ip: '10.1.0.1', outcome: 'success', ts: T0 })], sink);
      reopened.finish(sink);
    })();
    expect(new GraphQueries(db).summary().vertices).toBe(13);
    // A stage without saved state (detect.rerun) starts from an empty graph.
    const fresh = new GraphStage(db);
    expect(fresh.graph().order).toBe(0);
    expect(new GraphQueries(db).summary().vertices).toBe(0);
  });
});

describe('graph queries', () => {
  it('ranks neighbours by their summed edge counts and filters them by type, time and risk', () => {
    const db = caseDb();
    const caseGraph = new CaseGraph();
    const stage = new GraphStage(db, { caseGraph });
    const sink = collect();
    const hour = 3_600_000;
    const x = '203.0.113.5';
    const events = [
      ...[1, 2, 3].map((i) => ev({ user: 'u1', src_ip: x, outcome: 'failure', ts: T0 + i * 1000 })),
      ev({ user: 'u2', src_ip: x, outcome: 'failure', ts: T0 }),
      ...[1, 2].map((i) => ev({ src_ip: x, method: 'GET', path: '/a', parser: 'access', ts: T0 + i * 1000 })),
      ev({ src_ip: x, host: 'h1', ts: T0 + 2 * hour }),
    ];
    db.transaction(() => {
      stage.consume(events, sink);
      stage.finish(sink);
    })();
    const q = new GraphQueries(db, caseGraph);
    const center = q.find(x, ['ip'], 1)[0]!.id;
    const names = (s: GraphSlice) => rowsOf(s.nodes).filter((n) => n.id !== center).map((n) => n.value);

    const all = q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 0 });
    expect(names(all)).toEqual(['u1', '/a', 'u2', 'h1']);
    expect(rowsOf(all.edges).find((e) => e.type === 'failed_login' && e.count === 3)).toBeDefined();

    const two = q.ego({ vertexId: center, depth: 1, maxNodes: 3, minRisk: 0 });
    expect(names(two)).toEqual(['u1', '/a']);
    expect(two.hiddenNeighbours[String(center)]).toBe(2);

    expect(names(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 0, types: ['user'] }))).toEqual(['u1', 'u2']);
    expect(names(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 0, from: T0 + hour }))).toEqual(['h1']);
    expect(names(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 0, to: T0 + 1500 }))).toEqual(['u1', '/a', 'u2']);

    // Risk is the risk register's peak for the entity (what the queue shows); the queries see a
    // refresh as soon as the case's graph is told of it (the session does after every rebuild).
    expect(names(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 1 }))).toEqual([]);
    db.prepare(`INSERT INTO alerts (detector, kind, title, severity, entities) VALUES ('sigma', 'r1', 't', 'high', '[{"type":"user","value":"u2"}]')`).run();
    db.prepare(`INSERT INTO entity_risk (type, value, risk, peak, alerts) VALUES ('user', 'u2', 0.5, 12.5, 1)`).run();
    refreshRisk(db);
    caseGraph.metricsChanged();
    expect(names(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 1 }))).toEqual(['u2']);
    const u2 = rowsOf(q.ego({ vertexId: center, depth: 1, maxNodes: 10, minRisk: 1 }).nodes).find((n) => n.value === 'u2')!;
    expect(u2.risk).toBe(12.5);
    expect(q.node(u2.id)).toMatchObject({ risk: 12.5, alerts: 1 });
  });

  it('keeps every vertex of a capped slice its strongest edge before the strong edges of hubs', () => {
    const db = caseDb();
    const stage = new GraphStage(db);
    const sink = collect();
    const events: NormalizedEvent[] = [];
    // Two busy users on one address each (strong edges), and an actor that tried one account once.
    for (let i = 0; i < 20; i++) events.push(ev({ user: 'busy1', src_ip: '10.0.0.1', outcome: 'success', ts: T0 + i }));
    for (let i = 0; i < 20; i++) events.push(ev({ user: 'busy1', src_ip: '10.0.0.2', outcome: 'success', ts: T0 + i }));
    for (let i = 0; i < 20; i++) events.push(ev({ user: 'busy2', src_ip: '10.0.0.1', outcome: 'success', ts: T0 + i }));
    events.push(ev({ user: 'busy2', src_ip: '203.0.113.9', outcome: 'failure', ts: T0 }));
    db.transaction(() => {
      stage.consume(events, sink);
      stage.finish(sink);
    })();
    const q = new GraphQueries(db);
    const full = q.slice({ maxNodes: 10, maxEdges: 100, minRisk: 0 });
    expect(full.edges.src).toHaveLength(4);
    const capped = q.slice({ maxNodes: 10, maxEdges: 3, minRisk: 0 });
    const edges = rowsOf(capped.edges);
    expect(edges).toHaveLength(3);
    expect(capped.moreEdges).toBe(1);
    const actor = rowsOf(capped.nodes).find((n) => n.value === '203.0.113.9')!.id;
    // By strength alone the actor's one weak edge would be the one cut.
    expect(edges.some((e) => e.src === actor || e.dst === actor)).toBe(true);
    const ends = new Set(edges.flatMap((e) => [e.src, e.dst]));
    expect(capped.nodes.id.every((id) => ends.has(id))).toBe(true);
    // Still strongest first.
    expect(capped.edges.count).toEqual([...capped.edges.count].sort((a, b) => b - a));
  });
});
