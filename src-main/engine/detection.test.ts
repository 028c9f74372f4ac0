import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AlertRow, DetectionRun, ImportJob, Page } from '../../src-shared/dto';
import { SHARED_DATA } from '../../test/paths';
import { describeShared } from '../../test/shared-data';
import { TestEngine } from './test-support';

let engine: TestEngine;
afterEach(async () => {
  await engine?.link.close();
});

async function importAndDetect(path: string): Promise<DetectionRun> {
  const detected = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
  const imported = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
  await engine.call('ingest.startImport', { paths: [path] });
  expect((await imported).status).toBe('done');
  return detected;
}

describeShared('detection after import, on the shared EC2 auth.log', [join(SHARED_DATA, 'elastic', 'auth.log')], () => {
  it('finds the brute-force sources with Sigma correlations and behaviour patterns', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'elastic' });
    const run = await importAndDetect(join(SHARED_DATA, 'elastic', 'auth.log'));
    expect(run).toMatchObject({ status: 'done', scope: 'import', events: 7121 });

    const behaviour = await engine.call<Page<AlertRow>>('alerts.list', { detector: 'behaviour', kind: 'brute_force', limit: 1000 });
    const bruteIps = new Set(behaviour.rows.map((a) => a.key));
    expect(bruteIps.has('ip:24.151.103.17')).toBe(true);

    const sigma = await engine.call<Page<AlertRow>>('alerts.list', { detector: 'sigma', limit: 1000 });
    const correlated = sigma.rows.filter((a) => a.details.kind === 'correlation');
    expect(correlated.some((a) => a.entities.some((e) => e.value === '24.151.103.17'))).toBe(true);
    // Every Sigma alert carries the rule's title and author, as the rule licence asks.
    expect(sigma.rows.every((a) => a.title.length > 0 && 'author' in a.details)).toBe(true);
  });

  it('re-runs detection over the whole case with the same findings', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'rerun' });
    await importAndDetect(join(SHARED_DATA, 'elastic', 'auth.log'));
    const before = await engine.call<Page<AlertRow>>('alerts.list', { limit: 1 });
    const again = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
    await engine.call('detect.rerun');
    const run = await again;
    expect(run).toMatchObject({ status: 'done', scope: 'all', events: 7121 });
    const after = await engine.call<Page<AlertRow>>('alerts.list', { limit: 1 });
    expect(after.total).toBe(before.total);
  });
});
