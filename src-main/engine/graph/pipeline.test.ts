import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GRAPH_SLICE_EDGE_FIELDS, GRAPH_SLICE_NODE_FIELDS, rowAt, rowsOf, type GraphCommunitiesPage, type GraphNode, type GraphSlice, type GraphSummary, type GraphVertexDetail } from '../../../src-shared/contract-graph';
import type { AlertRow, DetectionRun, ImportJob, Page } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { TestEngine } from '../test-support';

let engine: TestEngine;

async function find(value: string, type?: string): Promise<GraphNode> {
  const hits = await engine.call<GraphNode[]>('graph.findVertices', { query: value, ...(type ? { types: [type] } : {}) });
  const hit = hits.find((h) => h.value === value);
  if (!hit) throw new Error(`no vertex ${value}`);
  return hit;
}

describeShared('entity graph built by the pipeline from the shared EC2 auth.log', [join(SHARED_DATA, 'elastic', 'auth.log')], () => {
  beforeAll(async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'graph' });
    const detected = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
    const imported = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
    await engine.call('ingest.startImport', { paths: [join(SHARED_DATA, 'elastic', 'auth.log')] });
    expect((await imported).status).toBe('done');
    expect((await detected).status).toBe('done');
  }, 120_000);
  afterAll(async () => {
    await engine?.link.close();
  });

  it('has typed edges for a known successful login and for failed ones', async () => {
    const ubuntu = await find('ubuntu', 'user');
    const ip = await find('85.245.107.41', 'ip');
    const detail = await engine.call<GraphVertexDetail>('graph.getVertex', { vertexId: ubuntu.id, maxEdges: 200 });
    const login = detail.edges.find((e) => e.src === ubuntu.id && e.dst === ip.id && e.type === 'authenticated_from');
    expect(login).toBeDefined();
    // "Accepted publickey for ubuntu from 85.245.107.41" first appears at Mar 27 13:08:09.
    expect(login!.count).toBeGreaterThanOrEqual(5);
    const host = await find('ip-10-77-20-248', 'host');
    expect(detail.edges.some((e) => e.src === ubuntu.id && e.dst === host.id && e.type === 'logged_into')).toBe(true);

    const attacker = await find('24.151.103.17', 'ip');
    const a = await engine.call<GraphVertexDetail>('graph.getVertex', { vertexId: attacker.id, maxEdges: 200 });
    const failed = a.edges.filter((e) => e.src === attacker.id && e.type === 'failed_login');
    const users = new Set(failed.map((e) => a.neighbours.find((n) => n.id === e.dst)?.value));
    for (const u of ['elastic_user_0', 'elastic_user_3', 'elastic_user_5', 'elastic_user_7', 'elastic_user_8']) expect(users.has(u)).toBe(true);
    expect(a.edges.some((e) => e.src === attacker.id && e.dst === host.id && e.type === 'connected_to')).toBe(true);
    // pam_unix named elastic_user_0 in 147 failures from that address.
    const user0 = a.neighbours.find((n) => n.value === 'elastic_user_0')!;
    expect(failed.find((e) => e.dst === user0.id)!.count).toBeGreaterThanOrEqual(147);
    expect(attacker.fanOut).toBeGreaterThanOrEqual(9);
  });

  it('computes PageRank and communities and stores them per vertex', async () => {
    const summary = await engine.call<GraphSummary>('graph.getSummary');
    expect(summary.vertices).toBeGreaterThan(100);
    expect(summary.last).toMatchObject({ status: 'done', mode: 'inline' });
    expect(summary.communities).toBeGreaterThan(1);
    const attacker = await find('24.151.103.17', 'ip');
    expect(attacker.pagerank).toBeGreaterThan(0);
    expect(attacker.community).not.toBeNull();
    const page = await engine.call<GraphCommunitiesPage>('graph.listCommunities', { limit: 500 });
    const mine = page.rows.find((c) => c.id === attacker.community)!;
    expect(mine.size).toBeGreaterThan(1);
    expect(page.rows[0]!.size).toBeGreaterThanOrEqual(page.rows[page.rows.length - 1]!.size);
  });

  it('raises a fan-out burst for 24.151.103.17 with its evidence edges', async () => {
    const alerts = await engine.call<Page<AlertRow>>('alerts.list', { detector: 'graph', kind: 'fan_out_burst', limit: 1000 });
    const burst = alerts.rows.find((a) => a.key === 'ip:24.151.103.17');
    expect(burst).toBeDefined();
        expect((burst!.details.edges as unknown[]).length).toBe(burst!.evidence.length);
    // In event time it tried elastic_user_5, _8, _7 and _6 within 50 minutes on Mar 30, after _3
    // and _4 the day before, and _0 almost two hours later.
    expect(burst!.details.neighbours).toBe(4);
    expect(burst!.entities.map((e) => e.value).sort()).toEqual(['24.151.103.17', 'elastic_user_5', 'elastic_user_6', 'elastic_user_7', 'elastic_user_8']);
    // The fast sprayer of the file too, once.
    expect(alerts.rows.filter((a) => a.key === 'ip:91.197.232.109')).toHaveLength(1);
    const attacker = await find('24.151.103.17', 'ip');
    expect(attacker.risk).toBeGreaterThan(0);
  });

  it('serves capped slices and ego graphs with an honest count of what was left out', async () => {
    const slice = await engine.call<GraphSlice>('graph.getSlice', { maxNodes: 20, maxEdges: 10 });
    const nodes = rowsOf(slice.nodes);
    const edges = rowsOf(slice.edges);
    expect(nodes).toHaveLength(20);
    expect(slice.moreNodes).toBe(slice.matchedNodes - 20);
    expect(edges.length).toBeLessThanOrEqual(10);
    const ids = new Set(nodes.map((n) => n.id));
    expect(edges.every((e) => ids.has(e.src) && ids.has(e.dst))).toBe(true);
    // PageRank order.
    const pr = nodes.map((n) => n.pagerank ?? 0);
    expect(pr).toEqual([...pr].sort((a, b) => b - a));
    // The columns say of a vertex and an edge what draws them, as their details give it.
    const top = await engine.call<GraphVertexDetail>('graph.getVertex', { vertexId: nodes[0]!.id });
    expect(rowAt(slice.nodes, 0)).toEqual(Object.fromEntries(GRAPH_SLICE_NODE_FIELDS.map((f) => [f, top.node[f]])));
    const strongest = rowAt(slice.edges, 0);
    const same = (await engine.call<GraphVertexDetail>('graph.getVertex', { vertexId: strongest.src, maxEdges: 200 })).edges.find((e) => e.dst === strongest.dst && e.type === strongest.type);
    expect(same).toMatchObject(strongest);
    expect(Object.keys(slice.edges)).toEqual([...GRAPH_SLICE_EDGE_FIELDS]);

    const attacker = await find('24.151.103.17', 'ip');
    const ego = await engine.call<GraphSlice>('graph.getEgo', { vertexId: attacker.id, maxNodes: 4 });
    expect(ego.center).toBe(attacker.id);
    expect(ego.nodes.id).toHaveLength(4);
    const all = await engine.call<GraphVertexDetail>('graph.getVertex', { vertexId: attacker.id, maxEdges: 200 });
    expect(ego.hiddenNeighbours[String(attacker.id)]).toBe(all.neighbours.length - 3);
    expect(ego.moreNodes).toBe(all.neighbours.length - 3);
    const users = await engine.call<GraphSlice>('graph.getSlice', { types: ['user'], maxNodes: 5000 });
    expect(users.nodes.type.every((t) => t === 'user')).toBe(true);
    expect(users.moreNodes).toBe(0);
  });

  it('rebuilds the same graph when detection re-runs over the whole case', async () => {
    const before = await engine.call<GraphSummary>('graph.getSummary');
    const again = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
    await engine.call('detect.rerun');
    await again;
    const after = await engine.call<GraphSummary>('graph.getSummary');
    expect(after.vertices).toBe(before.vertices);
    expect(after.edges).toBe(before.edges);
    expect(after.communities).toBe(before.communities);
  });
});
