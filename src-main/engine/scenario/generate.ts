/**
 * Seeded scenario: a few days of one small company's auth.log and Apache access log with benign
 * traffic and planted attacks at known times and sources, plus the ground truth. The same seed
 * gives byte-identical output. Events are returned as NormalizedEvent objects built alongside the
 * lines, so detector tests do not depend on the parsers.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { ATTACK_PATTERNS, type AttackPattern } from '../detect/behaviour/detection';
import type { GroundTruthAttack } from '../detect/behaviour/patternEval';
import { Prng } from '../detect/behaviour/prng';
import { ATTACK_GENERATORS } from './attacks';
import { wholeSecond } from './format';
import { IpPool } from './ipPool';
import { type BackgroundGuesser, generateNormalTraffic } from './normal';
import { ScenarioRecorder } from './recorder';

export interface ScenarioOptions {
  seed: number;
  /** Epoch ms of the first day, midnight UTC. Default Monday 2024-03-04. */
  start?: number;
  days?: number;
  /** Attacks planted per pattern (brute-force wins add compromise truths on top). */
  attacksPerPattern?: number;
  /** Only these patterns are planted (default all). */
  patterns?: readonly AttackPattern[];
  host?: string;
}

export interface Scenario {
  seed: number;
  start: number;
  end: number;
  host: string;
  events: NormalizedEvent[];
  authLines: string[];
  accessLines: string[];
  truth: GroundTruthAttack[];
  /** The internet's background guessers (normal.ts): one botnet campaign, not single attacks. */
  background: BackgroundGuesser[];
}

export const DEFAULT_SCENARIO_START = Date.UTC(2024, 2, 4);

export function generateScenario(opts: ScenarioOptions): Scenario {
  const start = opts.start ?? DEFAULT_SCENARIO_START;
  const days = opts.days ?? 3;
  const end = start + days * 86_400_000;
  const host = opts.host ?? 'web01';
  // Separate streams so adding an attack does not reshuffle the benign traffic of the same seed.
  const normalRng = new Prng(opts.seed * 2 + 1);
  const attackRng = new Prng(opts.seed * 2 + 2);
  const rec = new ScenarioRecorder(host);
  const ips = new IpPool(new Prng(opts.seed * 2 + 3));

  const background = generateNormalTraffic(rec, normalRng, ips, start, days);

  const truth: GroundTruthAttack[] = [];
  const perPattern = opts.attacksPerPattern ?? 3;
  for (const pattern of opts.patterns ?? ATTACK_PATTERNS) {
    for (let k = 0; k < perPattern; k++) {
      const at = start + attackRng.range(1, days * 24 - 4) * 3_600_000;
      const planted = ATTACK_GENERATORS[pattern]({ rec, rng: attackRng, ip: ips.public(), start: at });
      truth.push(...planted.map((t) => ({ ...t, start: wholeSecond(t.start), end: wholeSecond(t.end) })));
    }
  }
  truth.sort((a, b) => a.start - b.start);
  const { events, authLines, accessLines } = rec.finish();
  return { seed: opts.seed, start, end, host, events, authLines, accessLines, truth, background };
}
