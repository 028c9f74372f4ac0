import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../../src-shared/dto';
import { CaseModels } from '../pipeline/case-models';
import { CaseDb } from '../store/case-db';
import { Postings } from '../store/postings';
import { tempDir } from '../test-support';
import { CaseBus } from '../session/bus';
import { WorkQueue } from '../session/work-queue';
import { Importer } from './importer';

/**
 * The import normalizes lines on a thread of its own for large inputs. Whatever thread did the
 * work, and however the import was interrupted, the case must end up the same.
 */

const open: CaseDb[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function newCase(): CaseDb {
  const c = CaseDb.create(join(tempDir('vigil-import-'), 'c.vigil'), 'import');
  open.push(c);
  return c;
}

/** A folder of two members: an auth log with odd lines, and an access log. */
function sampleFolder(authLines: number): string {
  const dir = tempDir('vigil-import-src-');
  const folder = join(dir, 'logs');
  mkdirSync(folder);
  const users = ['root', 'admin', 'alice', 'bob', 'deploy'];
  const auth: string[] = [];
  for (let i = 0; i < authLines; i++) {
    const s = String(i % 60).padStart(2, '0');
    const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
    const ip = `198.51.${i % 7}.${(i * 13) % 250}`;
    const user = users[i % users.length];
    switch (i % 9) {
      case 0:
        auth.push(
          `Nov 21 10:${m}:${s} web-01 sshd[${1000 + i}]: Failed password for invalid user guess${i % 40} from ${ip} port ${40000 + i} ssh2`,
        );
        break;
      case 1:
        auth.push(`Nov 21 10:${m}:${s} web-01 sshd[${1000 + i}]: Accepted publickey for ${user} from ${ip} port ${40000 + i} ssh2`);
        break;
      case 2:
        auth.push(`Nov 21 10:${m}:${s} web-01 sudo:    ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/cat /etc/shadow`);
        break;
      case 3:
        auth.push(''); // an empty line is a line too
        break;
      case 4:
        auth.push(`this line fits no parser ${i}`);
        break;
      case 5: {
        // The session of the connection accepted 20 rounds (~3 minutes) before: only the parser's
        // memory of that process gives this line its address, whichever batch it falls in (not
        // across the top of the hour, where these stamps go back an hour).
        const j = i % 3600 >= 184 ? i - 184 : i;
        auth.push(`Nov 21 10:${m}:${s} web-01 sshd[${1000 + j}]: pam_unix(sshd:session): session opened for user ${users[j % users.length]} by (uid=0)\r`);
        break;
      }
      default:
        auth.push(`Nov 21 10:${m}:${s} web-02 CRON[${2000 + i}]: pam_unix(cron:session): session closed for user root`);
    }
  }
  writeFileSync(join(folder, 'auth.log'), Buffer.concat([Buffer.from(auth.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a])]));
  const access: string[] = [];
  for (let i = 0; i < 3000; i++) {
    access.push(
      `203.0.113.${i % 50} - - [21/Nov/2026:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:00 +0000] "GET /item/${i % 300}?q=${i} HTTP/1.1" ${i % 17 ? 200 : 404} ${500 + i} "-" "curl/8.${i % 3}"`,
    );
  }
  writeFileSync(join(folder, 'access.log'), access.join('\n')); // no final newline
  return folder;
}

/** A folder of `members` rotated auth logs of `perMember` lines each, newest first by name. */
function rotatedFolder(members: number, perMember: number): string {
  const folder = join(tempDir('vigil-import-src-'), 'rotated');
  mkdirSync(folder);
  const start = Date.UTC(2026, 10, 1);
  const month = (t: number) => ['Oct', 'Nov', 'Dec'][new Date(t).getUTCMonth() - 9];
  const stamp = (t: number) => `${month(t)} ${String(new Date(t).getUTCDate()).padStart(2, ' ')} ${new Date(t).toISOString().slice(11, 19)}`;
  for (let m = 0; m < members; m++) {
    const oldest = members - 1 - m; // auth.log.N is the Nth newest
    const lines: string[] = [];
    for (let i = 0; i < perMember; i++) {
      const n = oldest * perMember + i;
      const t = start + n * 1000;
      lines.push(
        n % 3 === 0
          ? `${stamp(t)} web-01 sshd[${5000 + n}]: Failed password for invalid user u${n % 50} from 203.0.113.${n % 200} port ${30000 + (n % 9000)} ssh2`
          : `${stamp(t)} web-01 CRON[${9000 + n}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
      );
    }
    writeFileSync(join(folder, m === 0 ? 'auth.log' : `auth.log.${m}`), lines.join('\n') + '\n');
  }
  return folder;
}

class Run {
  readonly models: CaseModels;
  readonly importer: Importer;
  readonly work = new WorkQueue();
  readonly finished: ImportJob[] = [];
  private waiters: ((j: ImportJob) => void)[] = [];
  lines = 0;
  bytes = 0;

  constructor(
    readonly store: CaseDb,
    offThreadMinBytes: number,
  ) {
    this.models = new CaseModels(store.db);
    this.importer = new Importer(
      store,
      this.models,
      new CaseBus(),
      this.work,
      {
        progressed: (p) => {
          this.lines = p.lines;
          this.bytes = p.bytesRead;
        },
        finished: (j) => {
          this.finished.push(j);
          for (const w of this.waiters.splice(0)) w(j);
        },
      },
      { offThreadMinBytes },
    );
  }

  next(): Promise<ImportJob> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async importAll(path: string): Promise<ImportJob> {
    const done = this.next();
    this.importer.start([path], { force: true, format: 'auto' });
    return done;
  }
}

/** Everything an import stores, in a form two cases can be compared by. */
function contents(c: CaseDb) {
  const db = c.db;
  const events = db
    .prepare(
      `SELECT source_id, line_no, ts, raw, host, app, pid, severity, message, message_at, template_id, params, ls_product, ls_service,
        ls_category, src_ip, dst_ip, user, method, path, status, bytes, user_agent, outcome, action, fields, parser FROM events ORDER BY id`,
    )
    .raw()
    .all();
  const entities = db.prepare('SELECT rowid, id, type, value, first_seen, last_seen, count FROM entities ORDER BY id').all() as {
    rowid: number;
    id: string;
    count: number;
  }[];
  const entityEvents = new Postings(db, 'entity_events');
  const templateEvents = new Postings(db, 'template_events');
  const templates = db.prepare('SELECT id, template, count, examples, first_seen, last_seen FROM templates ORDER BY id').all() as {
    id: string;
  }[];
  const fts = db.prepare(`SELECT count(*) FROM events_fts WHERE events_fts MATCH '"session" AND "opened"'`).pluck().get();
  return {
    events,
    entities: entities.map(({ rowid, ...e }) => ({ ...e, events: entityEvents.ids(rowid).length })),
    templates: templates.map((t) => ({ ...t, events: templateEvents.ids(t.id) })),
    sources: db.prepare('SELECT member_index, name, format, lines, unparsed FROM sources ORDER BY id').all(),
    fts,
  };
}

/** A new case whose import of `folder`, on the thread, the app quit once `lines` were stored. */
async function interruptedAt(folder: string, lines: number): Promise<CaseDb> {
  const store = newCase();
  const first = new Run(store, 0);
  const interrupted = first.next();
  first.importer.start([folder], { force: true, format: 'auto' });
  while (first.lines < lines) await new Promise((r) => setTimeout(r, 5));
  first.importer.close();
  await first.work.close();
  expect((await interrupted).status).toBe('interrupted');
  expect(first.models.lent).toBe(false);
  return store;
}

/** Every line stored exactly once, as an uninterrupted import stored it (template posting ids aside). */
function expectSameImport(store: CaseDb, reference: CaseDb): void {
  const got = contents(store);
  const want = contents(reference);
  expect(got.sources).toEqual(want.sources);
  expect(got.events).toEqual(want.events);
  expect(got.templates.map(({ events, ...t }) => ({ ...t, events: events.length }))).toEqual(
    want.templates.map(({ events, ...t }) => ({ ...t, events: events.length })),
  );
  expect(got.entities).toEqual(want.entities);
  expect(got.fts).toBe(want.fts);
}

describe('import on the normalizing thread', () => {
  it('stores exactly what the engine thread stores: rows, templates, entities, their events, the full-text index', async () => {
    const folder = sampleFolder(20_000);
    const here = new Run(newCase(), Number.POSITIVE_INFINITY);
    const there = new Run(newCase(), 0);
    const a = await here.importAll(folder);
    const b = await there.importAll(folder);
    expect(a).toMatchObject({ status: 'done', members: 2 });
    expect(b).toMatchObject({ status: 'done', members: 2, lines: a.lines, unparsed: a.unparsed });
    expect(a.lines).toBe(20_000 + 1 + 3000);
    const ca = contents(here.store);
    const cb = contents(there.store);
    expect(cb.events.length).toBe(a.lines);
    expect(cb.sources).toEqual(ca.sources);
    expect(cb.templates).toEqual(ca.templates);
    expect(cb.entities).toEqual(ca.entities);
    expect(cb.events).toEqual(ca.events);
    expect(cb.fts).toBe(ca.fts);
    // Every linked entity's count is the length of its posting list.
    for (const e of cb.entities) if (e.events > 0) expect(e.events).toBe(e.count);
    // The miner came back from the thread: a later import mines with it.
    expect(there.models.lent).toBe(false);
    expect(there.models.templateInfo(ca.templates[0]!.id)).toBeDefined();
  });

  it('resumes an import interrupted mid-way on the thread, storing every line exactly once', async () => {
    const folder = sampleFolder(150_000);
    const reference = new Run(newCase(), Number.POSITIVE_INFINITY);
    await reference.importAll(folder);
    const store = await interruptedAt(folder, 40_000);
    const job = await new Run(store, 0).next(); // reopened: the interrupted import resumes by itself
    expect(job).toMatchObject({ status: 'done', lines: 150_001 + 3000 });
    expectSameImport(store, reference.store);
  }, 120_000);

  it('resumes a folder of many small rotated members at its last checkpoint, whatever member that fell in', async () => {
    // Members of 4,000 lines: checkpoints (every 64,000) fall inside members, none at their ends.
    const folder = rotatedFolder(40, 4000);
    const reference = new Run(newCase(), Number.POSITIVE_INFINITY);
    expect(await reference.importAll(folder)).toMatchObject({ status: 'done', members: 40, lines: 160_000 });
    const store = await interruptedAt(folder, 70_000);
    expect(await new Run(store, 0).next()).toMatchObject({ status: 'done', members: 40, lines: 160_000 });
    expectSameImport(store, reference.store);
  }, 120_000);

  it('resumes again after a stop while the resume was still skipping the lines stored before', async () => {
    const file = join(sampleFolder(150_000), 'auth.log'); // a lone file: no survey before the skip
    const reference = new Run(newCase(), Number.POSITIVE_INFINITY);
    await reference.importAll(file);
    const store = await interruptedAt(file, 100_000);
    const second = new Run(store, 0); // resumes by itself, skipping ~100,000 lines first
    const stopped = second.next();
    // The first bytes read again: the skip has begun, and takes longer than this test's answer.
    while (second.bytes === 0) await new Promise((r) => setTimeout(r, 1));
    second.importer.close();
    await second.work.close();
    expect((await stopped).status).toBe('interrupted');
    expect(await new Run(store, 0).next()).toMatchObject({ status: 'done', lines: 150_001 });
    expectSameImport(store, reference.store);
  }, 120_000);

  it('ends a cancel whose last lines the case cannot store (a full disk) as cancelled, and a resume later stores every line once', async () => {
    const folder = sampleFolder(100_000);
    const reference = new Run(newCase(), Number.POSITIVE_INFINITY);
    await reference.importAll(folder);
    const store = newCase();
    const first = new Run(store, 0);
    const ended = first.next();
    const [job] = first.importer.start([folder], { force: true, format: 'auto' }).jobs;
    while (first.lines < 30_000) await new Promise((r) => setTimeout(r, 5));
    // The disk fills as the analyst cancels: storing the batches still out and the checkpoint fails.
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    first.importer.cancel(job!.id);
    const stopped = await ended;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.error).toMatch(/could not be stored .*full.*resuming reads them again/i);
    expect(first.models.lent).toBe(false);
    await first.work.close();
    store.db.pragma('max_page_count = 1073741823');
    const second = new Run(store, 0);
    const done = second.next();
    second.importer.resume(job!.id);
    expect(await done).toMatchObject({ status: 'done', lines: 100_001 + 3000 });
    expectSameImport(store, reference.store);
  }, 120_000);

  it('gives the template miner back mid-import when the live collector needs it, and finishes on the engine thread', async () => {
    const folder = sampleFolder(120_000);
    const reference = new Run(newCase(), Number.POSITIVE_INFINITY);
    await reference.importAll(folder);

    const run = new Run(newCase(), 0);
    const done = run.next();
    run.importer.start([folder], { force: true, format: 'auto' });
    while (!run.models.lent) await new Promise((r) => setTimeout(r, 1));
    while (run.lines < 30_000) await new Promise((r) => setTimeout(r, 5));
    await run.models.home(); // what the live collector does before each batch
    expect(run.models.lent).toBe(false);
    const job = await done;
    expect(job).toMatchObject({ status: 'done', lines: 120_001 + 3000 });
    const got = contents(run.store);
    const want = contents(reference.store);
    // Lines after the hand-over are parsed by a new parser, warmed with the lines before them:
    // the sessions opened after it still carry the address their connection was accepted from.
    expect(got.sources).toEqual(want.sources);
    expect(got.events).toEqual(want.events);
    expect(got.templates).toEqual(want.templates);
    expect(got.entities).toEqual(want.entities);
  }, 120_000);
});
