/**
 * The case's imports: started (every path checked first), queued on the case's work queue one at
 * a time, cancelled, resumed, listed. One import's run is import-run.ts. When an import ends it
 * says so (`importEnded`, awaited: the next import starts once what listens is done with it).
 * An import interrupted by a crash or by closing the case resumes from its last checkpoint when
 * the case is opened again; re-importing the same content continues an unfinished import.
 */
import { rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { DuplicateImport, ImportJob, ImportStatus, SourceRow, StartImportResult } from '../../../src-shared/dto';
import { EngineError, ioError } from '../errors';
import type { CaseModels } from '../pipeline/case-models';
import type { FormatChoice } from '../pipeline/normalize';
import type { CaseBus } from '../session/bus';
import type { WorkQueue } from '../session/work-queue';
import type { CaseDb } from '../store/case-db';
import { EventWriter } from '../store/event-writer';
import { fingerprint } from './fingerprint';
import { LIVE_IMPORT_NAME, toJob, type ImporterEvents, type ImporterOptions, type ImportRow } from './import-row';
import { finishImport, importStatements, ImportRun, type ImportRunDeps } from './import-run';
import { inputSize } from './members';

export { LIVE_IMPORT_NAME, toJob, type ImporterEvents, type ImporterOptions } from './import-row';

/**
 * Inputs smaller than this are normalized on the engine thread: starting a thread costs more than
 * it saves on a few thousand lines.
 */
const OFF_THREAD_MIN_BYTES = 4 * 1024 * 1024;

export class Importer {
  /** Imports queued and not yet started, with the format each was asked in. */
  private readonly waiting = new Map<number, FormatChoice>();
  private closing = false;
  private readonly deps: ImportRunDeps;
  private readonly byFingerprint: Statement;
  private readonly insertImport: Statement;

  constructor(
    private readonly store: CaseDb,
    models: CaseModels,
    private readonly bus: CaseBus,
    private readonly work: WorkQueue,
    events: ImporterEvents,
    options: ImporterOptions = { offThreadMinBytes: OFF_THREAD_MIN_BYTES },
  ) {
    const db = store.db;
    this.deps = { store, models, bus, writer: new EventWriter(db), stmt: importStatements(db), events, options, closing: () => this.closing };
    this.insertImport = db.prepare(`INSERT INTO imports (path, name, status, bytes_total, started_at, fingerprint) VALUES (?, ?, 'running', ?, ?, ?) RETURNING *`);
    // The newest import of the same content, however it ended: done is a duplicate, anything
    // else is continued rather than imported a second time.
    this.byFingerprint = db.prepare(`SELECT * FROM imports WHERE fingerprint = ? AND name <> '${LIVE_IMPORT_NAME}' ORDER BY (status = 'done') DESC, id DESC LIMIT 1`);
    // Spooled members of imports the process left behind.
    rmSync(`${store.path}.spool`, { recursive: true, force: true });
    // A live collection that was running when the process died has nothing to resume: what it
    // stored is kept, and the row says how it ended.
    db.prepare(
      `UPDATE imports SET status = 'done', finished_at = coalesce(finished_at, ?),
         notes = json_insert(notes, '$[#]', 'The collector stopped abruptly (Vigil was closed or crashed); every message it had stored is kept.')
       WHERE status IN ('running', 'interrupted') AND name = ?`,
    ).run(Date.now(), LIVE_IMPORT_NAME);
    // An import that was running when the process died is resumed from its last checkpoint.
    const interrupted = db.prepare(`SELECT id FROM imports WHERE status IN ('running', 'interrupted') ORDER BY id`).pluck().all() as number[];
    db.prepare(`UPDATE imports SET status = 'interrupted' WHERE status = 'running'`).run();
    for (const id of interrupted) this.enqueue(id, 'auto');
  }

  list(): ImportJob[] {
    return (this.store.db.prepare('SELECT * FROM imports ORDER BY id DESC').all() as ImportRow[]).map(toJob);
  }

  sources(): SourceRow[] {
    return this.store.db
      .prepare('SELECT id, import_id AS importId, name, format, lines, unparsed, year_first, year_last, year_future_kept FROM sources ORDER BY id')
      .all()
      .map((r) => {
        const { year_first: first, year_last: last, year_future_kept: futureKept, ...rest } = r as Omit<SourceRow, 'assumedYears'> & { year_first: number | null; year_last: number | null; year_future_kept: number };
        return { ...rest, assumedYears: first === null || last === null ? null : { first, last, futureKept } };
      });
  }

  get(id: number): ImportJob {
    return toJob(this.row(id));
  }

  /** Queue paths for import. Every path is checked first, so a typo fails before anything starts. */
  start(paths: string[], opts: { force: boolean; format: FormatChoice }): StartImportResult {
    const checked = paths.map((p) => {
      let st;
      try {
        st = statSync(p);
      } catch (err) {
        throw ioError(err, `${p}`);
      }
      if (!st.isFile() && !st.isDirectory()) throw new EngineError('invalid_input', `${p} is neither a file nor a folder.`);
      let fp: string;
      try {
        fp = fingerprint(p);
      } catch (err) {
        throw ioError(err, `${p}`);
      }
      return { path: p, size: inputSize(p), fp };
    });
    const jobs: ImportJob[] = [];
    const duplicates: DuplicateImport[] = [];
    const resumed: number[] = [];
    for (const c of checked) {
      const earlier = opts.force ? undefined : (this.byFingerprint.get(c.fp) as ImportRow | undefined);
      if (earlier?.status === 'done') {
        duplicates.push({ path: c.path, of: toJob(earlier) });
        continue;
      }
      if (earlier) {
        // Interrupted by a crash, cancelled or failed part-way: what it stored stays, and it goes
        // on from its last checkpoint, so no line is stored twice.
        jobs.push(this.continueImport(earlier));
        resumed.push(earlier.id);
        continue;
      }
      const row = this.insertImport.get(c.path, basename(c.path), c.size, Date.now(), c.fp) as ImportRow;
      jobs.push(toJob(row));
      this.enqueue(row.id, opts.format);
    }
    return { jobs, duplicates, resumed };
  }

  resume(id: number): ImportJob {
    const row = this.row(id);
    if (row.status === 'done') throw new EngineError('conflict', `Import #${id} is done; there is nothing to resume.`);
    if (row.name === LIVE_IMPORT_NAME) throw new EngineError('conflict', `Import #${id} is a live collection; start the collector again instead.`);
    return this.continueImport(row);
  }

  cancel(id: number): ImportJob {
    const row = this.row(id);
    if (this.work.abort(id)) return this.get(id);
    if (this.waiting.delete(id) || row.status === 'interrupted') finishImport(this.deps, id, 'cancelled', null);
    else throw new EngineError('conflict', `Import #${id} is ${row.status}; there is nothing to cancel.`);
    return this.get(id);
  }

  /** The case is closing: an import that runs is stopped at a batch's end and left to resume. */
  close(): void {
    this.closing = true;
    this.waiting.clear();
  }

  /** An unfinished import of the same content, queued to continue (if it is not already). */
  private continueImport(row: ImportRow): ImportJob {
    if (this.waiting.has(row.id) || this.work.running === row.id) return toJob(row);
    if (row.status !== 'interrupted') this.store.db.prepare(`UPDATE imports SET status = 'interrupted', finished_at = NULL, error = NULL WHERE id = ?`).run(row.id);
    this.enqueue(row.id, 'auto');
    return this.get(row.id);
  }

  private row(id: number): ImportRow {
    const row = this.deps.stmt.getImport.get(id) as ImportRow | undefined;
    if (!row) throw new EngineError('not_found', `No import #${id} in this case.`);
    return row;
  }

  private enqueue(id: number, format: FormatChoice): void {
    this.waiting.set(id, format);
    this.work.schedule(async (signal) => {
      // Cancelled while it waited.
      if (!this.waiting.delete(id)) return;
      let status: ImportStatus;
      try {
        status = await new ImportRun(this.deps, this.row(id), format).run(signal);
      } catch (err) {
        // One import that cannot even start (its row gone, the case damaged) must not stop the rest,
        // nor be left `running` while nothing runs it.
        console.error('[vigil] import:', err);
        try {
          finishImport(this.deps, id, 'failed', (err as Error)?.message ?? String(err));
        } catch {
          // Its row is gone: nothing to end.
        }
        return;
      }
      await this.bus.emitAsync('importEnded', { importId: id, status, signal });
    }, id);
  }
}
