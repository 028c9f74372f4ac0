/** The graph view's layout pieces: a seeded start, ForceAtlas2 in slices, the per-view cache. */
import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../../src-shared/contract-graph';
import { Fa2Job } from './fa2';
import { PositionCache, seedPositions } from './positions';

function node(id: number, community: number | null): GraphNode {
  return { id, entityId: '', type: 'ip', value: `v${id}`, firstSeen: null, lastSeen: null, events: 1, pagerank: 0.01, betweenness: null, community, fanIn: 0, fanOut: 0, risk: 0, alerts: 0 };
}

/** Two rings of 30 joined by one edge: what a layout must pull apart into two groups. */
function twoRings() {
  const nodes = Array.from({ length: 60 }, (_, i) => node(i + 1, i < 30 ? 0 : 1));
  const pairs: number[] = [];
  for (let i = 0; i < 30; i++) pairs.push(i, (i + 1) % 30, 30 + i, 30 + ((i + 1) % 30));
  pairs.push(0, 30);
  return { nodes, pairs: Uint32Array.from(pairs) };
}

function layout(budgetMs: number) {
  const { nodes, pairs } = twoRings();
  const seeds = seedPositions(nodes);
  const xy = new Float32Array(nodes.flatMap((n) => seeds.get(n.id)!));
  const job = new Fa2Job(Int32Array.from(nodes, (_, i) => i), xy, new Float32Array(60).fill(4), new Uint8Array(60), pairs, 300);
  while (!job.finished) job.run(budgetMs);
  job.writeTo(xy);
  return xy;
}

describe('graph layout', () => {
  it('starts each community in a disc of its own, the same way every time', () => {
    const { nodes } = twoRings();
    const a = seedPositions(nodes);
    // The same vertices in another order land in the same places.
    expect(seedPositions([...nodes].reverse())).toEqual(a);
    const centre = (c: number) => {
      const ps = nodes.filter((n) => n.community === c).map((n) => a.get(n.id)!);
      return [ps.reduce((s, p) => s + p[0], 0) / ps.length, ps.reduce((s, p) => s + p[1], 0) / ps.length];
    };
    const [x0, y0] = centre(0);
    const [x1, y1] = centre(1);
    expect(Math.hypot(x0! - x1!, y0! - y1!)).toBeGreaterThan(20);
  });

  it('lands the same however its slices are timed, and pulls the two groups apart', () => {
    const a = layout(0.01);
    const b = layout(1000);
    expect(Array.from(b)).toEqual(Array.from(a));
    const mean = (from: number) => {
      let x = 0;
      let y = 0;
      for (let i = from; i < from + 30; i++) {
        x += a[2 * i]! / 30;
        y += a[2 * i + 1]! / 30;
      }
      return [x, y] as const;
    };
    const spread = (from: number, [cx, cy]: readonly [number, number]) => {
      let d = 0;
      for (let i = from; i < from + 30; i++) d += Math.hypot(a[2 * i]! - cx, a[2 * i + 1]! - cy) / 30;
      return d;
    };
    const m0 = mean(0);
    const m1 = mean(30);
    // Each ring is tighter than the gap between them.
    expect(Math.hypot(m0[0] - m1[0], m0[1] - m1[1])).toBeGreaterThan(Math.max(spread(0, m0), spread(30, m1)));
  });

  it('keeps fixed vertices where they are', () => {
    const { nodes, pairs } = twoRings();
    const seeds = seedPositions(nodes);
    const xy = new Float32Array(nodes.flatMap((n) => seeds.get(n.id)!));
    const before = xy.slice();
    const fixed = Uint8Array.from(nodes, (_, i) => (i < 30 ? 1 : 0));
    const job = new Fa2Job(Int32Array.from(nodes, (_, i) => i), xy, new Float32Array(60).fill(4), fixed, pairs, 50);
    job.run(10_000);
    job.writeTo(xy);
    expect(Array.from(xy.slice(0, 60))).toEqual(Array.from(before.slice(0, 60)));
    expect(Array.from(xy.slice(60))).not.toEqual(Array.from(before.slice(60)));
  });

  it('caches finished layouts per view, the most recent kept', () => {
    const cache = new PositionCache();
    cache.put('case|1|overview', [[1, [0, 0]]]);
    cache.put('case|1|overview', [[2, [5, 5]]]);
    expect([...cache.get('case|1|overview')!.keys()]).toEqual([1, 2]);
    for (let i = 0; i < 30; i++) cache.put(`case|1|view${i}`, [[i, [i, i]]]);
    expect(cache.get('case|1|overview')).toBeUndefined();
    expect(cache.get('case|1|view29')!.get(29)).toEqual([29, 29]);
  });
});
