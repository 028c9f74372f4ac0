import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { APPLICATION_ID, CaseDb } from './case-db';
import { LATEST_VERSION } from './migrations';

const dir = () => mkdtempSync(join(tmpdir(), 'vigil-case-'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof EngineError ? err.code : 'not-engine-error';
  }
  return undefined;
}

describe('CaseDb', () => {
  it('creates a WAL case file at the latest schema and reopens it with its name', () => {
    const path = join(dir(), 'web.vigil');
    const c = CaseDb.create(path, 'web-01 incident');
    expect(c.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.db.pragma('page_size', { simple: true })).toBe(16_384); // fewer, larger pages for bulk imports
    expect(c.info()).toMatchObject({ name: 'web-01 incident', schemaVersion: LATEST_VERSION, eventCount: 0 });
    c.close();
    // Closing folds the WAL back, so the case is one file at rest.
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    const again = CaseDb.open(path);
    expect(again.info().name).toBe('web-01 incident');
    again.close();
  });

  it('sizes its page cache as asked (a headless collector asks for less), 64 MiB by default', () => {
    const path = join(dir(), 'cache.vigil');
    const c = CaseDb.create(path, 'cache', { pageCacheMiB: 16 });
    expect(c.db.pragma('cache_size', { simple: true })).toBe(-16 * 1024);
    c.close();
    const again = CaseDb.open(path);
    expect(again.db.pragma('cache_size', { simple: true })).toBe(-64 * 1024);
    again.close();
  });

  it('refuses to overwrite an existing file', () => {
    const path = join(dir(), 'x.vigil');
    writeFileSync(path, 'hello');
    expect(codeOf(() => CaseDb.create(path, 'x'))).toBe('conflict');
  });

  it('says clearly when a file is missing, not SQLite, another database, or from a newer Vigil', () => {
    const d = dir();
    expect(codeOf(() => CaseDb.open(join(d, 'missing.vigil')))).toBe('not_found');

    const text = join(d, 'notes.vigil');
    writeFileSync(text, 'this is not a database at all, just text');
    expect(codeOf(() => CaseDb.open(text))).toBe('bad_format');

    const other = join(d, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    expect(codeOf(() => CaseDb.open(other))).toBe('bad_format');

    const newer = join(d, 'newer.vigil');
    CaseDb.create(newer, 'n').close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    expect(codeOf(() => CaseDb.open(newer))).toBe('bad_format');
  });

  it('detects a truncated case file', () => {
    const path = join(dir(), 'broken.vigil');
    const c = CaseDb.create(path, 'b');
    c.db.exec(`INSERT INTO imports (path, name, status, started_at) VALUES ('/a', 'a', 'done', 1)`);
    c.close();
    const bytes = Buffer.alloc(4096 + 100);
    bytes.write('SQLite format 3\0', 'latin1');
    writeFileSync(path, bytes);
    expect(codeOf(() => CaseDb.open(path))).toBe('bad_format');
  });

  it('marks the file as a Vigil case', () => {
    const c = CaseDb.create(join(dir(), 'id.vigil'), 'id');
    expect(c.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    c.close();
  });

  it('opens a case whose checkpoint was cut off after the header, and still refuses it without its log', () => {
    const path = join(dir(), 'cut.vigil');
    const c = CaseDb.create(path, 'cut');
    c.db.pragma('wal_autocheckpoint = 0');
    const put = c.db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?)');
    c.db.transaction(() => {
      for (let i = 0; i < 2000; i++) put.run(`k${i}`, 'x'.repeat(1000));
    })();
    // A copy as a process killed mid-checkpoint leaves it: the log complete, and in the file only
    // page 1 (the header, now counting every page) written, the file not yet grown.
    const copy = join(dir(), 'copy.vigil');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    c.close();
    const wal = readFileSync(`${copy}-wal`);
    const pageSize = wal.readUInt32BE(8);
    let page1: Buffer | null = null;
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
      if (wal.readUInt32BE(at) === 1) page1 = wal.subarray(at + 24, at + 24 + pageSize);
    }
    const fd = openSync(copy, 'r+');
    writeSync(fd, page1!, 0, pageSize, 0);
    closeSync(fd);
    expect(statSync(copy).size).toBeLessThan(page1!.readUInt32BE(28) * pageSize);
    // The same short file with no log to finish it is truncated.
    const bare = join(dir(), 'bare.vigil');
    copyFileSync(copy, bare);

    const reopened = CaseDb.open(copy);
    expect(reopened.db.prepare('SELECT count(*) FROM case_meta').pluck().get()).toBe(2002);
    reopened.close();
    expect(codeOf(() => CaseDb.open(bare))).toBe('bad_format');
  });
});
