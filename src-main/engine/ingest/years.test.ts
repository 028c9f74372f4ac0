/**
 * Yearless time stamps (RFC 3164 syslog, auth.log) imported as an analyst gets them: copied or
 * extracted files whose own time is later than their last line, archives whose members carry
 * their own times, files that turn a new year. No line is ever dated after the file's time, and
 * every source says which years it assumed.
 */
import { createWriteStream, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { CaseInfo, ImportJob, SourceRow } from '../../../src-shared/dto';
import { TestEngine, tempDir } from '../test-support';

const engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.link.close();
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** sshd lines every `stepMs` from `from` to `to` (epoch ms, UTC), written without a year. */
function authLines(from: number, to: number, stepMs: number): string[] {
  const out: string[] = [];
  for (let t = from, i = 0; t <= to; t += stepMs, i++) {
    const d = new Date(t);
    const day = String(d.getUTCDate()).padStart(2, ' ');
    const clock = d.toISOString().slice(11, 19);
    out.push(`${MONTHS[d.getUTCMonth()]} ${day} ${clock} bastion sshd[${100 + (i % 50)}]: Failed password for root from 203.0.113.${i % 200} port ${30000 + i} ssh2`);
  }
  return out;
}

async function importInto(engine: TestEngine, path: string): Promise<{ job: ImportJob; sources: SourceRow[]; first: number; last: number }> {
  const done = engine.next<ImportJob>('ingest.finished', () => true, 60_000);
  await engine.call('ingest.startImport', { paths: [path] });
  const job = await done;
  await engine.call('ingest.waitIdle');
  const sources = await engine.call<SourceRow[]>('ingest.listSources');
  const info = await engine.call<CaseInfo>('cases.getCurrent');
  const db = new Database(info.path, { readonly: true });
  try {
    const t = db.prepare('SELECT min(ts) AS first, max(ts) AS last, count(*) AS n, count(ts) AS dated FROM events').get() as { first: number; last: number; n: number; dated: number };
    expect(t.dated).toBe(t.n);
    return { job, sources, first: t.first, last: t.last };
  } finally {
    db.close();
  }
}

async function caseWith(name: string): Promise<TestEngine> {
  const engine = new TestEngine();
  engines.push(engine);
  await engine.call('cases.create', { name });
  return engine;
}

const DAY = 86_400_000;
// A file copied or extracted long after it was written: its own time says December 7, 2026.
const COPIED_AT = Date.UTC(2026, 11, 7, 10);

describe('yearless time stamps', () => {
  it('fits a file that turns a new year to its last line, never after the file’s own time', async () => {
    const dir = tempDir();
    const from = Date.UTC(2025, 10, 20, 6);
    const to = Date.UTC(2026, 0, 10, 18);
    const file = join(dir, 'auth.log');
    writeFileSync(file, authLines(from, to, 3 * 3600_000).join('\n') + '\n');
    utimesSync(file, COPIED_AT / 1000, COPIED_AT / 1000);
    const engine = await caseWith('turn of the year');
    const r = await importInto(engine, file);
    expect(r.job.status).toBe('done');
    expect(r.first).toBe(from);
    expect(r.last).toBe(to);
    expect(r.sources).toEqual([expect.objectContaining({ name: 'auth.log', assumedYears: { first: 2025, last: 2026, futureKept: 0 } })]);
  });

  it('dates a line a few days after the file’s time in the year before', async () => {
    const dir = tempDir();
    const file = join(dir, 'auth.log');
    // December 20 to 31, in a file whose time is December 7: last year's December.
    writeFileSync(file, authLines(Date.UTC(2025, 11, 20), Date.UTC(2025, 11, 31), 6 * 3600_000).join('\n') + '\n');
    utimesSync(file, COPIED_AT / 1000, COPIED_AT / 1000);
    const engine = await caseWith('last december');
    const r = await importInto(engine, file);
    expect(new Date(r.first).toISOString()).toBe('2025-12-20T00:00:00.000Z');
    expect(r.last).toBeLessThanOrEqual(COPIED_AT);
    expect(r.sources[0]!.assumedYears).toEqual({ first: 2025, last: 2025, futureKept: 0 });
  });

  it('takes each archive member’s own time: rotated members of one tar.gz in their right years', async () => {
    const dir = tempDir();
    const pack = tar.pack();
    // Newest first, as logrotate leaves them; the older member compressed inside the archive.
    const newer = authLines(Date.UTC(2026, 0, 3), Date.UTC(2026, 0, 9), 12 * 3600_000);
    const older = authLines(Date.UTC(2025, 11, 27), Date.UTC(2026, 0, 2, 12), 12 * 3600_000);
    pack.entry({ name: 'var/log/auth.log', mtime: new Date(Date.UTC(2026, 0, 9, 1)) }, newer.join('\n') + '\n');
    pack.entry({ name: 'var/log/auth.log.1.gz', mtime: new Date(Date.UTC(2026, 0, 2, 13)) }, gzipSync(older.join('\n') + '\n'));
    pack.entry({ name: 'var/log/LICENSE', mtime: new Date(COPIED_AT) }, 'Permission is hereby granted, free of charge, to any person\n');
    pack.finalize();
    const archive = join(dir, 'logs.tar.gz');
    await pipeline(pack, createGzip(), createWriteStream(archive));
    utimesSync(archive, COPIED_AT / 1000, COPIED_AT / 1000);
    const engine = await caseWith('rotated');
    const r = await importInto(engine, archive);
    expect(r.job.status).toBe('done');
    expect(r.job.lines).toBe(newer.length + older.length);
    expect(r.job.notes).toEqual([expect.stringMatching(/LICENSE: not a log/)]);
    expect(new Date(r.first).toISOString()).toBe('2025-12-27T00:00:00.000Z');
    expect(new Date(r.last).toISOString()).toBe('2026-01-09T00:00:00.000Z');
    const years = Object.fromEntries(r.sources.map((s) => [s.name.replace(/^.*!/, ''), s.assumedYears]));
    expect(years).toEqual({ 'var/log/auth.log': { first: 2026, last: 2026, futureKept: 0 }, 'var/log/auth.log.1.gz': { first: 2025, last: 2026, futureKept: 0 } });
  });

  it('skips and names a licence and a read-me next to the logs of a folder', async () => {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    const lines = authLines(Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 1) + DAY, 3600_000);
    writeFileSync(join(dir, 'auth.log'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'LICENSE'), 'Apache License\nVersion 2.0, January 2004\n');
    writeFileSync(join(dir, 'README.md'), '# Logs of the bastion\n');
    const engine = await caseWith('folder');
    const r = await importInto(engine, dir);
    expect(r.job.lines).toBe(lines.length);
    expect(r.job.notes).toEqual([expect.stringMatching(/^LICENSE: not a log/), expect.stringMatching(/^README\.md: not a log/)]);
    expect(r.sources.map((s) => s.name)).toEqual(['auth.log']);
  });
});
