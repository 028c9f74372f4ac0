/** Helpers shared by the hardening tests: a seeded PRNG that says its seed, polling, timing. */
import { performance } from 'node:perf_hooks';

export interface Rng {
  seed: number;
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
}

/**
 * mulberry32 over a seed from VIGIL_FUZZ_SEED or the clock. The seed is printed so a failure
 * can be replayed exactly: `VIGIL_FUZZ_SEED=<seed> npm run test:faults`.
 */
export function seededRng(label: string): Rng {
  const fromEnv = process.env.VIGIL_FUZZ_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 8)) >>> 0;
  console.log(`[fuzz] ${label}: seed ${seed} (replay with VIGIL_FUZZ_SEED=${seed})`);
  let s = seed;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}

/** Milliseconds of fuzzing per target: VIGIL_FUZZ_MS, or the given default. */
export function fuzzBudgetMs(fallback: number): number {
  const v = Number(process.env.VIGIL_FUZZ_MS);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Runs `fn` and returns its duration in ms. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
