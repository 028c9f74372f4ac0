/**
 * A case is one SQLite file. This module creates, opens and closes it, and keeps the pragmas
 * every connection needs in one place.
 */
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { CaseInfo } from '../../../src-shared/dto';
import { EngineError, ioError } from '../errors';
import { Checkpointer } from './checkpointer';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';

/** "VIGL": marks a SQLite file as a Vigil case so a random database is refused with a clear error. */
export const APPLICATION_ID = 0x5649474c;
const SQLITE_MAGIC = 'SQLite format 3\0';

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for the running runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
  /**
   * SQLite's page cache for the case's connection, in MiB (default 64: the workbench's queries
   * over a large case read the same index pages again and again). A headless collector, which
   * mostly appends, asks for less: under a flood the cache fills and is a sixth of its memory.
   */
  pageCacheMiB?: number;
}

const DEFAULT_PAGE_CACHE_MIB = 64;
/** Page size of a new case file, in bytes. */
const PAGE_SIZE = 16_384;

export class CaseDb {
  private constructor(
    readonly path: string,
    readonly db: Db,
    private readonly options: OpenOptions = {},
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
      // Before the first table: a page size holds for the file's life. With 16 KiB pages instead of
      // 4 KiB a 1M-line import took a tenth less CPU (fewer b-tree pages to split, link and write
      // back) for a 5% smaller file; cases made before keep their 4 KiB pages.
      db.pragma(`page_size = ${PAGE_SIZE}`);
      configure(db, opts);
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
    return new CaseDb(path, db, opts);
  }

  static open(path: string, opts: OpenOptions = {}): CaseDb {
    if (!existsSync(path)) throw new EngineError('not_found', `No case file at ${path}.`);
    assertSqliteFile(path);
    assertWritable(path);
    let db: Db;
    try {
      db = new Database(path, { ...connectionOptions(opts), fileMustExist: true });
    } catch (err) {
      throw ioError(err, `The case file ${path}`);
    }
    try {
      configure(db, opts);
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
      throw caseFileError(err, path) ?? ioError(err, `The case file ${path}`);
    }
    return new CaseDb(path, db, opts);
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

  private checkpointer: Checkpointer | null = null;

  /**
   * From now on the write-ahead log is copied back by a thread of its own (see checkpointer.ts);
   * for bulk writers (imports, live collection). Idempotent.
   */
  checkpointInBackground(): void {
    if (this.checkpointer || !this.db.open) return;
    this.checkpointer = new Checkpointer(this.path, { nativeBinding: this.options.nativeBinding });
    // The backstop: only if that thread falls 256 MB behind does a commit here checkpoint.
    this.db.pragma('wal_autocheckpoint = 65536');
  }

  close(): void {
    this.checkpointer?.stop();
    this.checkpointer = null;
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

function configure(db: Db, opts: OpenOptions): void {
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const cacheMiB = opts.pageCacheMiB !== undefined && opts.pageCacheMiB >= 1 ? Math.floor(opts.pageCacheMiB) : DEFAULT_PAGE_CACHE_MIB;
  // Negative: a size in KiB, not pages.
  db.pragma(`cache_size = -${cacheMiB * 1024}`);
  db.pragma('temp_store = MEMORY');
  // Checkpoint the WAL every 64 MB instead of 4 MB: a bulk import rewrites the same index pages
  // many times over, and copying them back less often makes it about 5% faster.
  db.pragma('wal_autocheckpoint = 16384');
}

/**
 * Refuse non-SQLite files before SQLite sees them, with a message that says what the file is not,
 * and a truncated case: SQLite reads pages lazily, so a cut-off file would otherwise open and fail
 * later, query by query.
 */
function assertSqliteFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(err, `The case file ${path}`);
  }
  try {
    const header = Buffer.alloc(100);
    const n = readSync(fd, header, 0, 100, 0);
    if (n < 16 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new EngineError('bad_format', `${path} is not a Vigil case (not a SQLite database).`);
    }
    if (n < 100) throw new EngineError('bad_format', `${path} is damaged: it ends inside the database header.`);
    // Header fields (sqlite.org/fileformat.html): page size at 16 (1 means 65536), the database
    // size in pages at 28, valid when the change counter at 24 equals the number at 92.
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    const pages = header.readUInt32BE(28);
    const sizeValid = header.readUInt32BE(24) === header.readUInt32BE(92);
    const size = fstatSync(fd).size;
    // A checkpoint writes page 1 (this header) first and the file's last pages after it, so a
    // process killed mid-checkpoint leaves a short file beside a write-ahead log that SQLite
    // replays on open: only a short file with no log to complete it is truncated.
    const walBytes = statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    if (walBytes === 0 && sizeValid && pages > 0 && pageSize >= 512 && size < pages * pageSize) {
      throw new EngineError('bad_format', `${path} is damaged: it is truncated (${size} bytes of ${pages * pageSize}). Open a backup copy of the case.`);
    }
  } finally {
    closeSync(fd);
  }
}

/** A case is always written to (imports, labels, even opening runs migrations): say so up front. */
function assertWritable(path: string): void {
  try {
    accessSync(path, constants.W_OK);
    // access() says yes to root whatever the permission bits, but not past an immutable flag or
    // a read-only mount; opening for writing is the real test.
    closeSync(openSync(path, 'r+'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new EngineError('io_error', `The case file ${path} is read-only: Vigil needs to write to it. Make it writable, or copy it to a writable folder and open the copy.`, { errno: code });
    }
    throw ioError(err, `The case file ${path}`);
  }
}

/**
 * What a SQLite failure means for the analyst, with the contract's code: a damaged file, a full
 * disk, a read-only file, a case locked by another program. Null for anything else.
 */
export function caseFileError(err: unknown, path?: string): EngineError | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const file = path ? `The case file ${path}` : 'The case file';
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB') {
    return new EngineError('bad_format', `${file} is damaged (${code}): ${(err as Error).message}. Open a backup copy of the case.`, { sqlite: code });
  }
  if (code === 'SQLITE_FULL') {
    return new EngineError('io_error', `${file} cannot grow: the disk is full. Free some space and try again; what was saved before is kept.`, { sqlite: code });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    return new EngineError('io_error', `${file} is read-only: Vigil cannot write to it.`, { sqlite: code });
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new EngineError('conflict', `${file} is locked by another program; close it there and try again.`, { sqlite: code });
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_') || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return new EngineError('io_error', `${file} cannot be read or written (${code}): ${(err as Error).message}`, { sqlite: code });
  }
  return null;
}
