import { mkdtempSync, writeFileSync, existsSync, statSync } from 'node:fs';
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
    expect(c.info()).toMatchObject({ name: 'web-01 incident', schemaVersion: LATEST_VERSION, eventCount: 0 });
    c.close();
    // Closing folds the WAL back, so the case is one file at rest.
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    const again = CaseDb.open(path);
    expect(again.info().name).toBe('web-01 incident');
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
});
