/**
 * The bars of issue 9 through the real pipeline: generated scenarios (each attack in a queue row of
 * the right category, a campaign standing for its members since issue 20; benign crawlers and staff
 * never in an attack row; stable ids and kept status across a re-run) and the brute-force sources
 * of the shared elastic auth.log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CampaignMember, IncidentDetail, IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { TestEngine } from '../test-support';
import { type InternetTruth, truthOf } from '../scenario/internet/truth';
import { ATTACK_CATEGORIES, TRUTH_CATEGORY } from './scenario-eval';
import { scoreInternet } from './scenario-internet';
import { runScenario } from './scenario-run';

const SEEDS = [1, 2, 3];

describe('incidents on generated scenarios', () => {
  it('puts each attack in a queue row of its category (precision and recall >= 0.95), never with crawlers or staff', async () => {
    const rows: IncidentRow[] = [];
    const members = new Map<string, CampaignMember[]>();
    const truth: InternetTruth[] = [];
    for (const seed of SEEDS) {
      const run = await runScenario(seed);
      try {
        const sc = run.written.scenario;
        const crawlers = new Set(sc.events.filter((e) => /Googlebot|bingbot|DuckDuckBot/.test(e.user_agent ?? '')).map((e) => e.src_ip));
        for (const inc of run.incidents.filter((i) => ATTACK_CATEGORIES.includes(i.category))) {
          const own = inc.kind === 'campaign' ? (await run.engine.call<IncidentDetail>('incidents.get', { id: inc.id, evidenceLimit: 0 })).members : [];
          for (const ip of [...inc.entities.filter((x) => x.type === 'ip').map((e) => e.value), ...own.map((m) => m.ip)]) {
            expect(crawlers.has(ip), `crawler ${ip} in ${inc.title}`).toBe(false);
            expect(ip.startsWith('10.'), `staff ${ip} in ${inc.title}`).toBe(false);
          }
          // Keys are made unique per seed so attacks of different seeds never match each other.
          members.set(`${seed}/${inc.id}`, own.map((m) => ({ ...m, ip: `${seed}/${m.ip}` })));
        }
        rows.push(...run.incidents.map((i) => ({ ...i, id: `${seed}/${i.id}`, groupKey: i.groupKey.replace(':', `:${seed}/`) })));
        truth.push(...sc.truth.map((t) => truthOf(t.pattern, TRUTH_CATEGORY[t.pattern]!, `${seed}/${t.key}`, t.start, t.end, t.note ?? '', t.key)));
        // The internet's background guessing is a botnet campaign: every guesser must be in one.
        truth.push(...sc.background.map((b) => truthOf('botnet', 'auth_attack', `${seed}/${b.ip}`, b.start, b.end, 'background guesser', 'background')));
      } finally {
        await run.engine.link.close();
      }
    }
    const score = scoreInternet(rows, members, truth);
    console.log(
      `incidents vs truth over seeds ${SEEDS.join(',')}: ${score.truths} truths (${truth.filter((t) => t.kind === 'botnet').length} background guessers), ` +
        `recall ${score.recall.toFixed(3)}, ${score.attackRows} attack rows, precision ${score.precision.toFixed(3)}`,
    );
    for (const c of ATTACK_CATEGORIES) expect(truth.some((t) => t.category === c), c).toBe(true);
    expect(score.precision, score.falsePositives.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(score.recall, score.missed.join('\n')).toBeGreaterThanOrEqual(0.95);
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
      // A source is covered by its own row, or as a member of a campaign row.
      const covered = new Set(page.rows.map((i) => i.groupKey));
      for (const r of page.rows.filter((i) => i.kind === 'campaign'))
        for (const m of (await engine.call<IncidentDetail>('incidents.get', { id: r.id, evidenceLimit: 0 })).members) covered.add(`ip:${m.ip}`);
      console.log(`elastic auth.log: ${sources.length} brute-force sources, ${page.rows.length} auth_attack incidents`);
      for (const ip of sources) expect(covered.has(`ip:${ip}`), ip).toBe(true);
    } finally {
      await engine.link.close();
    }
  }, 180_000);
});
