/**
 * Where the graph view's vertices start and where they ended: a seeded starting layout (each
 * community in its own disc, so ForceAtlas2 has little to untangle) and a cache of finished
 * layouts per case and view, so coming back to a view draws it at once and exactly as it was.
 */
import type { GraphNode } from '../../../src-shared/contract-graph';

/** mulberry32: a small seeded generator; the same graph starts from the same place on every visit. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the vertex numbers: the seed depends on what is shown, not on the visit. */
export function seedOf(ids: number[]): number {
  let h = 2166136261;
  for (const id of ids) {
    h = Math.imul(h ^ (id & 0xffff), 16777619);
    h = Math.imul(h ^ (id >>> 16), 16777619);
  }
  return h >>> 0;
}

/**
 * A starting position per vertex: communities on a sunflower spiral (largest in the middle), each
 * a disc whose area grows with its size, members scattered in it by a generator seeded on the ids.
 */
export function seedPositions(nodes: GraphNode[]): Map<number, [number, number]> {
  const ids = nodes.map((n) => n.id).sort((a, b) => a - b);
  const rnd = seeded(seedOf(ids));
  const groups = new Map<number, GraphNode[]>();
  for (const n of [...nodes].sort((a, b) => a.id - b.id)) {
    const c = n.community ?? -1;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(n);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
  const out = new Map<number, [number, number]>();
  const UNIT = 10;
  const golden = Math.PI * (3 - Math.sqrt(5));
  // The spiral's k-th slot is at radius ∝ √(vertices placed so far): discs do not pile up.
  let placed = 0;
  ordered.forEach(([, members], k) => {
    const r = UNIT * Math.sqrt(placed + members.length / 2) * 1.6;
    const cx = k === 0 ? 0 : r * Math.cos(k * golden);
    const cy = k === 0 ? 0 : r * Math.sin(k * golden);
    const disc = UNIT * Math.sqrt(members.length);
    for (const n of members) {
      const a = rnd() * 2 * Math.PI;
      const d = disc * Math.sqrt(rnd());
      out.set(n.id, [cx + d * Math.cos(a), cy + d * Math.sin(a)]);
    }
    placed += members.length;
  });
  return out;
}

const MAX_VIEWS = 24;

/** Finished layouts by case and view, most recent last; vertex number → position. */
export class PositionCache {
  private readonly views = new Map<string, Map<number, [number, number]>>();

  get(key: string): Map<number, [number, number]> | undefined {
    const v = this.views.get(key);
    if (v) {
      this.views.delete(key);
      this.views.set(key, v);
    }
    return v;
  }

  /** Remember positions under `key`, merged into what the view had (an expansion adds to it). */
  put(key: string, positions: Iterable<[number, [number, number]]>): void {
    const v = this.views.get(key) ?? new Map<number, [number, number]>();
    for (const [id, p] of positions) v.set(id, p);
    this.views.delete(key);
    this.views.set(key, v);
    while (this.views.size > MAX_VIEWS) this.views.delete(this.views.keys().next().value!);
  }

  clear(): void {
    this.views.clear();
  }
}

/** One cache for the workbench: it outlives the Graph view, so a return visit finds its layout. */
export const layoutCache = new PositionCache();
