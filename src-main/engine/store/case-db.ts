/**
 * A case is one SQLite file. This module creates, opens and closes it, and keeps the pragmas
 * every connection needs in one place.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { CaseInfo } from '../../../src-shared/dto';
import { EngineError, ioError } from '../errors';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';

/** "VIGL": marks a SQLite file as a Vigil case so a random database is refused with a clear error. */
export const APPLICATION_ID = 0x5649474c;
const SQLITE_MAGIC = 'SQLite format 3\0';

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for the running runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
}

export class CaseDb {
  private constructor(
    readonly path: string,
    readonly db: Db,
  ) {}

  static create(path: string, name: string, opts: OpenOptions = {}): CaseDb {
    if (existsSync(path)) throw new EngineError('conflict', `A file already exists at ${path}; open it or choose another name.`);
    let db: Db;
    try {
      db = new Database(path, connectionOptions(opts));
    } catch (err) {
      throw ioError(err, `The case file ${path}`);
    }
    try {
      configure(db);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      migrate(db);
      const put = db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?)');
      db.transaction(() => {
        put.run('name', name);
        put.run('created_at', String(Date.now()));
      })();
    } catch (err) {
      db.close();
      throw err instanceof EngineError ? err : ioError(err, `The case file ${path}`);
    }
    return new CaseDb(path, db);
  }

  static open(path: string, opts: OpenOptions = {}): CaseDb {
    if (!existsSync(path)) throw new EngineError('not_found', `No case file at ${path}.`);
    assertSqliteFile(path);
    let db: Db;
    try {
      db = new Database(path, { ...connectionOptions(opts), fileMustExist: true });
    } catch (err) {
      throw ioError(err, `The case file ${path}`);
    }
    try {
      configure(db);
      const appId = db.pragma('application_id', { simple: true }) as number;
      if (appId !== APPLICATION_ID) {
        throw new EngineError('bad_format', `${path} is a SQLite database but not a Vigil case.`);
      }
      const version = schemaVersion(db);
      if (version > LATEST_VERSION) {
        throw new EngineError('bad_format', `${path} was written by a newer Vigil (schema ${version}; this one knows up to ${LATEST_VERSION}).`);
      }
      // A full integrity check reads the whole file (seconds for a large case); reading the
      // schema and the newest pages catches a truncated or overwritten file at once.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      db.prepare('SELECT max(rowid) FROM events').get();
      migrate(db);
    } catch (err) {
      db.close();
      if (err instanceof EngineError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new EngineError('bad_format', `${path} is damaged or not a Vigil case (${code}).`);
      }
      throw ioError(err, `The case file ${path}`);
    }
    return new CaseDb(path, db);
  }

  info(): CaseInfo {
    const meta = new Map(
      (this.db.prepare('SELECT key, value FROM case_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
    );
    const eventCount = (this.db.prepare('SELECT coalesce(max(id), 0) AS n FROM events').get() as { n: number }).n;
    return {
      path: this.path,
      name: meta.get('name') ?? basename(this.path, extname(this.path)),
      createdAt: Number(meta.get('created_at') ?? 0),
      schemaVersion: schemaVersion(this.db),
      eventCount,
    };
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Fold the WAL back so the case is one self-contained file when Vigil is not running.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

function connectionOptions(opts: OpenOptions): Database.Options {
  return opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {};
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
}

/** Refuse non-SQLite files before SQLite sees them, with a message that says what the file is not. */
function assertSqliteFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(err, `The case file ${path}`);
  }
  try {
    const header = Buffer.alloc(16);
    const n = readSync(fd, header, 0, 16, 0);
    if (n < 16 || header.toString('latin1') !== SQLITE_MAGIC) {
      throw new EngineError('bad_format', `${path} is not a Vigil case (not a SQLite database).`);
    }
  } finally {
    closeSync(fd);
  }
}
