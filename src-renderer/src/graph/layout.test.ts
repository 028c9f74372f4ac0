/** The graph view's layout pieces: a seeded start, what the worker makes of a slice, ForceAtlas2 in slices, the per-view cache. */
import { describe, expect, it } from 'vitest';
import { Fa2Job } from './fa2';
import { PositionCache, seedPositions } from './positions';
import { prepareGraph } from './prepare';
import { iterationsFor, type GraphMessage } from './view-protocol';

/** Two rings of 30 joined by one edge: what a layout must pull apart into two groups. */
function twoRings() {
  const ids = Int32Array.from({ length: 60 }, (_, i) => i + 1);
  const community = Int32Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : 1));
  const pairs: number[] = [];
  for (let i = 0; i < 30; i++) pairs.push(i, (i + 1) % 30, 30 + i, 30 + ((i + 1) % 30));
  pairs.push(0, 30);
  return { ids, community, pairs: Uint32Array.from(pairs) };
}

const joined = (values: string[]) => ({ values: values.join(''), valueLength: Int32Array.from(values, (v) => v.length) });

/** The two rings as the view sends them to its worker (edges by vertex number). */
function message(over: Partial<GraphMessage> = {}): GraphMessage {
  const { ids, community, pairs } = twoRings();
  const m = pairs.length / 2;
  return {
    type: 'graph',
    job: 1,
    fresh: true,
    ids,
    pagerank: Float64Array.from(ids, (_, i) => (i === 0 ? NaN : 1 / 60)),
    community,
    ...joined(Array.from(ids, (id) => (id === 1 ? 'a'.repeat(40) : `v${id}`))),
    src: Int32Array.from({ length: m }, (_, e) => ids[pairs[2 * e]!]!),
    dst: Int32Array.from({ length: m }, (_, e) => ids[pairs[2 * e + 1]!]!),
    count: Float64Array.from({ length: m }, (_, e) => e + 1),
    cached: null,
    ...over,
  };
}

function layout(budgetMs: number) {
  const { ids, community, pairs } = twoRings();
  const xy = seedPositions(ids, community);
  const job = new Fa2Job(Int32Array.from(ids, (_, i) => i), xy, new Float32Array(60).fill(4), new Uint8Array(60), pairs, 300);
  while (!job.finished) job.run(budgetMs);
  job.writeTo(xy);
  return xy;
}

describe('graph layout', () => {
  it('starts each community in a disc of its own, the same way every time', () => {
    const { ids, community } = twoRings();
    const a = seedPositions(ids, community);
    // The same vertices in another order land in the same places.
    const b = seedPositions(ids.slice().reverse(), community.slice().reverse());
    for (let i = 0; i < 60; i++) expect([b[2 * (59 - i)], b[2 * (59 - i) + 1]]).toEqual([a[2 * i], a[2 * i + 1]]);
    const centre = (c: number) => {
      let x = 0;
      let y = 0;
      for (let i = 0; i < 60; i++) if (community[i] === c) [x, y] = [x + a[2 * i]! / 30, y + a[2 * i + 1]! / 30];
      return [x, y] as const;
    };
    const [x0, y0] = centre(0);
    const [x1, y1] = centre(1);
    expect(Math.hypot(x0 - x1, y0 - y1)).toBeGreaterThan(20);
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
    const { ids, community, pairs } = twoRings();
    const xy = seedPositions(ids, community);
    const before = xy.slice();
    const fixed = Uint8Array.from(ids, (_, i) => (i < 30 ? 1 : 0));
    const job = new Fa2Job(Int32Array.from(ids, (_, i) => i), xy, new Float32Array(60).fill(4), fixed, pairs, 50);
    job.run(10_000);
    job.writeTo(xy);
    expect(Array.from(xy.slice(0, 60))).toEqual(Array.from(before.slice(0, 60)));
    expect(Array.from(xy.slice(60))).not.toEqual(Array.from(before.slice(60)));
  });

  it('caches finished layouts per view, merged, the most recent kept', () => {
    const cache = new PositionCache();
    const at = (ids: number[], xy: number[]) => ({ ids: Int32Array.from(ids), xy: Float32Array.from(xy) });
    cache.put('case|1|overview', at([1, 2], [0, 0, 1, 1]));
    // An expansion's layout: vertex 2 moved, 3 joined; 1 is kept from before.
    cache.put('case|1|overview', at([2, 3], [5, 5, 6, 6]));
    const v = cache.get('case|1|overview')!;
    expect(Array.from(v.ids)).toEqual([2, 3, 1]);
    expect(Array.from(v.xy)).toEqual([5, 5, 6, 6, 0, 0]);
    for (let i = 0; i < 30; i++) cache.put(`case|1|view${i}`, at([i], [i, i]));
    expect(cache.get('case|1|overview')).toBeUndefined();
    expect(Array.from(cache.get('case|1|view29')!.xy)).toEqual([29, 29]);
  });
});

describe('a slice in the view worker', () => {
  it('sizes, colours, labels and seeds a fresh view, and indexes its edges', () => {
    const g = prepareGraph(message());
    expect(g.iterations).toBe(iterationsFor(60));
    expect(g.onlyNew).toBe(false);
    expect(g.cached).toBe(false);
    expect(Array.from(g.given).every((x) => x === 1)).toBe(true);
    expect(Array.from(g.xy)).toEqual(Array.from(seedPositions(twoRings().ids, twoRings().community)));
    expect(Array.from(g.edges)).toEqual(Array.from(twoRings().pairs));
    // Wider for stronger edges, within bounds.
    expect(g.edgeWidth[0]).toBeLessThan(g.edgeWidth[60]!);
    expect(Math.max(...g.edgeWidth)).toBeLessThanOrEqual(3);
    // No PageRank yet: the default size; long values cut with an ellipsis.
    expect(g.radius[0]).not.toBe(g.radius[1]);
    expect(g.labels[0]).toBe(`${'a'.repeat(26)}…`);
    expect(g.labels[1]).toBe('v2');
    expect(g.labels[59]).toBe('v60');
    expect(g.colour[0]).toBe(0);
    expect(g.colour[30]).toBe(1);
  });

  it('drops edges to vertices not shown, and loops', () => {
    const g = prepareGraph(message({ src: Int32Array.from([1, 1, 999]), dst: Int32Array.from([2, 1, 2]), count: Float64Array.from([1, 1, 1]) }));
    expect(Array.from(g.edges)).toEqual([0, 1]);
    expect(g.edgeWidth).toHaveLength(1);
  });

  it('draws a cached view at once, and lays out only what the cache lacks', () => {
    const ids = twoRings().ids;
    const all = { ids: ids.slice().reverse(), xy: Float32Array.from({ length: 120 }, (_, k) => k) };
    const whole = prepareGraph(message({ cached: all }));
    expect(whole.iterations).toBe(0);
    expect(whole.cached).toBe(true);
    // Vertex 60 was cached first, at (0, 1).
    expect([whole.xy[2 * 59], whole.xy[2 * 59 + 1]]).toEqual([0, 1]);

    const part = prepareGraph(message({ cached: { ids: ids.slice(0, 50), xy: new Float32Array(100) } }));
    expect(part.onlyNew).toBe(true);
    expect(part.iterations).toBe(120);
    expect(part.cached).toBe(false);
    expect(Array.from(part.given.slice(50)).every((x) => x === 0)).toBe(true);

    // A cache of other vertices only: seeded as if there were none.
    const other = prepareGraph(message({ cached: { ids: Int32Array.from([500]), xy: new Float32Array(2) } }));
    expect(other.onlyNew).toBe(false);
    expect(other.iterations).toBe(iterationsFor(60));
  });

  it('keeps what is on screen for a grown view: nothing given, only newcomers move', () => {
    const g = prepareGraph(message({ fresh: false }));
    expect(g.onlyNew).toBe(true);
    expect(g.iterations).toBe(120);
    expect(Array.from(g.given).every((x) => x === 0)).toBe(true);
  });
});
