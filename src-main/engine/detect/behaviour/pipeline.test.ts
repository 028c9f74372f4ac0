/**
 * The behaviour models behind the real parsers and pipeline, not on hand-built events: generated
 * scenarios over several seeds, and the shared EC2 auth.log of Elastic's examples.
 */
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRow, DetectionRun, Page } from '../../../../src-shared/dto';
import { SHARED_DATA } from '../../../../test/paths';
import { describeShared } from '../../../../test/shared-data';
import { writeScenario } from '../../scenario/write';
import { TestEngine, tempDir } from '../../test-support';
import { ATTACK_PATTERNS, type PatternDetection } from './detection';
import { type GroundTruthAttack, evaluatePatterns } from './patternEval';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.link.close();
  engine = null;
});

async function importAndDetect(e: TestEngine, paths: string[]): Promise<void> {
  let seen = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('detection did not finish')), 120_000);
    const off = e.link.onEvent((name, payload) => {
      if (name !== 'detect.finished') return;
      expect((payload as DetectionRun).status).toBe('done');
      if (++seen === paths.length) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  await e.call('ingest.startImport', { paths });
  await done;
}

async function patternAlerts(e: TestEngine): Promise<AlertRow[]> {
  const page = await e.call<Page<AlertRow>>('alerts.list', { detector: 'behaviour', limit: 1000 });
  return page.rows.filter((a) => (ATTACK_PATTERNS as readonly string[]).includes(a.kind));
}

describe('named patterns through the real parsers and pipeline', () => {
  it('finds every pattern with precision and recall >= 0.9 over seeds 1-3', async () => {
    const detections: PatternDetection[] = [];
    const truth: GroundTruthAttack[] = [];
    for (const seed of [1, 2, 3]) {
      const w = writeScenario(join(tempDir(), `seed-${seed}`), { seed });
      // Yearless syslog stamps take their year from the file's mtime, as with real logs.
      const end = new Date(w.scenario.end);
      for (const f of [w.authLog, w.accessLog]) utimesSync(f, end, end);
      engine = new TestEngine();
      await engine.call('cases.create', { name: `seed ${seed}` });
      await importAndDetect(engine, [w.authLog, w.accessLog]);
      for (const a of await patternAlerts(engine)) {
        const ip = a.key!.slice(3);
        detections.push({ pattern: a.kind as PatternDetection['pattern'], keyType: 'ip', key: `${seed}/${ip}`, users: [], firstTs: a.firstTs!, lastTs: a.lastTs!, evidence: [], facts: {}, score: a.score ?? 0, summary: '' });
      }
      truth.push(...w.scenario.truth.map((t) => ({ ...t, key: `${seed}/${t.key}` })));
      await engine.link.close();
      engine = null;
    }
    const scores = evaluatePatterns(detections, truth);
    console.log(
      'through the pipeline, seeds 1-3\n' +
        ATTACK_PATTERNS.map((p) => `${p.padEnd(20)} P=${scores[p].precision.toFixed(3)} R=${scores[p].recall.toFixed(3)} (${scores[p].tp}/${scores[p].detections} detections, ${scores[p].truths} truths)`).join('\n'),
    );
    for (const p of ATTACK_PATTERNS) {
      expect(scores[p].truths, p).toBeGreaterThan(0);
      expect(scores[p].precision, p).toBeGreaterThanOrEqual(0.9);
      expect(scores[p].recall, p).toBeGreaterThanOrEqual(0.9);
    }
  }, 180_000);
});

describeShared('the shared EC2 auth.log through the pipeline', [join(SHARED_DATA, 'elastic', 'auth.log')], () => {
  it('finds the brute-force sources, including the one that tries the empty user name', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'elastic' });
    await importAndDetect(engine, [join(SHARED_DATA, 'elastic', 'auth.log')]);
    const alerts = await patternAlerts(engine);
    const ipsOf = (kind: string) => new Set(alerts.filter((a) => a.kind === kind).map((a) => a.key!.slice(3)));
    const brute = ipsOf('brute_force');
    // The sources with the most failed sshd logins in the file (counted with grep):
    // 306, 129 (all for the empty user name, "Invalid user  from"), 80, 46, 43, 41 lines.
    for (const ip of ['24.151.103.17', '34.204.227.175', '49.4.143.105', '201.178.81.113', '122.163.61.218', '181.26.186.35']) {
      expect(brute.has(ip), ip).toBe(true);
    }
    // 91.197.232.109 tried many accounts a few times each: spraying, not brute force.
    expect(ipsOf('password_spraying').has('91.197.232.109')).toBe(true);
    // 24.151.103.17 got in after its failures.
    expect(ipsOf('possible_compromise').has('24.151.103.17')).toBe(true);
    // Nothing from the VPC itself.
    expect(alerts.filter((a) => a.key!.startsWith('ip:10.'))).toEqual([]);
  }, 120_000);
});
