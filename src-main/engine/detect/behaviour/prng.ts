/**
 * Seeded 32-bit PRNG (mulberry32). Reproducibility matters more than statistical strength here:
 * the same seed must give the same forest and the same scenario on every machine, so nothing in
 * the behaviour models or the scenario generator may touch Math.random.
 */
export class Prng {
  private s: number;

  constructor(seed: number) {
    // Fold any JS number (incl. large or negative seeds) into a 32-bit state.
    this.s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform float in [min, max). */
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** k distinct items (k clamped to the list length), order random. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }

  /** Exponential inter-arrival time with the given mean; models Poisson-like traffic. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** State for resuming a stream (the forest builder does not need it, scenario tests might). */
  state(): number {
    return this.s;
  }
}
