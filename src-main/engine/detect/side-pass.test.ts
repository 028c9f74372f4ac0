import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, DetectionRun, ImportJob } from '../../../src-shared/dto';
import { writeScenario } from '../scenario';
import { TestEngine, tempDir } from '../test-support';

const engines: TestEngine[] = [];
afterEach(async () => {
  delete process.env.VIGIL_SIDE_THREAD_MIN;
  for (const e of engines.splice(0)) await e.link.close();
});

interface Findings {
  run: DetectionRun;
  alerts: string[];
  points: string[];
  hits: string[];
  ensembleState: string;
  populationState: string;
}

let scenarioLog: string | null = null;
/** A generated auth.log with attacks (the project's own data, so every clone runs this). */
function authLog(): string {
  scenarioLog ??= writeScenario(tempDir(), { seed: 11, days: 2 }).authLog;
  return scenarioLog;
}

/**
 * Import a generated auth.log into a fresh case, then re-run detection over the whole case (a pass
 * that reads the case); that pass's run and everything it stored.
 */
async function detect(): Promise<Findings> {
  const engine = new TestEngine();
  engines.push(engine);
  const created = await engine.call<{ path: string }>('cases.create', { name: 'side-pass' });
  const imported = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
  await engine.call('ingest.startImport', { paths: [authLog()] });
  expect((await imported).status).toBe('done');
  await engine.call('ingest.waitIdle');
  const detected = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'all', 120_000);
  await engine.call('detect.rerun');
  const run = await detected;
  const db = new Database(created.path, { readonly: true });
  try {
    const rows = (sql: string) => (db.prepare(sql).raw(true).all() as unknown[][]).map((r) => JSON.stringify(r)).sort();
    return {
      run,
      alerts: rows('SELECT detector, kind, title, severity, score, first_ts, last_ts, key, entities, evidence, details, tags FROM alerts'),
      points: rows('SELECT source_type, detector, bucket, score, threshold, key FROM score_points'),
      hits: rows('SELECT rule_id, hits FROM rule_settings'),
      ensembleState: db.prepare(`SELECT value FROM model_state WHERE key = 'stage:ensemble'`).pluck().get() as string,
      populationState: db.prepare(`SELECT value FROM model_state WHERE key = 'stage:population'`).pluck().get() as string,
    };
  } finally {
    db.close();
  }
}

describe('Sigma, population and the ensemble in a worker thread during a detection pass', () => {
  it('store exactly what the engine thread stores, and the pass says the worker ran them', async () => {
    process.env.VIGIL_SIDE_THREAD_MIN = 'Infinity';
    const here = await detect();
    expect(here.run.status).toBe('done');
    expect(here.run.stageMs?.sigma_worker).toBeUndefined();
    expect(here.run.stageMs?.sigma).toBeGreaterThan(0);
    expect(here.alerts.filter((a) => a.startsWith('["sigma"')).length).toBeGreaterThan(10);
    expect(here.points.length).toBeGreaterThan(10);
    // The scenario's distributed attacks: findings keyed on their target, from the population detectors.
    expect(here.alerts.filter((a) => a.includes('"target:')).length).toBeGreaterThan(0);

    process.env.VIGIL_SIDE_THREAD_MIN = '0';
    const worker = await detect();
    expect(worker.run.status).toBe('done');
    expect(worker.run.stageMs?.sigma_worker).toBeGreaterThan(0);
    expect(worker.run.stageMs?.ensemble_worker).toBeGreaterThan(0);
    expect(worker.run.stageMs?.population_worker).toBeGreaterThan(0);
    // Not run on the engine thread at all.
    expect(worker.run.stageMs?.sigma).toBeUndefined();
    expect(worker.run.stageMs?.ensemble).toBeUndefined();
    expect(worker.run.stageMs?.population).toBeUndefined();
    expect(worker.run.alerts).toBe(here.run.alerts);
    expect(worker.alerts).toEqual(here.alerts);
    expect(worker.points).toEqual(here.points);
    expect(worker.hits).toEqual(here.hits);
    // The ensemble and the population detectors continue from the worker's state: the one saved
    // with the pass is the same.
    expect(worker.ensembleState).toBe(here.ensembleState);
    expect(worker.populationState).toBe(here.populationState);
  }, 120_000);

  it('stops with the pass when the case is closed, without waiting for the worker', async () => {
    process.env.VIGIL_SIDE_THREAD_MIN = '0';
    const dir = tempDir();
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) {
      const s = String(i % 60).padStart(2, '0');
      const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
      const h = String(Math.floor(i / 3600) % 24).padStart(2, '0');
      lines.push(
        `Mar  1 ${h}:${m}:${s} web-01 sshd[${1000 + (i % 500)}]: Failed password for user${i % 300} from 10.0.${i % 200}.${i % 250} port ${2000 + i} ssh2`,
      );
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
    // The pass did not finish: reopened, the case shows it cancelled (or owes a full pass).
    await engine.call('cases.open', { path: created.path });
    const runs = await engine.call<DetectionRun[]>('detect.listRuns');
    expect(runs.some((r) => r.scope === 'import' && r.status !== 'done')).toBe(true);
  }, 120_000);

  it('keeps a pass on the engine thread while a live collection feeds the same stages', async () => {
    process.env.VIGIL_SIDE_THREAD_MIN = '0';
    const engine = new TestEngine();
    engines.push(engine);
    await engine.call('cases.create', { name: 'live-and-import' });
    const status = await engine.call<CollectorStatus>('collector.start', {
      config: { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0 } },
    });
    const address = status.listeners.find((l) => l.source === 'tcp')!.address!;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const line = `<38>1 ${new Date().toISOString()} web-09 sshd 42 - - Failed password for root from 198.51.100.4 port 40022 ssh2`;
    await new Promise<void>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.end(`${line}\n`, () => resolve()));
      sock.on('error', reject);
    });
    for (let i = 0; i < 100 && (await engine.call<CollectorStatus>('collector.getStatus')).stored < 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    const detected = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'import', 120_000);
    await engine.call('ingest.startImport', { paths: [authLog()] });
    const run = await detected;
    expect(run.status).toBe('done');
    expect(run.stageMs?.sigma_worker).toBeUndefined();
    expect(run.stageMs?.sigma).toBeGreaterThan(0);
    await engine.call('collector.stop');
  }, 120_000);
});
