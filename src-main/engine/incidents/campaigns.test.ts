/**
 * The bars of issue 20, computed on the held-out seeds of the internet scenarios (never tuned on;
 * see scenario/internet/generate.ts): every attack, distributed ones included, lands in a queue row
 * of its category (a campaign standing for it counts) with recall and precision >= 0.95, and no
 * staff address or crawler is in an attack row or among a campaign's members; a month of botnet
 * noise on one SSH host gives at most 15 rows, every bot is a campaign member, every success is on
 * top. Then what an analyst does with a campaign: its members, its label, benign tuning.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentDetail, IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import { HELD_OUT_SEEDS } from '../scenario/internet/generate';
import { ATTACK_ROW_CATEGORIES, runInternetScenario, scoreInternet } from './scenario-internet';

const CRAWLER_AGENT = /Googlebot|bingbot|DuckDuckBot/;

describe('campaigns on held-out internet scenarios', () => {
  for (const seed of HELD_OUT_SEEDS.mixed) {
    it(`seed ${seed}: every attack in a row of its category, precision and recall >= 0.95, no staff or crawler`, async () => {
      const run = await runInternetScenario(seed, 'mixed');
      try {
        const sc = run.written.scenario;
        const score = scoreInternet(run.rows, run.members, sc.truth);
        console.log(
          `held-out seed ${seed}: ${score.truths} attacking addresses and targets, recall ${score.recall.toFixed(3)}, ` +
            `${score.attackRows} attack rows, precision ${score.precision.toFixed(3)}; ${run.rows.length} rows in the queue`,
        );
        expect(score.recall, score.missed.join('\n')).toBeGreaterThanOrEqual(0.95);
        expect(score.precision, score.falsePositives.join('\n')).toBeGreaterThanOrEqual(0.95);
        // Every kind of attack is there at least once, distributed ones included.
        for (const kind of [
          'botnet',
          'distributed_stuffing',
          'distributed_brute_force',
          'low_and_slow',
          'worm',
          'outage',
          'web_brute_force',
        ])
          expect(
            sc.truth.some((t) => t.kind === kind),
            kind,
          ).toBe(true);
        const crawlers = new Set(sc.events.filter((e) => CRAWLER_AGENT.test(e.user_agent ?? '')).map((e) => e.src_ip));
        for (const row of run.rows.filter((r) => ATTACK_ROW_CATEGORIES.includes(r.category))) {
          const addresses = [
            ...row.entities.filter((e) => e.type === 'ip').map((e) => e.value),
            ...(run.members.get(row.id) ?? []).map((m) => m.ip),
          ];
          for (const ip of addresses) {
            expect(ip.startsWith('10.'), `staff ${ip} in ${row.title}`).toBe(false);
            expect(crawlers.has(ip), `crawler ${ip} in ${row.title}`).toBe(false);
          }
        }
      } finally {
        await run.engine.link.close();
      }
    }, 600_000);
  }
});

describe('a month of botnet noise on one SSH host (held-out seed)', () => {
  it('is at most 15 rows, every bot a campaign member, every success on top', async () => {
    const seed = HELD_OUT_SEEDS.sshNoise[0];
    const run = await runInternetScenario(seed, 'ssh-noise');
    try {
      const sc = run.written.scenario;
      const bots = sc.truth.filter((t) => t.kind === 'botnet');
      const lists = new Set(bots.map((t) => t.group));
      const wins = sc.truth.filter((t) => t.kind === 'compromise');
      const days = (sc.end - sc.start) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(30);
      expect(bots.length).toBeGreaterThanOrEqual(200);
      expect(lists.size).toBeGreaterThanOrEqual(3);
      expect(lists.size).toBeLessThanOrEqual(4);
      const members = new Set([...run.members.values()].flat().map((m) => m.ip));
      const unreached = bots.filter((b) => !members.has(b.key));
      console.log(
        `ssh noise, seed ${seed}: ${bots.length} bot addresses, ${lists.size} wordlists, ${days} days -> ${run.rows.length} rows ` +
          `(${run.rows.filter((r) => r.kind === 'campaign').length} campaigns of ${members.size} addresses); ${unreached.length} bots not members`,
      );
      expect(run.rows.length).toBeLessThanOrEqual(15);
      // Staff and the office gateway log in all month, with the odd typo: never in a row.
      for (const row of run.rows)
        for (const ip of [...row.entities.filter((e) => e.type === 'ip').map((e) => e.value), ...(run.members.get(row.id) ?? []).map((m) => m.ip)])
          expect(ip.startsWith('10.'), `staff ${ip} in ${row.title}`).toBe(false);
      expect(unreached.map((b) => b.key)).toEqual([]);
      // Every success is its own row, critical, above every row that is not a success.
      const successRows: IncidentRow[] = [];
      for (const w of wins) {
        const row = run.rows.find((r) => r.groupKey === `ip:${w.key}` && r.severity === 'critical');
        expect(row, `success of ${w.key} on top`).toBeDefined();
        successRows.push(row!);
      }
      const others = run.rows.filter((r) => !successRows.includes(r));
      const lowest = Math.min(...successRows.map((r) => run.rows.indexOf(r)));
      const highestOther = Math.min(...others.map((r) => run.rows.indexOf(r)));
      expect(successRows.length).toBe(wins.length);
      expect(lowest).toBeLessThan(highestOther);
      expect(Math.max(...successRows.map((r) => run.rows.indexOf(r)))).toBeLessThan(highestOther);
      // A lifted success says which campaign it came from.
      for (const r of successRows) expect(r.campaignId).not.toBeNull();

      // The campaign's detail: its members, and the words of its summary.
      const campaign = run.rows.find((r) => r.kind === 'campaign' && r.category === 'auth_attack')!;
      const detail = await run.engine.call<IncidentDetail>('incidents.get', { id: campaign.id, evidenceLimit: 50 });
      expect(detail.members.length).toBe(campaign.memberCount);
      expect(detail.members[0]).toMatchObject({ outcome: 'got_in', lifted: true });
      expect(detail.incident.summary).toMatch(
        /^SSH dictionary attack: \d+ addresses over \d+(\.\d)? days, the same \d+\+? account names \(.+\), 2 got in/,
      );
      expect(detail.evidence.length).toBeGreaterThan(0);
      // Members a campaign stands for are listed by campaign, not in the queue.
      const page = await run.engine.call<IncidentsPage>('incidents.list', { campaignId: campaign.id, limit: 10_000 });
      expect(page.rows.every((r) => r.campaignId === campaign.id)).toBe(true);
      expect(page.rows.filter((r) => !r.topLevel).length).toBeGreaterThan(0);

      // A label on the campaign is its members' label.
      await run.engine.call('triage.label', { ids: [campaign.id], label: 'true', note: 'botnet', tuning: 'none' });
      const labelled = await run.engine.call<IncidentsPage>('incidents.list', { campaignId: campaign.id, label: 'true', limit: 10_000 });
      expect(labelled.rows.filter((r) => !r.topLevel).length).toBe(page.rows.filter((r) => !r.topLevel).length);
      // Those that got in are judged on their own.
      expect(labelled.rows.some((r) => r.topLevel)).toBe(false);

      // Benign on the campaign tunes what it stands for: after a re-run it is out of the queue,
      // and the successes are still there.
      await run.engine.call('triage.label', { ids: [campaign.id], label: 'benign', tuning: 'auto' });
      const rerun = run.engine.next<{ scope: string }>('detect.finished', (r) => r.scope === 'all', 600_000);
      await run.engine.call('detect.rerun');
      await rerun;
      const after = await run.engine.call<IncidentsPage>('incidents.list', { limit: 10_000 });
      expect(after.rows.find((r) => r.id === campaign.id)).toBeUndefined();
      for (const w of wins)
        expect(
          after.rows.some((r) => r.groupKey === `ip:${w.key}` && r.severity === 'critical'),
          w.key,
        ).toBe(true);
    } finally {
      await run.engine.link.close();
    }
  }, 900_000);
});
