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
import { CaseClosing, EngineError, ioError } from '../errors';
import { sniffFormat, type LogFormat } from '../parse/sniff';
import type { DrainState } from '../parse/drain';
import type { AssumedYears } from '../parse/parsers/context';
import { LineSplitter } from '../parse/lines';
import type { FormatChoice, SourceNormalizer, SourceOptions } from '../pipeline/normalize';
import type { CaseModels } from '../pipeline/case-models';
import { caseFileError, type CaseDb } from '../store/case-db';
import { EventWriter, LINKED, type NormalizedBatch } from '../store/event-writer';
import { Postings } from '../store/postings';
import { rowToEvent, type StoredRow } from '../store/event-rows';
import { extractEntities } from '../parse/entities';
import { fingerprint } from './fingerprint';
import { inputSize, lastLineOf, walkMembers, type MemberSkip } from './members';
import { interactive } from '../activity';
import { NormalizerThread } from './normalizer-thread';
import type { FollowedPass } from '../pipeline/detection';
import { JsonColumns, packedToEvents } from '../store/event-rows';

/**
 * Lines per transaction: small while the workbench is asking for things (a query waits at most
 * one batch), large when nobody is (fewer commits and index flushes: about a third faster).
 */
const BATCH_LINES_INTERACTIVE = 2000;
const BATCH_LINES_BULK = 10_000;
/** Lines between checkpoints: the most work a crash can cost. */
const CHECKPOINT_LINES = 64_000;
const PROGRESS_INTERVAL_MS = 150;
/** Batches sent to the normalizing thread and not yet stored: it parses ahead while this thread stores. */
const MAX_INFLIGHT = 2;
/**
 * Inputs smaller than this are normalized in the engine thread: starting a thread costs more than
 * it saves on a few thousand lines.
 */
const OFF_THREAD_MIN_BYTES = 4 * 1024 * 1024;

export interface ImporterOptions {
  /** Inputs of at least this many bytes are normalized on a thread of their own (0: always). */
  offThreadMinBytes: number;
  /** Lines per batch when nobody is waiting (tests make it small to see many batches). */
  batchLines?: number;
  /** Lines between checkpoints. */
  checkpointLines?: number;
}

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

/** A member's source row and how its lines are normalized. */
interface OpenedSource {
  options: SourceOptions;
  sourceId: number;
  /** Made when lines are first normalized in this thread. */
  normalizer: SourceNormalizer | null;
  /** Lines no parser fit that the source row counted before this run (a resumed member). */
  unparsedBase: number;
}

/** A batch sent to the normalizing thread, with what storing it needs. */
interface Inflight {
  lines: string[];
  /** The member's name: the events' source. */
  sourceName: string;
  batch: Promise<NormalizedBatch>;
  /** The miner's state after this batch, when the batch ends at a checkpoint. */
  state: Promise<DrainState> | null;
  sourceId: number;
  firstLineNo: number;
  memberIndex: number;
  memberLinesAfter: number;
  member: { unparsed: number };
}

interface QueuedImport {
  id: number;
  format: FormatChoice;
  /** Offer the detection pass to follow the import (Detection.follow). */
  follow?: boolean;
}

export class Importer {
  private readonly queue: QueuedImport[] = [];
  /** How the last import's followed detection pass ended (see run()). */
  private followed: { finish: (() => void) | null; consumed: boolean } | null = null;
  private running: { id: number; abort: AbortController } | null = null;
  private pump: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly writer: EventWriter;
  private readonly stmt: Record<'insertImport' | 'getImport' | 'progress' | 'checkpoint' | 'finish' | 'byFingerprint' | 'source' | 'sourceCount' | 'sourceUnparsed', Statement>;

  constructor(
    private readonly store: CaseDb,
    private readonly models: CaseModels,
    private readonly events: ImporterEvents,
    /**
     * Runs after each import whose events need a detection pass, before the next one starts: over
     * the import's events, or over the whole case when a pass that followed the import fell through.
     */
    private readonly afterImport: (importId: number, signal: AbortSignal, scope: 'import' | 'all') => Promise<void> = async () => {},
    private readonly options: ImporterOptions = { offThreadMinBytes: OFF_THREAD_MIN_BYTES },
    /** Offers a detection pass that runs while the import is stored (Detection.follow). */
    private readonly detector: { follow(importId: number): FollowedPass | null } | null = null,
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
      // The newest import of the same content, however it ended: done is a duplicate, anything
      // else is continued rather than imported a second time.
      byFingerprint: db.prepare(`SELECT * FROM imports WHERE fingerprint = ? AND name <> '${LIVE_IMPORT_NAME}' ORDER BY (status = 'done') DESC, id DESC LIMIT 1`),
      source: db
        .prepare(
          `INSERT INTO sources (import_id, member_index, name, format) VALUES (?, ?, ?, ?)
           ON CONFLICT(import_id, member_index) DO UPDATE SET format = excluded.format RETURNING id`,
        )
        .pluck(),
      // Years widen over the member's batches (and across a resume, which starts a new parser).
      sourceCount: db.prepare(
        `UPDATE sources SET lines = @lines, unparsed = @unparsed, year_first = coalesce(min(year_first, @first), year_first, @first),
           year_last = coalesce(max(year_last, @last), year_last, @last), year_future_kept = max(year_future_kept, @kept) WHERE id = @id`,
      ),
      sourceUnparsed: db.prepare('SELECT unparsed FROM sources WHERE id = ?').pluck(),
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
  start(paths: string[], opts: { force: boolean; format: FormatChoice; follow?: boolean }): StartImportResult {
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
      const earlier = opts.force ? undefined : (this.stmt.byFingerprint.get(c.fp) as ImportRow | undefined);
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
      const row = this.stmt.insertImport.get(c.path, basename(c.path), c.size, Date.now(), c.fp) as ImportRow;
      jobs.push(toJob(row));
      this.enqueue({ id: row.id, format: opts.format, follow: opts.follow ?? false });
    }
    return { jobs, duplicates, resumed };
  }

  /** An unfinished import of the same content, queued to continue (if it is not already). */
  private continueImport(row: ImportRow): ImportJob {
    if (this.queue.some((q) => q.id === row.id) || this.running?.id === row.id) return toJob(row);
    if (row.status !== 'interrupted') this.store.db.prepare(`UPDATE imports SET status = 'interrupted', finished_at = NULL, error = NULL WHERE id = ?`).run(row.id);
    this.enqueue({ id: row.id, format: 'auto' });
    return this.get(row.id);
  }

  /**
   * Resolves once no import or detection pass is running or queued, including work queued while
   * waiting (an import's pass, a whole-case pass after it). Also when the case closes.
   */
  async whenIdle(): Promise<void> {
    for (;;) {
      const pump = this.pump;
      await pump;
      if (pump === this.pump) return;
    }
  }

  resume(id: number): ImportJob {
    const row = this.row(id);
    if (row.status === 'done') throw new EngineError('conflict', `Import #${id} is done; there is nothing to resume.`);
    if (row.name === LIVE_IMPORT_NAME) throw new EngineError('conflict', `Import #${id} is a live collection; start the collector again instead.`);
    return this.continueImport(row);
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
    this.running?.abort.abort(new CaseClosing());
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
        status = await this.run(this.row(q.id), q.format, q.follow ?? false);
      } catch (err) {
        // One import that cannot even start (its row gone, the case damaged) must not stop the rest.
        reportPumpError(err);
        continue;
      }
      const followed = this.followed;
      this.followed = null;
      if (this.closed) continue;
      // A pass that followed the import to its end only has to finish; one that fell through, or
      // saw part of an import that then stopped, leaves the stages needing a pass over everything.
      let scope: 'import' | 'all' | null = status === 'done' ? 'import' : null;
      if (followed?.finish) {
        try {
          followed.finish();
          scope = null;
        } catch (err) {
          reportPumpError(err);
          scope = 'all';
        }
      } else if (followed?.consumed) scope = 'all';
      if (scope) {
        const abort = new AbortController();
        this.running = { id: q.id, abort };
        try {
          await this.afterImport(q.id, abort.signal, scope);
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

  private async run(start: ImportRow, format: FormatChoice, follow: boolean): Promise<ImportStatus> {
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
    const batchLarge = this.options.batchLines ?? BATCH_LINES_BULK;
    const batchSmall = Math.min(BATCH_LINES_INTERACTIVE, batchLarge);
    const checkpointLines = this.options.checkpointLines ?? CHECKPOINT_LINES;

    const emitProgress = (force = false) => {
      const now = Date.now();
      if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      rate.add(now, lines, bytesRead);
      this.events.progressed(progressOf(job, bytesRead, lines, rate));
    };

    const commitBatch = db.transaction(
      (s: OpenedSource, normalizer: SourceNormalizer, batch: string[], firstLineNo: number, memberIndex: number, memberLinesAfter: number, checkpoint: boolean) => {
        const sourceId = s.sourceId;
        // Entities and templates are noted and stored at the next checkpoint, as on the thread.
        this.writer.beginRows();
        for (let i = 0; i < batch.length; i++) {
          const n = normalizer.line(batch[i]!);
          this.writer.add(start.id, sourceId, firstLineNo + i, n.event, n.entities);
        }
        this.writer.indexRows();
        this.countSource(sourceId, memberLinesAfter, s.unparsedBase + normalizer.unparsed, normalizer.assumedYears());
        this.stmt.progress.run(bytesRead, lines + batch.length, members, unparsed + normalizer.unparsed, JSON.stringify(notes), start.id);
        if (checkpoint) this.saveCheckpoint(start.id, memberIndex, memberLinesAfter);
      },
    );

    // Lines are normalized on a thread of their own when this build has one and the template
    // miner is free to lend: then parsing a batch overlaps storing the one before.
    let thread: NormalizerThread | null = null;
    let handBack = false;
    // And, for the first import into a case, the detection pass follows it as it is stored.
    let followed: FollowedPass | null = null;
    const following = { finish: null as (() => void) | null, consumed: false };
    this.followed = following;
    if (!this.models.lent && job.bytesTotal >= this.options.offThreadMinBytes) {
      const lent = this.models.lend(() => (handBack = true));
      followed = resuming || !follow ? null : (this.detector?.follow(start.id) ?? null);
      thread = NormalizerThread.start({ drain: lent, ...(followed ? { detect: followed.side } : {}) });
      if (!thread) this.models.giveBack(lent);
      if (!thread && followed) {
        followed.abandon('no normalizing thread in this build');
        followed = null;
      }
    }
    /** The followed pass cannot stand: the stages will need a pass over the whole case. */
    const unfollow = (reason: string) => {
      if (!followed) return;
      followed.abandon(reason, this.closed && following.consumed);
      followed = null;
      thread?.unfollow();
    };
    const json = new JsonColumns();
    let lastTs = -Infinity;
    const inflight: Inflight[] = [];
    /**
     * Store a batch from the thread; returns its rows' ids. Its entities and templates are kept
     * until the next checkpoint and stored with it (fewer, larger writes): noted here for a
     * checkpoint batch, by the caller once the transaction holds for the others.
     */
    const commitNormalized = db.transaction((f: Inflight, batch: NormalizedBatch, state: DrainState | null): Float64Array => {
      this.writer.beginRows();
      const ids = this.writer.insertBatch(start.id, f.sourceId, f.firstLineNo, f.lines, batch);
      this.writer.indexRows();
      this.countSource(f.sourceId, f.memberLinesAfter, f.member.unparsed + batch.unparsed, batch.years);
      this.stmt.progress.run(bytesRead, lines + batch.rows.n, members, unparsed + batch.unparsed, JSON.stringify(notes), start.id);
      if (followed) {
        // The followed pass sees rows in the order they are stored, which is event-time order
        // only if the import is: the first row out of order ends it.
        const events = packedToEvents(batch.rows, f.lines, ids, f.sourceId, f.sourceName, json);
        let ordered = true;
        for (const ev of events) {
          if (ev.ts === null || ev.ts < lastTs) {
            ordered = false;
            break;
          }
          lastTs = ev.ts;
        }
        if (!ordered) unfollow('a line earlier than the one before it (the lines are not in time order)');
        else {
          following.consumed = true;
          try {
            followed.consume(events);
          } catch (err) {
            // A detector's failure must not fail the import: the pass over the whole case redoes it.
            unfollow(detectionFailed(err));
          }
        }
      }
      if (state) {
        this.writer.noteBatch(batch, ids);
        this.saveCheckpoint(start.id, f.memberIndex, f.memberLinesAfter, state);
      }
      return ids;
    });
    /** Store the oldest batch sent to the thread, once it is back. */
    const writeOldest = async () => {
      const f = inflight.shift()!;
      const batch = await f.batch;
      const state = f.state ? await f.state : null;
      let ids: Float64Array;
      // Rows name this import and a source row made for them: checking both parents for every row
      // was a tenth of the storing time. The pragma cannot change inside a transaction, and
      // nothing else runs on this connection until it is back on.
      db.pragma('foreign_keys = OFF');
      try {
        ids = commitNormalized(f, batch, state);
      } catch (err) {
        // Noted entities may include this batch's: drop them rather than link rows that are not there.
        this.writer.discard();
        throw err;
      } finally {
        db.pragma('foreign_keys = ON');
      }
      if (!state) this.writer.noteBatch(batch, ids);
      if (followed) thread!.stored(ids);
      lines += batch.rows.n;
      unparsed += batch.unparsed;
      f.member.unparsed += batch.unparsed;
    };
    const writeAll = async () => {
      while (inflight.length > 0) await writeOldest();
    };
    /** The live collector wants the miner: store what is in flight and go on in this thread. */
    const giveBackIfAsked = async () => {
      if (!handBack || !thread) return;
      await writeAll();
      unfollow('a live collection started');
      const state = await thread.state();
      thread.stop();
      thread = null;
      this.models.giveBack(state);
    };
    /**
     * End the thread and take the miner back as the thread left it, or, if the thread cannot say,
     * as the last checkpoint saved it. Before the import is reported finished: the next one
     * (or the live collector) mines with it.
     */
    const release = async () => {
      unfollow('the import stopped before its end');
      if (!thread) return;
      const t: NormalizerThread = thread;
      thread = null;
      let state: DrainState | null = null;
      try {
        state = await t.state();
      } catch {
        state = null;
      }
      t.stop();
      this.models.giveBack(state);
    };
    /** The miner's state now, for a checkpoint taken outside a batch. */
    const checkpointState = async (): Promise<DrainState | undefined> => (thread ? thread.state() : undefined);

    /** Set while a member is being read: lets a shutdown commit what was read and checkpoint there. */
    let stopHere: (() => Promise<void>) | null = null;
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
        let source: OpenedSource | null = null;
        let head: string[] = [];
        let pending: string[] = [];
        let memberLines = 0;
        /** Lines of this member no parser fit, stored through the thread (a resumed member's from before included). */
        const memberCounts = { unparsed: 0 };
        const open = (): void => {
          // Yearless lines are dated no later than the member's own time, and fitted to its last line.
          const lastLine = member.file ? lastLineOf(member.file) : null;
          const opened = this.openSource(start.id, member.index, member.name, format, head, member.mtime ?? mtime, lastLine);
          // A resumed member's row already counts the lines stored before the checkpoint.
          if (resumeLines > 0) opened.unparsedBase = this.stmt.sourceUnparsed.get(opened.sourceId) as number;
          memberCounts.unparsed = opened.unparsedBase;
          if (thread) thread.source(member.index, opened.options);
          const buffered = head;
          head = [];
          source = opened;
          for (const h of buffered) take(h);
        };
        /** Store (in this thread) or send (to the normalizing one) the lines read since the last batch. */
        const flush = async (checkpoint: boolean) => {
          const s = source!;
          if (pending.length === 0 && !checkpoint) return;
          await giveBackIfAsked();
          const firstLineNo = memberLines - pending.length + 1;
          if (thread) {
            const f: Inflight = {
              lines: pending,
              sourceName: member.name,
              batch: thread.lines(member.index, pending),
              state: checkpoint ? thread.state() : null,
              sourceId: s.sourceId,
              firstLineNo,
              memberIndex: member.index,
              memberLinesAfter: memberLines,
              member: memberCounts,
            };
            // Awaited in order by writeOldest; a failure before then is not unhandled.
            f.batch.catch(() => undefined);
            f.state?.catch(() => undefined);
            inflight.push(f);
            pending = [];
            // A checkpoint is stored with its batch, in turn: the thread need not run dry for it.
            while (inflight.length > MAX_INFLIGHT) await writeOldest();
          } else {
            if (!s.normalizer) {
              s.normalizer = this.models.sourceNormalizer(s.options);
              // After a hand-over from the thread, what it counted stays counted.
              s.unparsedBase = memberCounts.unparsed;
            }
            const before = s.normalizer.unparsed;
            try {
              commitBatch(s, s.normalizer, pending, firstLineNo, member.index, memberLines, checkpoint);
            } catch (err) {
              this.writer.discard();
              throw err;
            }
            lines += pending.length;
            unparsed += s.normalizer.unparsed - before;
            pending = [];
          }
        };
        /** Take one line; true when a batch is full. */
        const take = (text: string): boolean => {
          if (!source) {
            head.push(text);
            if (head.length >= SNIFF_LINES) open();
            return false;
          }
          memberLines++;
          if (memberLines <= resumeLines) return false;
          pending.push(text);
          return pending.length >= batchSmall && (pending.length >= batchLarge || interactive());
        };
        const flushFull = async () => {
          linesSinceCheckpoint += pending.length;
          const checkpoint = linesSinceCheckpoint >= checkpointLines;
          if (checkpoint) linesSinceCheckpoint = 0;
          await flush(checkpoint);
          emitProgress();
          // One batch at a time, then let the workbench's queries in.
          await new Promise((r) => setImmediate(r));
          if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');
        };
        if (resumeLines === 0) members++;
        stopHere = async () => {
          if (source) await flush(true);
          await writeAll();
        };
        for await (const chunk of member.stream) {
          if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');
          for (const line of splitter.feed(chunk)) {
            if (take(line.text)) await flushFull();
          }
          emitProgress();
        }
        for (const line of splitter.end()) if (take(line.text)) await flushFull();
        if (!source && head.length > 0) open();
        if (source) await flush(false);
        await writeAll();
        thread?.close(member.index);
        // A member's end is a checkpoint: resume starts at the next member.
        stopHere = null;
        const state = await checkpointState();
        db.transaction(() => this.saveCheckpoint(start.id, member.index + 1, 0, state))();
        linesSinceCheckpoint = 0;
      }
      bytesRead = Math.max(bytesRead, job.bytesTotal);
      this.stmt.progress.run(bytesRead, lines, members, unparsed, JSON.stringify(notes), start.id);
      emitProgress(true);
      if (followed && thread) {
        // Sigma and the ensemble end in the thread; the pass itself ends after the import is
        // reported finished (drain()), as a pass after the import would.
        const pass: FollowedPass = followed;
        try {
          const side = await thread.detected();
          followed = null;
          following.finish = () => void pass.finish(side);
        } catch (err) {
          unfollow(detectionFailed(err));
        }
      }
      await release();
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
        if (stopHere !== null) await (stopHere as () => Promise<void>)();
        else {
          const state = await checkpointState();
          db.transaction(() => this.checkpointModels(state))();
        }
        this.stmt.progress.run(bytesRead, lines, members, unparsed, JSON.stringify(notes), start.id);
        await release();
        this.finishJob(start.id, this.closed ? 'interrupted' : 'cancelled', null);
        return this.closed ? 'interrupted' : 'cancelled';
      } else {
        const message = err instanceof EngineError ? err.message : (caseFileError(err, this.store.path)?.message ?? (err as Error)?.message ?? String(err));
        try {
          const state = await checkpointState();
          db.transaction(() => this.checkpointModels(state))();
        } catch {
          // Same: the last checkpoint saved stands, and a resume starts there.
        }
        await release();
        this.finishJob(start.id, 'failed', message);
        return 'failed';
      }
    } finally {
      this.running = null;
      await release();
    }
  }

  private openSource(importId: number, memberIndex: number, name: string, format: FormatChoice, head: string[], mtime: number, lastLine: string | null): OpenedSource {
    const options: SourceOptions = { name, format, head, referenceTime: mtime, ...(lastLine === null ? {} : { lastLine }) };
    // The same choice SourceNormalizer makes, here too so the source row has it at once.
    const found: LogFormat = format === 'auto' ? sniffFormat(head, name) : format;
    const sourceId = this.stmt.source.get(importId, memberIndex, name, found) as number;
    return { options, sourceId, normalizer: null, unparsedBase: 0 };
  }

  private countSource(id: number, lines: number, unparsed: number, years: AssumedYears | null): void {
    this.stmt.sourceCount.run({ id, lines, unparsed, first: years?.first ?? null, last: years?.last ?? null, kept: years?.futureKept ?? 0 });
  }

  private saveCheckpoint(importId: number, memberIndex: number, memberLines: number, drain?: DrainState): void {
    const lastId = this.store.db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get() as number;
    this.stmt.checkpoint.run(memberIndex, memberLines, lastId, importId);
    this.checkpointModels(drain);
  }

  /**
   * Save the models (the normalizing thread's miner when it has one, the case's own otherwise) and
   * the entities and templates noted since the last checkpoint.
   */
  private checkpointModels(drain: DrainState | undefined): void {
    this.writer.flushKeys((id) => this.models.templateInfo(id));
    if (drain) this.models.checkpointLent(drain);
    else if (!this.models.lent) this.models.checkpoint();
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
      // Entities and templates are stored at checkpoints, so the events after this one counted
      // nowhere. Cases written before that stored them with every batch: their template posting
      // lists reach past the checkpoint, and those counts are taken back.
      const removed = new Set(db.prepare('SELECT id FROM events WHERE import_id = ? AND id > ?').pluck().all(id, cp) as number[]);
      const uncountTemplate = db.prepare('UPDATE templates SET count = count - ? WHERE id = ?');
      const templatesLost = new Postings(db, 'template_events').remove(cp, removed);
      for (const [templateId, n] of templatesLost) uncountTemplate.run(n, templateId);
      const uncountLinked = db.prepare('UPDATE entities SET count = count - ? WHERE rowid = ?');
      for (const [rowid, n] of new Postings(db, 'entity_events').remove(cp, removed)) uncountLinked.run(n, rowid);
      if (templatesLost.size > 0) {
        // Hosts and processes are counted but not linked row by row: find them again from the
        // events being taken back, with the same extractor that counted them.
        const unlinked = new Map<string, number>();
        const after = db.prepare(`SELECT e.*, s.name AS source FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.import_id = ? AND e.id > ?`);
        for (const r of after.iterate(id, cp) as IterableIterator<StoredRow>) {
          for (const ent of extractEntities(rowToEvent(r))) if (!LINKED.has(ent.type)) unlinked.set(ent.id, (unlinked.get(ent.id) ?? 0) + 1);
        }
        const uncount = db.prepare('UPDATE entities SET count = count - ? WHERE id = ?');
        for (const [entityId, n] of unlinked) uncount.run(n, entityId);
      }
      db.prepare(`INSERT INTO events_fts (events_fts, rowid, raw) SELECT 'delete', id, raw FROM events WHERE import_id = ? AND id > ?`).run(id, cp);
      db.prepare('DELETE FROM events WHERE import_id = ? AND id > ?').run(id, cp);
      db.prepare('DELETE FROM templates WHERE count <= 0').run();
      db.prepare('DELETE FROM entities WHERE count <= 0').run();
      db.prepare('DELETE FROM sources WHERE import_id = ? AND member_index > ?').run(id, row.member_index);
      db.prepare(
        `UPDATE sources SET lines = ?, unparsed = (SELECT count(*) FROM events e WHERE e.source_id = sources.id AND e.parser = 'raw')
         WHERE import_id = ? AND member_index = ?`,
      ).run(row.member_lines, id, row.member_index);
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

/** Why a pass that followed an import was given up when a detector failed. */
function detectionFailed(err: unknown): string {
  return `a detector failed (${(err as Error)?.message ?? String(err)})`;
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
