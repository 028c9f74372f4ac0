/**
 * Resting series (series.ts): idle template and entity series whose zeros can never make them
 * live again are not learned bucket by bucket but when next needed. That must change nothing:
 * the same points, alerts and state as learning every zero at its close, on traffic where most
 * keys go idle — a botnet of a few thousand addresses, a few requests each, some back within the
 * idle expiry (they wake and learn their zeros), most never (they expire unlearned).
 */
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../../src-shared/event';
import { EnsembleSet } from './ensemble-set';
import { generateScenario } from './eval/scenario';
import { Prng } from './prng';
import type { EnsembleOutput } from './types';

const HOUR = 3_600_000;

/** The scenario's traffic plus a sparse botnet: every few minutes an address makes a few requests. */
function withBotnet(seed: number, hours: number): NormalizedEvent[] {
  const { events } = generateScenario({ seed, durationMs: hours * HOUR });
  const rng = new Prng(seed * 7919);
  const access = events.filter((e) => e.parser === 'access');
  const start = events[0]!.ts!;
  const extra: NormalizedEvent[] = [];
  for (let t = start; t < start + hours * HOUR; t += 60_000 + rng.int(240_000)) {
    // 2,500 addresses over the run: many come back within the four-hour idle expiry, most not.
    const ip = `198.51.${rng.int(10)}.${rng.int(250)}`;
    const tries = 1 + rng.int(6);
    for (let i = 0; i < tries; i++) {
      const like = access[rng.int(access.length)]!;
      extra.push({ ...like, ts: t + rng.int(50_000), src_ip: ip });
    }
  }
  const all = [...events, ...extra].sort((a, b) => a.ts! - b.ts!);
  all.forEach((e, i) => (e.id = i + 1));
  return all;
}

const run = (events: readonly NormalizedEvent[], restQuietKeys: boolean, cut?: number): { out: EnsembleOutput; set: EnsembleSet; midState?: string } => {
  const set = new EnsembleSet({ restQuietKeys });
  const points: EnsembleOutput['points'] = [];
  const alerts: EnsembleOutput['alerts'] = [];
  let midState: string | undefined;
  const take = () => {
    const o = set.drain();
    points.push(...o.points);
    alerts.push(...o.alerts);
  };
  if (cut === undefined) set.pushAll(events);
  else {
    set.pushAll(events.slice(0, cut));
    take();
    // A snapshot mid-run (a checkpoint) wakes every resting series: it must read as if none rested.
    midState = JSON.stringify(set.state());
    set.pushAll(events.slice(cut));
  }
  take();
  return { out: { points, alerts }, set, midState };
};

describe('resting series', () => {
  for (const seed of [3, 41]) {
    it(`change no point, alert or state, and most idle addresses expire unlearned (seed ${seed})`, () => {
      const events = withBotnet(seed, 14);
      const cut = Math.floor(events.length * 0.57) + 1;
      const eager = run(events, false, cut);
      const lazy = run(events, true, cut);
      expect(lazy.midState).toBe(eager.midState);

      // Resting is taking place: at the end, idle addresses rest rather than being learned each minute.
      const access = lazy.set.get('access')!;
      const before = access.stats;
      expect(before.resting.entity).toBeGreaterThan(50);
      expect(eager.set.get('access')!.stats.resting.entity).toBe(0);

      expect(lazy.out.points.length).toBeGreaterThan(5_000);
      expect(lazy.out.alerts.length).toBeGreaterThan(0);
      expect(lazy.out.alerts).toEqual(eager.out.alerts);
      expect(lazy.out.points).toEqual(eager.out.points);
      expect(JSON.stringify(lazy.set.state())).toBe(JSON.stringify(eager.set.state()));
      // Taking the state woke every series.
      expect(access.stats.resting.entity).toBe(0);
    });
  }
});
