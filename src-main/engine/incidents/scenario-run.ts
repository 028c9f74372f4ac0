/** Runs a generated scenario through the real engine (import, detection, incidents), for tests and benches. */
import { join } from 'node:path';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import { writeScenario, type WrittenScenario } from '../scenario';
import { TestEngine, tempDir } from '../test-support';

export interface ScenarioRun {
  written: WrittenScenario;
  incidents: IncidentRow[];
  engine: TestEngine;
}

export async function runScenario(seed: number, opts: { days?: number; attacksPerPattern?: number } = {}): Promise<ScenarioRun> {
  const dir = tempDir('vigil-inc-');
  const written = writeScenario(join(dir, 'scenario'), { seed, days: opts.days ?? 3, attacksPerPattern: opts.attacksPerPattern ?? 3 });
  const engine = new TestEngine(join(dir, 'data'));
  await engine.call('cases.create', { name: `scenario ${seed}` });
  const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [written.authLog, written.accessLog] });
  const last = started.jobs[started.jobs.length - 1]!.id;
  await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === last, 180_000);
  const page = await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 });
  return { written, incidents: page.rows, engine };
}
