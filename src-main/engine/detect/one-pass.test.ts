/**
 * One detection pass follows every import as it is stored, through a reorder buffer on event
 * time. Whatever the input looks like (lines written out of order as Apache writes them, rotated
 * members newest first), and whether the side stages (Sigma, population, the ensemble) run in a worker or here, the case must
 * hold the same findings as a pass over the whole stored case in time order.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import tar from 'tar-stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DetectionRun, ImportJob } from '../../../src-shared/dto';
import { ROOT } from '../../../test/paths';
import { writeScenario } from '../scenario';
import { CaseSession } from '../session/case-session';
import type { DetectionOptions } from './detection';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';

const RULES = join(ROOT, 'resources', 'sigma');
const sessions: CaseSession[] = [];
afterEach(async () => {
  delete process.env.VIGIL_SIDE_THREAD_MIN;
  for (const s of sessions.splice(0)) await s.close();
});

interface Opened {
  session: CaseSession;
  runs: DetectionRun[];
  jobs: ImportJob[];
  lines: { n: number };
}

function openCase(path: string, create: boolean, detection?: DetectionOptions): Opened {
  const store = create ? CaseDb.create(path, 'one pass') : CaseDb.open(path);
  const runs: DetectionRun[] = [];
  const jobs: ImportJob[] = [];
  const lines = { n: 0 };
  const session = new CaseSession(store, {
    rulesDir: RULES,
    dataDir: tempDir('vigil-pass-data-'),
    importer: { offThreadMinBytes: 0, batchLines: 150, checkpointLines: 600 },
    ...(detection ? { detection } : {}),
    emit: (name, payload) => {
      if (name === 'detect.finished') runs.push(payload as DetectionRun);
      if (name === 'ingest.finished') jobs.push(payload as ImportJob);
      if (name === 'ingest.progressed') lines.n = (payload as { lines: number }).lines;
    },
  });
  sessions.push(session);
  return { session, runs, jobs, lines };
}

/** Import `input` into a new case and wait until nothing is left to do. */
async function importAndDetect(input: string, detection?: DetectionOptions): Promise<Opened> {
  const o = openCase(join(tempDir('vigil-pass-'), 'c.vigil'), true, detection);
  o.session.importer.start([input], { force: true, format: 'auto' });
  await o.session.work.idle();
  return o;
}

/** Every finding of the case, without row ids and run ids (which differ by construction). */
function findings(s: CaseSession) {
  const db = s.store.db;
  return {
    alerts: db
      .prepare(
        `SELECT detector, kind, title, severity, round(score, 6) AS score, first_ts, last_ts, key, entities, evidence, details, tags FROM alerts
         ORDER BY detector, kind, first_ts, last_ts, key, evidence, title`,
      )
      .all(),
    groups: db
      .prepare(
        'SELECT kind, key, ip, user, user_agent, start_ts, end_ts, events, features, round(s.score, 6) AS score, s.level, evidence FROM behaviour_groups g LEFT JOIN behaviour_scores s ON s.group_id = g.id ORDER BY kind, key, start_ts',
      )
      .all(),
    points: db.prepare('SELECT source_type, detector, bucket, round(score, 6) AS score, threshold, key FROM score_points ORDER BY source_type, detector, bucket').all(),
    incidents: db.prepare('SELECT id, category, pattern, severity, priority, first_ts, last_ts, event_count, alert_count, summary FROM incidents ORDER BY id').all(),
    hits: db.prepare('SELECT rule_id, hits FROM rule_settings ORDER BY rule_id').all(),
  };
}

/** The same case after a fresh pass over the whole of it. */
async function rerun(o: Opened) {
  o.session.detection.rerun();
  await o.session.work.idle();
  expect(o.runs.at(-1)).toMatchObject({ scope: 'all', status: 'done' });
  return findings(o.session);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Access lines written when their request ended: each up to `lateS` seconds after its time. */
function disorder(lines: string[], lateS: number): string[] {
  let x = 17;
  const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return lines
    .map((l) => {
      const m = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})/.exec(l)!;
      const t = Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
      return { l, at: t + rand() * lateS * 1000 };
    })
    .sort((a, b) => a.at - b.at)
    .map((e) => e.l);
}

describe('one detection pass over an event-time feed', () => {
  const scenario = writeScenario(join(tempDir('vigil-pass-src-'), 'scenario'), { seed: 7, days: 2, attacksPerPattern: 2 });

  it('an access log out of order by seconds gives what a pass over the stored case in order gives, nothing late', async () => {
    const lines = readFileSync(scenario.accessLog, 'utf8').trimEnd().split('\n');
    const file = join(tempDir('vigil-pass-src-'), 'access.log');
    writeFileSync(file, disorder(lines, 30).join('\n') + '\n');
    const o = await importAndDetect(file);
    expect(o.runs).toHaveLength(1);
    expect(o.runs[0]).toMatchObject({ scope: 'import', status: 'done', events: lines.length, late: 0 });
    const once = findings(o.session);
    expect(once.alerts.length).toBeGreaterThan(10);
    expect(once.incidents.length).toBeGreaterThan(0);
    expect(await rerun(o)).toEqual(once);
  });

  it('a tar.gz of rotated members, newest first, is read oldest first: the same findings, nothing late', async () => {
    const lines = readFileSync(scenario.authLog, 'utf8').trimEnd().split('\n');
    const half = Math.floor(lines.length / 2);
    const pack = tar.pack();
    pack.entry({ name: 'auth.log', mtime: new Date(scenario.scenario.end) }, lines.slice(half).join('\n') + '\n');
    pack.entry({ name: 'auth.log.1.gz', mtime: new Date(scenario.scenario.start + 86_400_000) }, gzipSync(lines.slice(0, half).join('\n') + '\n'));
    pack.finalize();
    const archive = join(tempDir('vigil-pass-src-'), 'logs.tar.gz');
    await pipeline(pack, createGzip(), createWriteStream(archive));
    const o = await importAndDetect(archive);
    expect(o.runs).toHaveLength(1);
    expect(o.runs[0]).toMatchObject({ scope: 'import', status: 'done', events: lines.length, late: 0 });
    const sources = o.session.importer.sources().map((s) => s.name);
    expect(sources).toEqual(['logs.tar.gz!auth.log.1.gz', 'logs.tar.gz!auth.log']);
    const rotated = findings(o.session);
    expect(await rerun(o)).toEqual(rotated);
    // The two members are one log: the ensemble scores the same series as for the log in one
    // file (no new baseline, and no "burst", where the newer member begins).
    const whole = join(tempDir('vigil-pass-src-'), 'auth.log');
    writeFileSync(whole, lines.join('\n') + '\n');
    utimesSync(whole, new Date(scenario.scenario.end), new Date(scenario.scenario.end)); // dated as the live member
    const one = findings((await importAndDetect(whole)).session);
    const scores = (f: typeof one) => f.points.map((p) => ({ ...(p as { key: string }), key: (p as { key: string }).key.replace('logs.tar.gz!', '') }));
    expect(scores(rotated)).toEqual(scores(one));
  });

  it('a folder whose files cover the same days is read back in time order after the import, not scored late', async () => {
    const o = await importAndDetect(scenario.dir);
    expect(o.session.importer.sources().map((s) => s.name)).toEqual(expect.arrayContaining(['access.log', 'auth.log']));
    expect(o.runs).toHaveLength(1);
    const events = o.session.store.db.prepare('SELECT count(*) FROM events').pluck().get();
    expect(o.runs[0]).toMatchObject({ scope: 'import', status: 'done', events, late: 0 });
    expect(await rerun(o)).toEqual(findings(o.session));
  });

  it('finds the same with Sigma, population and the ensemble in a worker as on the engine thread', async () => {
    process.env.VIGIL_SIDE_THREAD_MIN = 'Infinity';
    const here = await importAndDetect(scenario.authLog);
    expect(here.runs[0]!.stageMs?.sigma).toBeGreaterThan(0);
    process.env.VIGIL_SIDE_THREAD_MIN = '0';
    const worker = await importAndDetect(scenario.authLog);
    expect(worker.runs[0]!.stageMs?.sigma_worker).toBeGreaterThan(0);
    expect(findings(worker.session)).toEqual(findings(here.session));
  });

  it('finds the same when the worker fails: the side stages run again on the engine thread from where they began', async () => {
    process.env.VIGIL_SIDE_THREAD_MIN = 'Infinity';
    const here = await importAndDetect(scenario.authLog);
    process.env.VIGIL_SIDE_THREAD_MIN = '0';
    // A real failure: the worker cannot load SQLite's native module, so it dies before its first batch.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const failed = await importAndDetect(scenario.authLog, { nativeBinding: join(tempDir('vigil-no-module-'), 'missing.node') });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/detection worker failed .*running Sigma, population and the ensemble on the engine thread/s));
      expect(failed.runs[0]).toMatchObject({ scope: 'import', status: 'done' });
      expect(failed.runs[0]!.stageMs?.sigma_worker).toBeUndefined();
      expect(findings(failed.session)).toEqual(findings(here.session));
    } finally {
      warn.mockRestore();
    }
  });

  it('counts a line later than the lateness as late and still scores it', async () => {
    const lines = readFileSync(scenario.authLog, 'utf8').trimEnd().split('\n');
    // A line of the first hour once more at the end of two days.
    const file = join(tempDir('vigil-pass-src-'), 'auth.log');
    writeFileSync(file, [...lines, lines[5]!].join('\n') + '\n');
    const o = await importAndDetect(file);
    expect(o.runs[0]).toMatchObject({ status: 'done', events: lines.length + 1, late: 1 });
  });

  it('a case closed mid-import resumes it when it opens again and repairs detection with one pass over the whole case', async () => {
    const big = writeScenario(join(tempDir('vigil-pass-src-'), 'big'), { seed: 9, days: 12, attacksPerPattern: 2 });
    const normal = await importAndDetect(big.authLog);
    const path = join(tempDir('vigil-pass-'), 'c.vigil');
    const first = openCase(path, true);
    first.session.importer.start([big.authLog], { force: true, format: 'auto' });
    while (first.lines.n < 1500) await new Promise((r) => setTimeout(r, 5));
    await first.session.close(); // the app quits mid-import
    sessions.splice(sessions.indexOf(first.session), 1);

    const again = openCase(path, false); // the rest of the import, then one pass over the whole case
    await again.session.work.idle();
    expect(again.runs.map((r) => [r.scope, r.status])).toEqual([['all', 'done']]);
    const events = (s: CaseSession) => s.store.db.prepare('SELECT count(*) FROM events').pluck().get();
    expect(events(again.session)).toBe(events(normal.session));
    const got = findings(again.session);
    const want = findings(normal.session);
    expect(got.alerts).toEqual(want.alerts);
    expect(got.groups).toEqual(want.groups);
    expect(got.incidents).toEqual(want.incidents);
  });
});
