import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRow, DetectionRun, ImportJob, Page } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { TestEngine } from '../test-support';

const engines: TestEngine[] = [];
afterEach(async () => {
  delete process.env.VIGIL_SIGMA_THREAD_MIN;
  for (const e of engines.splice(0)) await e.link.close();
});

/** Import the shared EC2 auth.log into a fresh case; the pass's run and its Sigma alerts. */
async function detect(): Promise<{ run: DetectionRun; alerts: string[] }> {
  const engine = new TestEngine();
  engines.push(engine);
  await engine.call('cases.create', { name: 'sigma-pass' });
  const detected = engine.next<DetectionRun>('detect.finished', () => true, 120_000);
  const imported = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
  await engine.call('ingest.startImport', { paths: [join(SHARED_DATA, 'elastic', 'auth.log')] });
  expect((await imported).status).toBe('done');
  const run = await detected;
  const page = await engine.call<Page<AlertRow>>('alerts.list', { detector: 'sigma', limit: 1000 });
  expect(page.total).toBe(page.rows.length);
  const alerts = page.rows.map((a) => JSON.stringify([a.kind, a.key, a.firstTs, a.lastTs, a.severity, a.entities, a.evidence, a.details])).sort();
  return { run, alerts };
}

describe('Sigma in a worker thread during a detection pass', () => {
  it('raises exactly the alerts the engine thread raises, and says it ran in the worker', async () => {
    process.env.VIGIL_SIGMA_THREAD_MIN = 'Infinity';
    const here = await detect();
    expect(here.run.status).toBe('done');
    expect(here.run.stageMs?.sigma_worker).toBeUndefined();
    expect(here.run.stageMs?.sigma).toBeGreaterThan(0);
    expect(here.alerts.length).toBeGreaterThan(10);

    process.env.VIGIL_SIGMA_THREAD_MIN = '0';
    const worker = await detect();
    expect(worker.run.status).toBe('done');
    expect(worker.run.stageMs?.sigma_worker).toBeGreaterThan(0);
    expect(worker.run.stageMs?.sigma).toBe(0);
    expect(worker.run.alerts).toBe(here.run.alerts);
    expect(worker.alerts).toEqual(here.alerts);
  }, 120_000);
});
