import { describe, expect, it } from 'vitest';
import { computeMetrics, LIBS, type MetricsInput } from './algorithms';
import { computeInWorker } from './compute-worker';

function input(n: number, pairs: [number, number][], weights?: number[], seed = 7): MetricsInput {
  return {
    n,
    src: Int32Array.from(pairs.map((p) => p[0])),
    dst: Int32Array.from(pairs.map((p) => p[1])),
    weight: Float64Array.from(weights ?? pairs.map(() => 1)),
    seed,
    betweennessMax: 1000,
  };
}

describe('graph algorithms against values computed by hand', () => {
  it('PageRank of a path a–b–c (α = 0.85)', () => {
    // By symmetry pa = pc = x, pb = 1 − 2x; pa = 0.15/3 + 0.85·pb/2 ⇒ x = 0.475 / 1.85.
    const out = computeMetrics(input(3, [[0, 1], [1, 2]]), LIBS);
    const x = 0.475 / 1.85;
    expect(out.pagerank[0]).toBeCloseTo(x, 6);
    expect(out.pagerank[2]).toBeCloseTo(x, 6);
    expect(out.pagerank[1]).toBeCloseTo(1 - 2 * x, 6);
  });

  it('PageRank of a star with three leaves', () => {
    // Leaf x = 0.15/4 + 0.85·y/3 and y = 1 − 3x ⇒ x = (0.0375 + 0.85/3) / (1 + 0.85).
    const out = computeMetrics(input(4, [[0, 1], [0, 2], [0, 3]]), LIBS);
    const x = (0.0375 + 0.85 / 3) / 1.85;
    expect(out.pagerank[1]).toBeCloseTo(x, 6);
    expect(out.pagerank[0]).toBeCloseTo(1 - 3 * x, 6);
    const sum = Array.from(out.pagerank).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
  });

  it('betweenness of a path and of a star (normalised by (n−1)(n−2)/2)', () => {
    const path = computeMetrics(input(3, [[0, 1], [1, 2]]), LIBS);
    // Only b lies on the one shortest path a–c: 1 / ((3−1)(3−2)/2) = 1.
    expect(Array.from(path.betweenness)).toEqual([0, 1, 0]);
    const star = computeMetrics(input(4, [[0, 1], [0, 2], [0, 3]]), LIBS);
    // The centre lies on all 3 leaf pairs: 3 / ((4−1)(4−2)/2) = 1.
    expect(Array.from(star.betweenness)).toEqual([1, 0, 0, 0]);
    expect(star.betweennessMode).toBe('exact');
  });

  it('Louvain splits two 4-cliques joined by one edge, the same way for the same seed', () => {
    const pairs: [number, number][] = [];
    for (const base of [0, 4]) for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) pairs.push([base + i, base + j]);
    pairs.push([3, 4]);
    const a = computeMetrics(input(8, pairs, undefined, 42), LIBS);
    expect(a.communities).toBe(2);
    const c = Array.from(a.community);
    expect(new Set(c.slice(0, 4)).size).toBe(1);
    expect(new Set(c.slice(4)).size).toBe(1);
    expect(c[0]).not.toBe(c[4]);
    // Modularity by hand: m = 13; each side has 6 internal edges and degree sum 6·2 + 1 = 13.
    // Q = Σ_c [L_c/m − (d_c/2m)²] = 2·(6/13 − (13/26)²) = 12/13 − 0.5.
    expect(a.modularity).toBeCloseTo(12 / 13 - 0.5, 9);
    const b = computeMetrics(input(8, pairs, undefined, 42), LIBS);
    expect(Array.from(b.community)).toEqual(c);
    // Renumbered by size then lowest member: the clique holding vertex 0 is community 0.
    expect(c[0]).toBe(0);
  });

  it('isolated vertices get communities of their own, after the others', () => {
    const out = computeMetrics(input(4, [[0, 1]]), LIBS);
    expect(Array.from(out.community)).toEqual([0, 0, 1, 2]);
    expect(out.communities).toBe(3);
  });

  it('takes betweenness over the top-PageRank core when the graph is bigger than the limit', () => {
    const pairs: [number, number][] = [];
    for (let i = 1; i < 50; i++) pairs.push([0, i]);
    const out = computeMetrics({ ...input(50, pairs), betweennessMax: 10 }, LIBS);
    expect(out.betweennessMode).toBe('core');
    expect(out.betweenness[0]).toBe(1);
    expect(Array.from(out.betweenness).filter((b) => !Number.isNaN(b))).toHaveLength(10);
  });

  it('gives the same results in the worker thread as inline', async () => {
    const pairs: [number, number][] = [];
    for (let i = 0; i < 200; i++) pairs.push([i, (i * 7 + 3) % 200], [i, (i + 1) % 200]);
    const a = computeMetrics(input(200, pairs), LIBS);
    const phases: string[] = [];
    const b = await computeInWorker(input(200, pairs), (p) => phases.push(p));
    expect(Array.from(b.pagerank)).toEqual(Array.from(a.pagerank));
    expect(Array.from(b.community)).toEqual(Array.from(a.community));
    expect(Array.from(b.betweenness)).toEqual(Array.from(a.betweenness));
    expect(phases).toEqual(['pagerank', 'louvain', 'betweenness']);
  });
});
