import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DetectionRun } from '../../../src-shared/dto';
import { ROOT } from '../../../test/paths';
import { CaseModels } from '../pipeline/case-models';
import { Detection } from '../pipeline/detection';
import { writeScenario } from '../scenario';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';
import { Importer } from './importer';

/**
 * The first import into a case runs its detection pass while it is stored (Detection.follow).
 * Whatever path the pass took, the case must hold the same findings as with a pass after the import.
 */

const RULES = join(ROOT, 'resources', 'sigma');
const open: CaseDb[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

interface Outcome {
  store: CaseDb;
  runs: DetectionRun[];
}

/** The engine's wiring of a case's importer and detection, as engine.ts does it. */
function openCase(store: CaseDb, runs: DetectionRun[], progressed: (lines: number) => void = () => {}) {
  const detection = new Detection(store.db, RULES, { progressed() {}, finished: (r) => runs.push(r) }, { sideThreadMin: 0 });
  const importer = new Importer(
    store,
    new CaseModels(store.db),
    { progressed: (p) => progressed(p.lines), finished() {} },
    async (importId, signal, scope) => void (await detection.run(scope === 'all' ? 'all' : { importId }, signal)),
    { offThreadMinBytes: 0, batchLines: 150, checkpointLines: 600 },
    detection,
  );
  if (detection.needsFullRun) importer.schedule(async (signal) => void (await detection.run('all', signal)));
  return importer;
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

/** Import `file` into a new case and wait for its detection to finish. */
async function importAndDetect(file: string, follow: boolean): Promise<Outcome> {
  const store = CaseDb.create(join(tempDir('vigil-follow-'), 'c.vigil'), 'follow');
  open.push(store);
  const runs: DetectionRun[] = [];
  const importer = openCase(store, runs);
  importer.start([file], { force: true, format: 'auto', follow });
  await until(() => runs.length > 0);
  await importer.close();
  return { store, runs };
}

/** Every finding of the case, without row ids and run ids (which differ by construction). */
function findings(c: CaseDb) {
  const db = c.db;
  return {
    alerts: db
      .prepare(
        `SELECT detector, kind, title, severity, round(score, 6) AS score, first_ts, last_ts, key, entities, evidence, details, tags FROM alerts
         ORDER BY detector, kind, first_ts, last_ts, key, evidence, title`,
      )
      .all(),
    groups: db
      .prepare(
        'SELECT kind, key, ip, user, user_agent, start_ts, end_ts, events, features, round(score, 6) AS score, level, evidence FROM behaviour_groups ORDER BY kind, key, start_ts',
      )
      .all(),
    points: db
      .prepare(
        'SELECT source_type, detector, bucket, round(score, 6) AS score, threshold, key FROM score_points ORDER BY source_type, detector, bucket',
      )
      .all(),
    incidents: db
      .prepare(
        'SELECT id, category, pattern, severity, priority, first_ts, last_ts, event_count, alert_count, summary FROM incidents ORDER BY id',
      )
      .all(),
    hits: db.prepare('SELECT rule_id, hits FROM rule_settings ORDER BY rule_id').all(),
  };
}

describe('a detection pass that follows the import', () => {
  it('finds exactly what the pass after the import finds, in one run for the import', async () => {
    const written = writeScenario(join(tempDir('vigil-follow-src-'), 'scenario'), { seed: 7, days: 2, attacksPerPattern: 2 });
    const normal = await importAndDetect(written.authLog, false);
    const followed = await importAndDetect(written.authLog, true);
    expect(followed.runs).toHaveLength(1);
    expect(followed.runs[0]).toMatchObject({ status: 'done', scope: 'import' });
    expect(followed.runs[0]!.stageMs).toHaveProperty('followed', 1);
    expect(normal.runs[0]!.stageMs).not.toHaveProperty('followed');
    const want = findings(normal.store);
    const got = findings(followed.store);
    expect(want.alerts.length).toBeGreaterThan(10);
    expect(want.incidents.length).toBeGreaterThan(0);
    expect(got.alerts).toEqual(want.alerts);
    expect(got.groups).toEqual(want.groups);
    expect(got.points).toEqual(want.points);
    expect(got.hits).toEqual(want.hits);
    expect(got.incidents).toEqual(want.incidents);
  });

  it('leaves a case closed mid-import to a pass over the whole case when it opens again', async () => {
    const written = writeScenario(join(tempDir('vigil-follow-src-'), 'scenario'), { seed: 9, days: 12, attacksPerPattern: 2 });
    const normal = await importAndDetect(written.authLog, false);

    const path = join(tempDir('vigil-follow-'), 'c.vigil');
    let store = CaseDb.create(path, 'follow');
    let lines = 0;
    const first = openCase(store, [], (n) => (lines = n));
    first.start([written.authLog], { force: true, format: 'auto', follow: true });
    await until(() => lines >= 1500);
    await first.close(); // the app quits mid-import
    store.close();
    expect(lines).toBeLessThan(normal.store.db.prepare('SELECT count(*) FROM events').pluck().get() as number);

    store = CaseDb.open(path);
    open.push(store);
    const runs: DetectionRun[] = [];
    openCase(store, runs); // resumes the import, then passes over the whole case
    await until(() => runs.some((r) => r.scope === 'all'));
    expect(runs.map((r) => [r.scope, r.status])).toEqual([
      ['import', 'done'],
      ['all', 'done'],
    ]);
    const want = findings(normal.store);
    const got = findings(store);
    expect(got.alerts).toEqual(want.alerts);
    expect(got.groups).toEqual(want.groups);
    expect(got.incidents).toEqual(want.incidents);
  });

  it('falls back to a pass over the whole case when the events are not in time order', async () => {
    const written = writeScenario(join(tempDir('vigil-follow-src-'), 'scenario'), { seed: 8, days: 1, attacksPerPattern: 1 });
    // The day again, its first hours once more at the end: batches in order, then one that is not.
    const lines = readFileSync(written.authLog, 'utf8').trimEnd().split('\n');
    const swapped = join(tempDir('vigil-follow-src-'), 'auth.log');
    writeFileSync(swapped, [...lines, ...lines.slice(0, 300)].join('\n') + '\n');
    const normal = await importAndDetect(swapped, false);
    const followed = await importAndDetect(swapped, true);
    await until(() => followed.runs.length > 0);
    expect(followed.runs).toHaveLength(1);
    expect(followed.runs[0]).toMatchObject({ status: 'done', scope: 'all' });
    const abandoned = followed.store.db.prepare(`SELECT status, error FROM detection_runs WHERE scope = 'import'`).all();
    expect(abandoned).toEqual([{ status: 'cancelled', error: expect.stringMatching(/^superseded by a pass over the whole case: .*not in time order/) }]);
    const want = findings(normal.store);
    const got = findings(followed.store);
    expect(got.alerts).toEqual(want.alerts);
    expect(got.incidents).toEqual(want.incidents);
  });
});
