/**
 * Blends channel scores into one number. Every channel already reports a calibrated
 * surprisal s = −ln p in nats (count tails, CUSUM run evidence, the empirical tail of Half-Space
 * Trees scores, Fisher-combined Markov p-values), so they share one scale and need no running
 * z-score; the running z of raw scores was what made one busy entity's ordinary burst look like
 * an attack (its sd was learned on quiet keys).
 *
 * 1. Evidence-weighted mean: channel c weighs w_c·(1 + s_c). With plain weights one decisive
 *    channel (a Markov sequence break, which no count or content channel can see) would be
 *    divided by four; with these weights it dominates while a mild single-channel wobble is
 *    still damped by the quiet channels. With all s equal it is the plain weighted mean.
 * 2. Boost: when more than half of the channel families that have an opinion reach
 *    `agreeLevel` (and at least two do), the blend is multiplied by `boost`.
 * Contributions are each channel's share of the final blend, so they sum to it.
 */
export interface BlenderConfig {
  channels: string[];
  weights: number[];
  /** Surprisal (nats) at which a channel counts as agreeing; also its timeline line. */
  agreeLevel: number;
  boost: number;
  /**
   * Channel families for agreement: channels of one family watch the same signal (Holt-Winters
   * and CUSUM both read the count), so their agreeing is one voice, not two.
   */
  families: number[];
}

export interface Blend {
  score: number;
  /** Per channel, in config order; null when the channel had no opinion. */
  contributions: (number | null)[];
}

export class Blender {
  constructor(private readonly config: BlenderConfig) {}

  agreeLevel(): number {
    return this.config.agreeLevel;
  }

  /** The blended score alone, without allocating (the per-key, per-bucket path). */
  score(scores: ArrayLike<number>): number {
    const c = this.config;
    let present = 0;
    let agreeing = 0;
    let num = 0;
    let den = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s)) continue;
      const si = s > 0 ? s : 0;
      const f = 1 << c.families[i]!;
      present |= f;
      if (si >= c.agreeLevel) agreeing |= f;
      const w = c.weights[i]! * (1 + si);
      num += w * si;
      den += w;
    }
    if (present === 0 || den === 0) return 0;
    return (num / den) * boostFactor(present, agreeing, c.boost);
  }

  /** Channel values are NaN when the channel has no opinion. */
  blend(scores: ArrayLike<number>): Blend {
    const c = this.config;
    const contributions: (number | null)[] = [];
    let den = 0;
    let present = 0;
    let agreeing = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s)) continue;
      const si = s > 0 ? s : 0;
      const f = 1 << c.families[i]!;
      present |= f;
      if (si >= c.agreeLevel) agreeing |= f;
      den += c.weights[i]! * (1 + si);
    }
    if (present === 0 || den === 0) {
      for (let i = 0; i < scores.length; i++) contributions.push(Number.isNaN(scores[i]!) ? null : 0);
      return { score: 0, contributions };
    }
    const factor = boostFactor(present, agreeing, c.boost);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s)) {
        contributions.push(null);
        continue;
      }
      const si = s > 0 ? s : 0;
      const share = ((c.weights[i]! * (1 + si) * si) / den) * factor;
      contributions.push(share);
    }
    return { score: this.score(scores), contributions };
  }
}

function bitCount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

/** Boost when at least two families, and more than half of those present, agree. */
function boostFactor(presentFamilies: number, agreeingFamilies: number, boost: number): number {
  const agreeing = bitCount(agreeingFamilies);
  return agreeing >= 2 && agreeing * 2 > bitCount(presentFamilies) ? boost : 1;
}
