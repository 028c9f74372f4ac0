/**
 * The bars of issue 9 through the real pipeline: generated scenarios (each attack one incident of
 * the right category, benign crawlers and staff never in an attack incident, stable ids and kept
 * status across a re-run) and the brute-force sources of the shared elastic auth.log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { TestEngine } from '../test-support';
import { ATTACK_CATEGORIES, scoreIncidents, type TruthAttack } from './scenario-eval';
import { runScenario } from './scenario-run';

const SEEDS = [1, 2, 3];

describe('incidents on generated scenarios', () => {
  it('turns each attack into exactly one incident of its category (precision and recall >= 0.95), never with crawlers or staff', async () => {
    const all: IncidentRow[] = [];
    const truth: TruthAttack[] = [];
    for (const seed of SEEDS) {
      const run = await runScenario(seed);
      try {
        const sc = run.written.scenario;
        const crawlers = new Set(sc.events.filter((e) => /Googlebot|bingbot|DuckDuckBot/.test(e.user_agent ?? '')).map((e) => e.src_ip));
        for (const inc of run.incidents.filter((i) => ATTACK_CATEGORIES.includes(i.category))) {
          for (const e of inc.entities.filter((x) => x.type === 'ip')) {
            expect(crawlers.has(e.value), `crawler ${e.value} in ${inc.title}`).toBe(false);
            expect(e.value.startsWith('10.'), `staff ${e.value} in ${inc.title}`).toBe(false);
          }
        }
        // Keys are made unique per seed so attacks of different seeds never match each other.
        all.push(...run.incidents.map((i) => ({ ...i, groupKey: i.groupKey.replace(':', `:${seed}/`) })));
        truth.push(...sc.truth.map((t) => ({ pattern: t.pattern, key: `${seed}/${t.key}`, start: t.start, end: t.end })));
      } finally {
        await run.engine.link.close();
      }
    }
    const scores = scoreIncidents(all, truth);
    console.log(
      `incidents vs truth over seeds ${SEEDS.join(',')}\n` +
        Object.entries(scores)
          .map(
            ([c, s]) =>
              `${c.padEnd(12)} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} (${s.tp} tp, ${s.fp} fp, ${s.fn} fn, ${s.truths} truths)`,
          )
          .join('\n'),
    );
    for (const c of ATTACK_CATEGORIES) {
      expect(scores[c]!.truths, c).toBeGreaterThan(0);
      expect(scores[c]!.precision, `${c}: ${scores[c]!.falsePositives.join('; ')}`).toBeGreaterThanOrEqual(0.95);
      expect(scores[c]!.recall, `${c}: ${scores[c]!.missed.join('; ')}`).toBeGreaterThanOrEqual(0.95);
    }
  }, 240_000);

  it('keeps incident ids and the analyst status across a full re-run', async () => {
    const run = await runScenario(5, { days: 2, attacksPerPattern: 2 });
    const engine = run.engine;
    try {
      const before = run.incidents.map((i) => i.id).sort();
      expect(before.length).toBeGreaterThan(5);
      const target = run.incidents[0]!;
      await engine.call('incidents.setStatus', { id: target.id, status: 'investigating', label: 'true', note: 'seen it' });
      const rerun = engine.next<{ scope: string }>('detect.finished', (r) => r.scope === 'all', 120_000);
      await engine.call('detect.rerun');
      await rerun;
      const after = await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 });
      expect(after.rows.map((i) => i.id).sort()).toEqual(before);
      expect(after.rows.find((i) => i.id === target.id)).toMatchObject({ status: 'investigating', label: 'true' });
      const onlyTrue = await engine.call<IncidentsPage>('incidents.list', { label: 'true' });
      expect(onlyTrue.rows.map((r) => r.id)).toEqual([target.id]);
    } finally {
      await engine.link.close();
    }
  }, 180_000);
});

describeShared('incidents on the elastic auth.log', [join(SHARED_DATA, 'elastic', 'auth.log')], () => {
  it('puts every brute-force source (20+ failed passwords) in an auth_attack incident', async () => {
    const file = join(SHARED_DATA, 'elastic', 'auth.log');
    const failures = new Map<string, number>();
    for (const m of readFileSync(file, 'utf8').matchAll(/Failed password for .*? from (\d+\.\d+\.\d+\.\d+)/g))
      failures.set(m[1]!, (failures.get(m[1]!) ?? 0) + 1);
    const sources = [...failures].filter(([, n]) => n >= 20).map(([ip]) => ip);
    expect(sources.length).toBeGreaterThanOrEqual(5);

    const engine = new TestEngine();
    try {
      await engine.call('cases.create', { name: 'elastic' });
      const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [file] });
      await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === started.jobs[0]!.id, 120_000);
      const page = await engine.call<IncidentsPage>('incidents.list', { category: 'auth_attack', limit: 10_000 });
      const covered = new Set(page.rows.map((i) => i.groupKey));
      console.log(`elastic auth.log: ${sources.length} brute-force sources, ${page.rows.length} auth_attack incidents`);
      for (const ip of sources) expect(covered.has(`ip:${ip}`), ip).toBe(true);
    } finally {
      await engine.link.close();
    }
  }, 180_000);
});
