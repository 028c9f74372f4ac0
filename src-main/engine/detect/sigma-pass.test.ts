import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRow, DetectionRun, ImportJob, Page } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { TestEngine, tempDir } from '../test-support';

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

  it('stops with the pass when the case is closed, without waiting for the worker', async () => {
    process.env.VIGIL_SIGMA_THREAD_MIN = '0';
    const dir = tempDir();
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) {
      const s = String(i % 60).padStart(2, '0');
      const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
      const h = String(Math.floor(i / 3600) % 24).padStart(2, '0');
      lines.push(`Mar  1 ${h}:${m}:${s} web-01 sshd[${1000 + (i % 500)}]: Failed password for user${i % 300} from 10.0.${i % 200}.${i % 250} port ${2000 + i} ssh2`);
    }
    const log = join(dir, 'auth.log');
    writeFileSync(log, lines.join('\n') + '\n');
    const engine = new TestEngine();
    engines.push(engine);
    const created = await engine.call<{ path: string }>('cases.create', { name: 'close-mid-pass' });
    const started = engine.next<{ events: number }>('detect.progressed', () => true, 120_000);
    await engine.call('ingest.startImport', { paths: [log] });
    await started;
    const t = performance.now();
    await engine.call('cases.close');
    expect(performance.now() - t).toBeLessThan(3000);
    // The pass did not finish: reopened, the case says so and owes a full pass (or shows it cancelled).
    await engine.call('cases.open', { path: created.path });
    const runs = await engine.call<DetectionRun[]>('detect.listRuns');
    expect(runs.some((r) => r.scope === 'import' && r.status !== 'done')).toBe(true);
  }, 120_000);
});
