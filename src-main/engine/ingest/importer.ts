/**
 * Runs imports one at a time: walks the members of each file, folder or archive, normalizes
 * their lines (parser, templates, entities) and stores them in batched transactions. Progress is
 * pushed as events; an import can be cancelled, and one interrupted by a crash resumes from its
 * last checkpoint when the case is opened again.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { DuplicateImport, ImportJob, ImportProgress, ImportStatus, SourceRow, StartImportResult } from '../../../src-shared/dto';
import { EngineError, ioError } from '../errors';
import type { LogFormat } from '../parse/sniff';
import { LineSplitter } from '../parse/lines';
import { SourceNormalizer, type FormatChoice } from '../pipeline/normalize';
import type { CaseModels } from '../pipeline/case-models';
import { caseFileError, type CaseDb } from '../store/case-db';
import { EventWriter, LINKED } from '../store/event-writer';
import { rowToEvent, type StoredRow } from '../store/event-rows';
import { extractEntities } from '../parse/entities';
import { fingerprint } from './fingerprint';
import { inputSize, walkMembers, type MemberSkip } from './members';
import { interactive } from '../activity';

/**
 * Lines per transaction: small while the workbench is asking for things (a query waits at most
 * one batch), large when nobody is (fewer commits and index flushes: about a third faster).
 */
const BATCH_LINES_INTERACTIVE = 2000;
const BATCH_LINES_BULK = 10_000;
/** Lines between checkpoints: the most work a crash can cost. */
const CHECKPOINT_LINES = 64_000;
const PROGRESS_INTERVAL_MS = 150;
/** The name of the `imports` row a live collection stores its events under. */
export const LIVE_IMPORT_NAME = 'Live collection';
const SNIFF_LINES = 50;

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
  members: number;
  unparsed: number;
  notes: string;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  fingerprint: string | null;
  member_index: number;
  member_lines: number;
  checkpoint_event_id: number;
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
    members: r.members,
    unparsed: r.unparsed,
    notes: JSON.parse(r.notes) as string[],
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

interface QueuedImport {
  id: number;
  format: FormatChoice;
}

export class Importer {
  private readonly queue: QueuedImport[] = [];
  private running: { id: number; abort: AbortController } | null = null;
  private pump: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly writer: EventWriter;
  private readonly stmt: Record<'insertImport' | 'getImport' | 'progress' | 'checkpoint' | 'finish' | 'byFingerprint' | 'source' | 'sourceCount', Statement>;

  constructor(
    private readonly store: CaseDb,
    private readonly models: CaseModels,
    private readonly events: ImporterEvents,
    /** Runs after each import that ends done, before the next one starts (the detection pass). */
    private readonly afterImport: (importId: number, signal: AbortSignal) => Promise<void> = async () => {},
  ) {
    const db = store.db;
    this.writer = new EventWriter(db);
    this.stmt = {
      insertImport: db.prepare(
        `INSERT INTO imports (path, name, status, bytes_total, started_at, fingerprint) VALUES (?, ?, 'running', ?, ?, ?) RETURNING *`,
      ),
      getImport: db.prepare('SELECT * FROM imports WHERE id = ?'),
      progress: db.prepare('UPDATE imports SET bytes_read = ?, lines = ?, members = ?, unparsed = ?, notes = ? WHERE id = ?'),
      checkpoint: db.prepare('UPDATE imports SET member_index = ?, member_lines = ?, checkpoint_event_id = ? WHERE id = ?'),
      finish: db.prepare('UPDATE imports SET status = ?, finished_at = ?, error = ? WHERE id = ? RETURNING *'),
      byFingerprint: db.prepare(`SELECT * FROM imports WHERE fingerprint = ? AND status = 'done' ORDER BY id LIMIT 1`),
      source: db
        .prepare(
          `INSERT INTO sources (import_id, member_index, name, format) VALUES (?, ?, ?, ?)
           ON CONFLICT(import_id, member_index) DO UPDATE SET format = excluded.format RETURNING id`,
        )
        .pluck(),
      sourceCount: db.prepare('UPDATE sources SET lines = ?, unparsed = ? WHERE id = ?'),
    };
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
    for (const id of interrupted) this.enqueue({ id, format: 'auto' });
  }

  list(): ImportJob[] {
    return (this.store.db.prepare('SELECT * FROM imports ORDER BY id DESC').all() as ImportRow[]).map(toJob);
  }

  sources(): SourceRow[] {
    return this.store.db
      .prepare('SELECT id, import_id AS importId, name, format, lines, unparsed FROM sources ORDER BY id')
      .all() as SourceRow[];
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
    for (const c of checked) {
      const earlier = opts.force ? undefined : (this.stmt.byFingerprint.get(c.fp) as ImportRow | undefined);
      if (earlier) {
        duplicates.push({ path: c.path, of: toJob(earlier) });
        continue;
      }
      const row = this.stmt.insertImport.get(c.path, basename(c.path), c.size, Date.now(), c.fp) as ImportRow;
      jobs.push(toJob(row));
      this.enqueue({ id: row.id, format: opts.format });
    }
    return { jobs, duplicates };
  }

  resume(id: number): ImportJob {
    const row = this.row(id);
    if (row.status !== 'interrupted') throw new EngineError('conflict', `Import #${id} is ${row.status}; only an interrupted import can resume.`);
    if (this.queue.some((q) => q.id === id) || this.running?.id === id) return toJob(row);
    this.enqueue({ id, format: 'auto' });
    return toJob(row);
  }

  cancel(id: number): ImportJob {
    const row = this.row(id);
    if (this.running?.id === id) {
      this.running.abort.abort();
    } else {
      const at = this.queue.findIndex((q) => q.id === id);
      if (at >= 0) {
        this.queue.splice(at, 1);
        this.finishJob(id, 'cancelled', null);
      } else if (row.status !== 'interrupted') {
        throw new EngineError('conflict', `Import #${id} is ${row.status}; there is nothing to cancel.`);
      } else {
        this.finishJob(id, 'cancelled', null);
      }
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

  private row(id: number): ImportRow {
    const row = this.stmt.getImport.get(id) as ImportRow | undefined;
    if (!row) throw new EngineError('not_found', `No import #${id} in this case.`);
    return row;
  }

  private enqueue(q: QueuedImport): void {
    this.queue.push(q);
    this.pump = this.pump.then(() => this.drain()).catch(reportPumpError);
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const q = this.queue.shift()!;
      let status: ImportStatus;
      try {
        status = await this.run(this.row(q.id), q.format);
      } catch (err) {
        // One import that cannot even start (its row gone, the case damaged) must not stop the rest.
        reportPumpError(err);
        continue;
      }
      if (status === 'done' && !this.closed) {
        const abort = new AbortController();
        this.running = { id: q.id, abort };
        try {
          await this.afterImport(q.id, abort.signal);
        } catch (err) {
          reportPumpError(err);
        } finally {
          this.running = null;
        }
      }
    }
  }

  /** Queue work that must not overlap an import (a full detection pass). */
  schedule(work: (signal: AbortSignal) => Promise<void>): void {
    this.pump = this.pump.then(async () => {
      if (this.closed) return;
      const abort = new AbortController();
      this.running = { id: -1, abort };
      try {
        await work(abort.signal);
      } finally {
        this.running = null;
      }
    }).catch(reportPumpError);
  }

  private async run(start: ImportRow, format: FormatChoice): Promise<ImportStatus> {
    const abort = new AbortController();
    this.running = { id: start.id, abort };
    const db = this.store.db;
    this.store.checkpointInBackground();
    const job = toJob(start);
    const resuming = start.status === 'interrupted';
    if (resuming) this.rollBackTo(start);
    db.prepare(`UPDATE imports SET status = 'running', error = NULL WHERE id = ?`).run(start.id);

    const row = this.row(start.id);
    const notes: string[] = JSON.parse(row.notes) as string[];
    // A resumed member is read again from its start, so its bytes count again.
    let bytesRead = resuming ? 0 : row.bytes_read;
    let lines = row.lines;
    let members = row.members;
    let unparsed = row.unparsed;
    const rate = new RateMeter();
    let lastProgress = 0;
    let linesSinceCheckpoint = 0;
    const mtime = safeMtime(start.path);

    const emitProgress = (force = false) => {
      const now = Date.now();
      if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      rate.add(now, lines, bytesRead);
      this.events.progressed(progressOf(job, bytesRead, lines, rate));
    };

    const commitBatch = db.transaction(
      (normalizer: SourceNormalizer, sourceId: number, batch: string[], firstLineNo: number, memberIndex: number, memberLinesAfter: number, checkpoint: boolean) => {
        this.writer.begin();
        for (let i = 0; i < batch.length; i++) {
          const n = normalizer.line(batch[i]!);
          this.writer.add(start.id, sourceId, firstLineNo + i, n.event, n.entities);
        }
        this.writer.commit((id) => this.models.templateInfo(id));
        this.stmt.sourceCount.run(memberLinesAfter, normalizer.unparsed, sourceId);
        this.stmt.progress.run(bytesRead, lines + batch.length, members, unparsed + normalizer.unparsed, JSON.stringify(notes), start.id);
        if (checkpoint) this.saveCheckpoint(start.id, memberIndex, memberLinesAfter);
      },
    );

    /** Set while a member is being read: lets a shutdown commit what was read and checkpoint there. */
    let stopHere: (() => void) | null = null;
    try {
      const walk = walkMembers(start.path, {
        signal: abort.signal,
        fromIndex: row.member_index,
        onInputBytes: (n) => {
          bytesRead += n;
        },
        onSkip: (s: MemberSkip) => notes.push(`${s.name}: ${s.reason}`),
      });
      for await (const member of walk) {
        const resumeLines = member.index === row.member_index ? row.member_lines : 0;
        const splitter = new LineSplitter();
        let normalizer: SourceNormalizer | null = null;
        let sourceId = 0;
        let head: string[] = [];
        let pending: string[] = [];
        let memberLines = 0;
        const flush = (checkpoint: boolean) => {
          if (pending.length === 0 && !checkpoint) return;
          const before = normalizer!.unparsed;
          commitBatch(normalizer!, sourceId, pending, memberLines - pending.length + 1, member.index, memberLines, checkpoint);
          lines += pending.length;
          unparsed += normalizer!.unparsed - before;
          pending = [];
        };
        const take = (text: string) => {
          if (!normalizer) {
            head.push(text);
            if (head.length < SNIFF_LINES) return;
            ({ normalizer, sourceId } = this.openSource(start.id, member.index, member.name, format, head, mtime));
            const buffered = head;
            head = [];
            for (const h of buffered) take(h);
            return;
          }
          memberLines++;
          if (memberLines <= resumeLines) return;
          pending.push(text);
          if (pending.length >= BATCH_LINES_INTERACTIVE && (pending.length >= BATCH_LINES_BULK || interactive())) {
            linesSinceCheckpoint += pending.length;
            const checkpoint = linesSinceCheckpoint >= CHECKPOINT_LINES;
            if (checkpoint) linesSinceCheckpoint = 0;
            flush(checkpoint);
            emitProgress();
            flushedSinceYield = true;
          }
        };
        let flushedSinceYield = false;
        if (resumeLines === 0) members++;
        stopHere = () => {
          if (normalizer) flush(true);
        };
        for await (const chunk of member.stream) {
          if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');
          for (const line of splitter.feed(chunk)) {
            take(line.text);
            // One batch at a time, then let the workbench's queries in: a 1 MB chunk holds
            // several batches, and storing them back to back would keep queries waiting.
            if (flushedSinceYield) {
              flushedSinceYield = false;
              await new Promise((r) => setImmediate(r));
              if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');
            }
          }
          emitProgress();
        }
        for (const line of splitter.end()) take(line.text);
        if (!normalizer && head.length > 0) {
          ({ normalizer, sourceId } = this.openSource(start.id, member.index, member.name, format, head, mtime));
          const buffered = head;
          head = [];
          for (const h of buffered) take(h);
        }
        if (normalizer) flush(false);
        // A member's end is a checkpoint: resume starts at the next member.
        stopHere = null;
        db.transaction(() => this.saveCheckpoint(start.id, member.index + 1, 0))();
        linesSinceCheckpoint = 0;
      }
      bytesRead = Math.max(bytesRead, job.bytesTotal);
      this.stmt.progress.run(bytesRead, lines, members, unparsed, JSON.stringify(notes), start.id);
      emitProgress(true);
      this.finishJob(start.id, 'done', null);
      return 'done';
    } catch (err) {
      try {
        this.stmt.progress.run(bytesRead, lines, members, unparsed, JSON.stringify(notes), start.id);
      } catch {
        // The case cannot take even this (a full disk): what was committed stands.
      }
      if (abort.signal.aborted) {
        // Keep every line read so far and make it the resume point.
        if (stopHere !== null) (stopHere as () => void)();
        else db.transaction(() => this.models.checkpoint())();
        this.stmt.progress.run(bytesRead, lines, members, unparsed, JSON.stringify(notes), start.id);
        this.finishJob(start.id, this.closed ? 'interrupted' : 'cancelled', null);
        return this.closed ? 'interrupted' : 'cancelled';
      } else {
        const message = err instanceof EngineError ? err.message : (caseFileError(err, this.store.path)?.message ?? (err as Error)?.message ?? String(err));
        try {
          db.transaction(() => this.models.checkpoint())();
        } catch {
          // Same: the last checkpoint saved stands, and a resume starts there.
        }
        this.finishJob(start.id, 'failed', message);
        return 'failed';
      }
    } finally {
      this.running = null;
    }
  }

  private openSource(importId: number, memberIndex: number, name: string, format: FormatChoice, head: string[], mtime: number) {
    const normalizer = this.models.sourceNormalizer({ name, format, head, referenceTime: mtime });
    const sourceId = this.stmt.source.get(importId, memberIndex, name, normalizer.format satisfies LogFormat) as number;
    return { normalizer, sourceId };
  }

  private saveCheckpoint(importId: number, memberIndex: number, memberLines: number): void {
    const lastId = this.store.db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get() as number;
    this.stmt.checkpoint.run(memberIndex, memberLines, lastId, importId);
    this.models.checkpoint();
  }

  /**
   * Undo what an interrupted import stored after its last checkpoint, so resuming replays those
   * lines exactly once. Models go back to the state saved with that checkpoint.
   */
  private rollBackTo(row: ImportRow): void {
    const db = this.store.db;
    db.transaction(() => {
      const cp = row.checkpoint_event_id;
      const id = row.id;
      // Hosts and processes are counted but not linked row by row: find them again from the
      // events being taken back, with the same extractor that counted them.
      const unlinked = new Map<string, number>();
      const after = db.prepare(`SELECT e.*, s.name AS source FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.import_id = ? AND e.id > ?`);
      for (const r of after.iterate(id, cp) as IterableIterator<StoredRow>) {
        for (const ent of extractEntities(rowToEvent(r))) if (!LINKED.has(ent.type)) unlinked.set(ent.id, (unlinked.get(ent.id) ?? 0) + 1);
      }
      const uncount = db.prepare('UPDATE entities SET count = count - ? WHERE id = ?');
      for (const [entityId, n] of unlinked) uncount.run(n, entityId);
      db.prepare(`
        UPDATE entities SET count = count - (SELECT count(*) FROM event_entities l JOIN events e ON e.id = l.event
          WHERE l.entity = entities.rowid AND e.import_id = ? AND e.id > ?)
        WHERE rowid IN (SELECT l.entity FROM event_entities l JOIN events e ON e.id = l.event WHERE e.import_id = ? AND e.id > ?)`).run(id, cp, id, cp);
      db.prepare(`DELETE FROM event_entities WHERE event IN (SELECT id FROM events WHERE import_id = ? AND id > ?)`).run(id, cp);
      db.prepare(`
        UPDATE templates SET count = count - (SELECT count(*) FROM events e WHERE e.template_id = templates.id AND e.import_id = ? AND e.id > ?)
        WHERE id IN (SELECT DISTINCT template_id FROM events WHERE import_id = ? AND id > ?)`).run(id, cp, id, cp);
      db.prepare(`INSERT INTO events_fts (events_fts, rowid, raw) SELECT 'delete', id, raw FROM events WHERE import_id = ? AND id > ?`).run(id, cp);
      db.prepare('DELETE FROM events WHERE import_id = ? AND id > ?').run(id, cp);
      db.prepare('DELETE FROM templates WHERE count <= 0').run();
      db.prepare('DELETE FROM entities WHERE count <= 0').run();
      db.prepare('DELETE FROM sources WHERE import_id = ? AND member_index > ?').run(id, row.member_index);
      db.prepare('UPDATE sources SET lines = ? WHERE import_id = ? AND member_index = ?').run(row.member_lines, id, row.member_index);
      const counted = db
        .prepare(`SELECT count(*) AS lines, coalesce(sum(parser = 'raw'), 0) AS unparsed FROM events WHERE import_id = ?`)
        .get(id) as { lines: number; unparsed: number };
      const members = db.prepare('SELECT count(*) FROM sources WHERE import_id = ?').pluck().get(id) as number;
      db.prepare('UPDATE imports SET lines = ?, unparsed = ?, members = ? WHERE id = ?').run(counted.lines, counted.unparsed, members, id);
      this.models.rollBack();
    })();
  }

  private finishJob(id: number, status: ImportStatus, error: string | null): void {
    let row: ImportRow;
    try {
      row = this.stmt.finish.get(status, Date.now(), error, id) as ImportRow;
    } catch (err) {
      // The case cannot record the end (a full disk): the workbench still learns of it.
      const why = caseFileError(err, this.store.path)?.message ?? (err as Error).message;
      row = { ...this.row(id), status, error: error ? `${error} (${why})` : why };
    }
    this.events.finished(toJob(row));
  }
}

/** Work chained on the import queue failed outside its own error handling: log it, keep the queue going. */
function reportPumpError(err: unknown): void {
  console.error('[vigil] import queue:', err);
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
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
