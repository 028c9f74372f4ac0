/**
 * Runs file imports one at a time: streams lines into the case in batched transactions, keeps a
 * resume point per import, reports progress as events, and can be cancelled.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { ImportJob, ImportProgress, ImportStatus } from '../../../src-shared/dto';
import { EngineError, ioError } from '../errors';
import type { CaseDb } from '../store/case-db';
import { readLineBatches } from './line-reader';

const BATCH_LINES = 5000;
const PROGRESS_INTERVAL_MS = 150;

export interface ImporterEvents {
  progressed(progress: ImportProgress): void;
  finished(job: ImportJob): void;
}

interface ImportRow {
  id: number;
  path: string;
  name: string;
  status: ImportStatus;
  bytes_total: number;
  bytes_read: number;
  lines: number;
  started_at: number;
  finished_at: number | null;
  error: string | null;
}

export function toJob(r: ImportRow): ImportJob {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    status: r.status,
    bytesTotal: r.bytes_total,
    bytesRead: r.bytes_read,
    lines: r.lines,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

export class Importer {
  private readonly queue: number[] = [];
  private running: { id: number; abort: AbortController } | null = null;
  private pump: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly stmt: {
    insertImport: Statement;
    getImport: Statement;
    insertEvent: Statement;
    indexFrom: Statement;
    checkpoint: Statement;
    finish: Statement;
  };

  constructor(
    private readonly store: CaseDb,
    private readonly events: ImporterEvents,
  ) {
    const db = store.db;
    // An import that was running when the process died is left as it was; say so honestly.
    db.prepare(`UPDATE imports SET status = 'interrupted' WHERE status = 'running'`).run();
    this.stmt = {
      insertImport: db.prepare(
        `INSERT INTO imports (path, name, status, bytes_total, started_at) VALUES (?, ?, 'running', ?, ?) RETURNING *`,
      ),
      getImport: db.prepare('SELECT * FROM imports WHERE id = ?'),
      insertEvent: db.prepare('INSERT INTO events (import_id, line_no, ts, raw) VALUES (?, ?, NULL, ?)'),
      indexFrom: db.prepare('INSERT INTO events_fts (rowid, raw) SELECT id, raw FROM events WHERE id > ?'),
      checkpoint: db.prepare('UPDATE imports SET bytes_read = ?, lines = ? WHERE id = ?'),
      finish: db.prepare('UPDATE imports SET status = ?, finished_at = ?, error = ? WHERE id = ? RETURNING *'),
    };
  }

  list(): ImportJob[] {
    return (this.store.db.prepare('SELECT * FROM imports ORDER BY id DESC').all() as ImportRow[]).map(toJob);
  }

  get(id: number): ImportJob {
    const row = this.stmt.getImport.get(id) as ImportRow | undefined;
    if (!row) throw new EngineError('not_found', `No import #${id} in this case.`);
    return toJob(row);
  }

  /** Queue files for import. Every path is checked first, so a typo fails before anything starts. */
  start(paths: string[]): ImportJob[] {
    const sizes = paths.map((p) => {
      let st;
      try {
        st = statSync(p);
      } catch (err) {
        throw ioError(err, `The file ${p}`);
      }
      if (!st.isFile()) throw new EngineError('invalid_input', `${p} is not a regular file.`);
      return st.size;
    });
    const jobs = paths.map((p, i) => toJob(this.stmt.insertImport.get(p, basename(p), sizes[i], Date.now()) as ImportRow));
    this.queue.push(...jobs.map((j) => j.id));
    this.pump = this.pump.then(() => this.drain());
    return jobs;
  }

  cancel(id: number): ImportJob {
    const job = this.get(id);
    if (this.running?.id === id) {
      this.running.abort.abort();
    } else if (this.queue.includes(id)) {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finishJob(id, 'cancelled', null);
    } else if (job.status === 'running') {
      throw new EngineError('conflict', `Import #${id} is not running in this session.`);
    }
    return this.get(id);
  }

  /** Stop work and wait for the current batch to commit, so the case closes consistent. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.running?.abort.abort();
    await this.pump;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const id = this.queue.shift()!;
      await this.run(this.get(id));
    }
  }

  private async run(job: ImportJob): Promise<void> {
    const abort = new AbortController();
    this.running = { id: job.id, abort };
    const db = this.store.db;
    let lines = job.lines;
    let bytesRead = job.bytesRead;
    const rate = new RateMeter();
    let lastProgress = 0;
    const insertBatch = db.transaction((batch: string[], firstLineNo: number, endOffset: number) => {
      const before = (db.prepare('SELECT coalesce(max(id), 0) AS n FROM events').get() as { n: number }).n;
      for (let i = 0; i < batch.length; i++) this.stmt.insertEvent.run(job.id, firstLineNo + i, batch[i]);
      this.stmt.indexFrom.run(before);
      this.stmt.checkpoint.run(endOffset, firstLineNo + batch.length - 1, job.id);
    });
    try {
      let pending: string[] = [];
      for await (const batch of readLineBatches(job.path, bytesRead, abort.signal)) {
        pending.push(...batch.lines);
        if (pending.length >= BATCH_LINES) {
          insertBatch(pending, lines + 1, batch.endOffset);
          lines += pending.length;
          pending = [];
        }
        bytesRead = batch.endOffset;
        const now = Date.now();
        rate.add(now, lines, bytesRead);
        if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          this.events.progressed(progressOf(job, bytesRead, lines, rate));
        }
      }
      if (pending.length > 0) {
        insertBatch(pending, lines + 1, bytesRead);
        lines += pending.length;
      }
      this.stmt.checkpoint.run(bytesRead, lines, job.id);
      this.events.progressed(progressOf(job, bytesRead, lines, rate));
      this.finishJob(job.id, 'done', null);
    } catch (err) {
      if (abort.signal.aborted) {
        this.finishJob(job.id, this.closed ? 'interrupted' : 'cancelled', null);
      } else {
        const message = err instanceof EngineError ? err.message : ioError(err, `Reading ${job.path}:`).message;
        this.finishJob(job.id, 'failed', message);
      }
    } finally {
      this.running = null;
    }
  }

  private finishJob(id: number, status: ImportStatus, error: string | null): void {
    const row = this.stmt.finish.get(status, Date.now(), error, id) as ImportRow;
    this.events.finished(toJob(row));
  }
}

function progressOf(job: ImportJob, bytesRead: number, lines: number, rate: RateMeter): ImportProgress {
  const bytesPerSec = rate.perSec('bytes');
  const left = Math.max(0, job.bytesTotal - bytesRead);
  return {
    importId: job.id,
    path: job.path,
    bytesRead,
    bytesTotal: job.bytesTotal,
    lines,
    linesPerSec: Math.round(rate.perSec('lines')),
    etaMs: bytesPerSec > 0 ? Math.round((left / bytesPerSec) * 1000) : null,
  };
}

/** Rates over a sliding window of a few seconds, so the figures follow the import's current pace. */
class RateMeter {
  private readonly samples: { t: number; lines: number; bytes: number }[] = [];

  add(t: number, lines: number, bytes: number): void {
    this.samples.push({ t, lines, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 3000) this.samples.shift();
  }

  perSec(what: 'lines' | 'bytes'): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t === first.t) return 0;
    return ((last[what] - first[what]) * 1000) / (last.t - first.t);
  }
}
