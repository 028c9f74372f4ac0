import { describe, expect, it } from 'vitest';
import { Ensemble } from './ensemble';
import { EnsembleSet, type EnsembleSetState } from './ensemble-set';
import { evaluate, scenarioMatch } from './eval/metrics';
import { generateScenario } from './eval/scenario';
import type { EnsembleOutput } from './types';

const HOUR = 3_600_000;
// A short scenario keeps these tests fast; anomalies start after 4 h.
const scenario = generateScenario({ seed: 11, durationMs: 7 * HOUR });

const concat = (a: EnsembleOutput, b: EnsembleOutput): EnsembleOutput => ({ points: [...a.points, ...b.points], alerts: [...a.alerts, ...b.alerts] });

/** EnsembleSet.drain groups output by source type, so compare per type, in emission order. */
const byType = (o: EnsembleOutput): Record<string, EnsembleOutput> => {
  const r: Record<string, EnsembleOutput> = {};
  for (const p of o.points) (r[p.sourceType] ??= { points: [], alerts: [] }).points.push(p);
  for (const a of o.alerts) (r[a.sourceType] ??= { points: [], alerts: [] }).alerts.push(a);
  return r;
};

describe('Ensemble on event time', () => {
  it('gives identical output whether events arrive in one batch or two (import vs live replay)', () => {
    const whole = new EnsembleSet();
    whole.pushAll(scenario.events);
    const one = whole.drain();

    const split = new EnsembleSet();
    const cut = Math.floor(scenario.events.length * 0.61);
    split.pushAll(scenario.events.slice(0, cut));
    const first = split.drain();
    split.pushAll(scenario.events.slice(cut));
    const two = concat(first, split.drain());

    expect(one.points.length).toBeGreaterThan(1000);
    expect(one.alerts.length).toBeGreaterThan(0);
    expect(byType(two)).toEqual(byType(one));
  });

  it('restoring a JSON snapshot mid-bucket and continuing equals never stopping', () => {
    const straight = new EnsembleSet();
    straight.pushAll(scenario.events);
    const expected = straight.drain();

    const cut = Math.floor(scenario.events.length * 0.73) + 3;
    const before = new EnsembleSet();
    before.pushAll(scenario.events.slice(0, cut));
    const head = before.drain();
    const snapshot = JSON.parse(JSON.stringify(before.state())) as EnsembleSetState;
    const after = new EnsembleSet();
    after.restore(snapshot);
    after.pushAll(scenario.events.slice(cut));
    expect(byType(concat(head, after.drain()))).toEqual(byType(expected));
  });

  it('scores silences as zeros, emits bucket points and bounded evidence', () => {
    const ens = new Ensemble('auth');
    const auth = scenario.events.filter((e) => e.parser === 'auth');
    ens.pushAll(auth);
    const out = ens.drain();
    const buckets = new Set(out.points.map((p) => p.bucket));
    expect(buckets.size).toBeLessThanOrEqual(ens.stats.closedBuckets);
    expect(buckets.size).toBeGreaterThan(ens.stats.closedBuckets * 0.9);
    for (const p of out.points) expect(p.bucket % 60_000).toBe(0);
    for (const a of out.alerts) {
      expect(a.evidence.length).toBeLessThanOrEqual(5);
      expect(a.score).toBeGreaterThanOrEqual(a.threshold);
      const sum = Object.values(a.contributions).reduce<number>((s, c) => s + (c ?? 0), 0);
      expect(sum).toBeCloseTo(a.score, 9);
    }
    // a 30-minute hole inside the stream is scored bucket by bucket
    const t = auth[auth.length - 1]!.ts!;
    const late = { ...auth[auth.length - 1]!, id: 999_999, ts: t + 30 * 60_000 };
    const closed = ens.stats.closedBuckets;
    ens.push(late);
    expect(ens.stats.closedBuckets - closed).toBe(30);
  });
});

describe('Ensemble against injected anomalies', () => {
  /*
   * Matching rule (eval/metrics.ts): an alert matches an injected anomaly when it has the
   * anomaly's source type and its bucket overlaps [start - 1 min, end + 5 min]. Alerts of one
   * source type at most 5 minutes apart form one episode. Precision = episodes with a matching
   * alert / all episodes; recall = anomalies with a matching alert / all anomalies. Alerts in
   * the first 4 h (the learning period: season decision, biDSPOT calibration) are not scored.
   * Each 18 h scenario holds 8 anomalies: 2 bursts, 2 silences, 2 new templates, 2 sequence breaks.
   */
  const run = (seed: number): { seed: number; ev: ReturnType<typeof evaluate> } => {
    const sc = generateScenario({ seed });
    const set = new EnsembleSet();
    set.pushAll(sc.events);
    const ev = evaluate(set.drain().alerts, sc.truth, scenarioMatch(sc.warmupEnd));
    return { seed, ev };
  };
  const pool = (rs: { ev: ReturnType<typeof evaluate> }[]): { precision: number; recall: number } => {
    const sum = rs.reduce(
      (acc, { ev }) => ({ tp: acc.tp + ev.truePositiveEpisodes, episodes: acc.episodes + ev.episodes, found: acc.found + 8 - ev.missed.length, anomalies: acc.anomalies + 8 }),
      { tp: 0, episodes: 0, found: 0, anomalies: 0 },
    );
    return { precision: sum.tp / sum.episodes, recall: sum.found / sum.anomalies };
  };
  const report = ({ seed, ev }: { seed: number; ev: ReturnType<typeof evaluate> }): void => {
    console.log(`seed ${seed}: precision ${ev.precision.toFixed(2)} (${ev.truePositiveEpisodes}/${ev.episodes} episodes), recall ${ev.recall.toFixed(2)}, missed: ${ev.missed.map((m) => `${m.kind}/${m.sourceType}`).join(', ') || 'none'}`);
  };

  it('precision >= 0.9 and recall >= 0.9 pooled on the tuning seeds 1-6 and on held-out seeds 7-12', () => {
    const tuned = [1, 2, 3, 4, 5, 6].map(run);
    const heldOut = [7, 8, 9, 10, 11, 12].map(run);
    for (const r of [...tuned, ...heldOut]) {
      report(r);
      // Per seed, one miss or one false episode among eight is tolerated (7/8, 8/9). What is
      // left at that level: a traffic spike of ordinary sessions on a web server now and then
      // (a false episode), and a reversed ssh session at night whose four unseen transitions
      // (~5 nats each, rows of a few hundred) do not reach the entity floor (a miss).
      expect(r.ev.precision).toBeGreaterThanOrEqual(0.875);
      expect(r.ev.recall).toBeGreaterThanOrEqual(0.875);
    }
    for (const [name, rs] of [['seeds 1-6', tuned], ['seeds 7-12', heldOut]] as const) {
      const p = pool(rs);
      console.log(`${name} pooled: precision ${p.precision.toFixed(3)}, recall ${p.recall.toFixed(3)}`);
      expect(p.precision).toBeGreaterThanOrEqual(0.9);
      expect(p.recall).toBeGreaterThanOrEqual(0.9);
    }
    // Twelve generated scenarios take ~25 s alone; on a shared 2-core machine that passes 30 s.
  }, 120_000);
});
