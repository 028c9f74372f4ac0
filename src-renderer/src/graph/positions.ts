/**
 * Where the graph view's vertices start and where they ended: a seeded starting layout (each
 * community in its own disc, so ForceAtlas2 has little to untangle; made in the view's worker)
 * and a cache of finished layouts per case and view, so coming back to a view draws it at once
 * and exactly as it was.
 */

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
export function seedOf(ids: ArrayLike<number>): number {
  let h = 2166136261;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    h = Math.imul(h ^ (id & 0xffff), 16777619);
    h = Math.imul(h ^ (id >>> 16), 16777619);
  }
  return h >>> 0;
}

/**
 * A starting position per vertex (x, y of vertex i at 2i, 2i + 1): communities on a sunflower
 * spiral (largest in the middle), each a disc whose area grows with its size, members scattered
 * in it by a generator seeded on the ids. `community[i]` is -1 for a vertex in none.
 */
export function seedPositions(ids: Int32Array, community: Int32Array): Float32Array {
  const n = ids.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => ids[a]! - ids[b]!);
  const rnd = seeded(seedOf(Int32Array.from(order, (i) => ids[i]!)));
  const groups = new Map<number, number[]>();
  for (const i of order) {
    const c = community[i]!;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
  const out = new Float32Array(2 * n);
  const UNIT = 10;
  const golden = Math.PI * (3 - Math.sqrt(5));
  // The spiral's k-th slot is at radius ∝ √(vertices placed so far): discs do not pile up.
  let placed = 0;
  ordered.forEach(([, members], k) => {
    const r = UNIT * Math.sqrt(placed + members.length / 2) * 1.6;
    const cx = k === 0 ? 0 : r * Math.cos(k * golden);
    const cy = k === 0 ? 0 : r * Math.sin(k * golden);
    const disc = UNIT * Math.sqrt(members.length);
    for (const i of members) {
      const a = rnd() * 2 * Math.PI;
      const d = disc * Math.sqrt(rnd());
      out[2 * i] = cx + d * Math.cos(a);
      out[2 * i + 1] = cy + d * Math.sin(a);
    }
    placed += members.length;
  });
  return out;
}

const MAX_VIEWS = 24;

/** A finished layout: vertex `ids[i]` at (xy[2i], xy[2i + 1]). */
export interface Positions {
  ids: Int32Array;
  xy: Float32Array;
}

/**
 * Finished layouts by case and view, most recent last. Kept as the typed arrays the view's worker
 * sends and is sent back: storing or reusing 5,000 positions makes no object per vertex.
 */
export class PositionCache {
  private readonly views = new Map<string, Positions>();

  get(key: string): Positions | undefined {
    const v = this.views.get(key);
    if (v) {
      this.views.delete(key);
      this.views.set(key, v);
    }
    return v;
  }

  /** Remember positions under `key`, merged into what the view had (an expansion adds to it); the new win. */
  put(key: string, positions: Positions): void {
    const old = this.views.get(key);
    let v = positions;
    if (old) {
      const have = new Set(positions.ids);
      const keep: number[] = [];
      for (let k = 0; k < old.ids.length; k++) if (!have.has(old.ids[k]!)) keep.push(k);
      if (keep.length > 0) {
        const n = positions.ids.length;
        const ids = new Int32Array(n + keep.length);
        const xy = new Float32Array(2 * (n + keep.length));
        ids.set(positions.ids);
        xy.set(positions.xy);
        keep.forEach((k, j) => {
          ids[n + j] = old.ids[k]!;
          xy[2 * (n + j)] = old.xy[2 * k]!;
          xy[2 * (n + j) + 1] = old.xy[2 * k + 1]!;
        });
        v = { ids, xy };
      }
    }
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
