/**
 * One import, from its first member to its last: members in event-time order (time-order.ts),
 * each member's lines normalized (on a thread of their own for large inputs, so that parsing one
 * batch overlaps storing the one before) and stored in batched transactions, a checkpoint every
 * so many lines and at every member's end. Each stored batch is published (`batchStored`) inside
 * its transaction; what listens (detection) is none of this file's business.
 */
import { statSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import type { ImportProgress, ImportStatus } from '../../../src-shared/dto';
import { interactive } from '../activity';
import { EngineError } from '../errors';
import type { DrainState } from '../parse/drain';
import { LineSplitter } from '../parse/lines';
import type { AssumedYears } from '../parse/parsers/context';
import { createParseContext, createParser, sniffFormat, type LogFormat } from '../parse/sniff';
import { yearlessStamp } from '../parse/parsers/time';
import type { CaseModels } from '../pipeline/case-models';
import type { FormatChoice, SourceNormalizer, SourceOptions } from '../pipeline/normalize';
import type { CaseBus } from '../session/bus';
import { caseFileError, type CaseDb } from '../store/case-db';
import { EventWriter, type NormalizedBatch } from '../store/event-writer';
import { toJob, type ImporterEvents, type ImporterOptions, type ImportRow } from './import-row';
import { lastLineOf, type Member, type MemberSkip } from './members';
import { NormalizerThread } from './normalizer-thread';
import { RecentLines } from './recent-lines';
import { rollBackTo } from './rollback';
import { removeSpool, walkInTimeOrder } from './time-order';

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
const SNIFF_LINES = 50;

export type ImportStatements = Record<'getImport' | 'progress' | 'checkpoint' | 'finish' | 'source' | 'sourceCount' | 'sourceUnparsed', Statement>;

export function importStatements(db: Database): ImportStatements {
  return {
    getImport: db.prepare('SELECT * FROM imports WHERE id = ?'),
    progress: db.prepare('UPDATE imports SET bytes_read = ?, lines = ?, members = ?, unparsed = ?, notes = ? WHERE id = ?'),
    checkpoint: db.prepare('UPDATE imports SET member_index = ?, member_lines = ?, checkpoint_event_id = ? WHERE id = ?'),
    finish: db.prepare('UPDATE imports SET status = ?, finished_at = ?, error = ? WHERE id = ? RETURNING *'),
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
}

export interface ImportRunDeps {
  store: CaseDb;
  models: CaseModels;
  bus: CaseBus;
  writer: EventWriter;
  stmt: ImportStatements;
  events: ImporterEvents;
  options: ImporterOptions;
  /** True once the case is closing: a stop then leaves the import interrupted, to resume. */
  closing(): boolean;
}

/** A member's source row and how its lines are normalized. */
interface OpenedSource {
  options: SourceOptions;
  sourceId: number;
  name: string;
  /** Made when lines are first normalized on this thread. */
  normalizer: SourceNormalizer | null;
  /** Lines no parser fit that the source row counted before this run (a resumed member). */
  unparsedBase: number;
}

/** A batch sent to the normalizing thread, with what storing it needs. */
interface Inflight {
  lines: string[];
  /** `lines` joined with '\n', as the normalizing thread was sent them: the detection worker gets the same. */
  joined: string;
  source: OpenedSource;
  batch: Promise<NormalizedBatch>;
  /** The miner's state after this batch, when the batch ends at a checkpoint. */
  state: Promise<DrainState> | null;
  firstLineNo: number;
  memberLinesAfter: number;
  member: { unparsed: number };
  /** Where a resume would begin after this batch (used when it ends at a checkpoint). */
  resumeAt: ResumePoint;
}

/** A member and how many of its lines a resume skips. */
interface ResumePoint {
  member: number;
  lines: number;
}

export class ImportRun {
  private readonly db: Database;
  private bytesRead = 0;
  private lines = 0;
  private members = 0;
  private unparsed = 0;
  private notes: string[] = [];
  private lastProgress = 0;
  private linesSinceCheckpoint = 0;
  /** The member after the last one read to its end (where a stop between members resumes). */
  private endedAt: number | null = null;
  private readonly rate = new RateMeter();
  private thread: NormalizerThread | null = null;
  /** The live collector asked for the miner back. */
  private handBack = false;
  private readonly inflight: Inflight[] = [];
  private readonly mtime: number;
  private readonly spoolDir: string;

  constructor(
    private readonly d: ImportRunDeps,
    private readonly start: ImportRow,
    private readonly format: FormatChoice,
  ) {
    this.db = d.store.db;
    this.mtime = safeMtime(start.path);
    this.spoolDir = `${d.store.path}.spool/${start.id}`;
  }

  async run(signal: AbortSignal): Promise<ImportStatus> {
    const { db, start } = this;
    this.d.store.checkpointInBackground();
    const resuming = start.status === 'interrupted';
    if (resuming) rollBackTo(db, this.d.models, start);
    db.prepare(`UPDATE imports SET status = 'running', error = NULL WHERE id = ?`).run(start.id);
    const row = this.row();
    this.notes = JSON.parse(row.notes) as string[];
    // A resumed member is read again from its start, so its bytes count again.
    this.bytesRead = resuming ? 0 : row.bytes_read;
    this.lines = row.lines;
    this.members = row.members;
    this.unparsed = row.unparsed;
    this.startThread();
    /** Set while a member is being read: lets a stop commit what was read and checkpoint there. */
    const stopAt: { here: (() => Promise<void>) | null } = { here: null };
    try {
      const walk = walkInTimeOrder(start.path, {
        signal,
        fromIndex: row.member_index,
        spoolDir: this.spoolDir,
        onInputBytes: (n) => (this.bytesRead += n),
        onSkip: (s: MemberSkip) => this.note(`${s.name}: ${s.reason}`),
        span: (head, m) => this.span(head, m),
        onSurveyed: (members) => this.d.bus.emit('importSurveyed', { importId: start.id, members }),
      });
      for await (const member of walk) {
        await this.readMember(member, member.index === row.member_index ? row.member_lines : 0, signal, stopAt);
        stopAt.here = null;
      }
      await this.writeAll();
      // The end is a checkpoint: the entities and templates noted since the last, and the miner.
      const state = await this.threadState();
      this.checkpointBetweenMembers(state);
      this.bytesRead = Math.max(this.bytesRead, start.bytes_total);
      this.saveProgress();
      this.emitProgress(true);
      await this.release();
      return this.finishJob('done', null);
    } catch (err) {
      return await this.stopped(err, signal, stopAt.here);
    } finally {
      await this.release();
      removeSpool(this.spoolDir);
    }
  }

  /** How the import ends when something stopped it: the analyst, the case closing, or a failure. */
  private async stopped(err: unknown, signal: AbortSignal, stopHere: (() => Promise<void>) | null): Promise<ImportStatus> {
    try {
      this.saveProgress();
    } catch {
      // The case cannot take even this (a full disk): what was committed stands.
    }
    if (signal.aborted) {
      let error: string | null = null;
      try {
        // Keep every line read so far and make it the resume point.
        if (stopHere) await stopHere();
        else {
          // Between members: the last ones' batches, still out, are stored, and the next resumes.
          await this.writeAll();
          const state = await this.threadState();
          this.checkpointBetweenMembers(state);
        }
        this.saveProgress();
      } catch (e) {
        // Stopped all the same: the last checkpoint stands, and a resume reads the rest again from it.
        error = `The lines read since the last checkpoint could not be stored (${this.describe(e)}); resuming reads them again.`;
      }
      await this.release();
      const status = this.d.closing() ? 'interrupted' : 'cancelled';
      return this.finishJob(status, error);
    }
    const message = this.describe(err);
    try {
      const state = await this.threadState();
      this.db.transaction(() => this.checkpointModels(state))();
    } catch {
      // Same: the last checkpoint saved stands, and a resume starts there.
    }
    await this.release();
    return this.finishJob('failed', message);
  }

  /** Read one member to its end, in batches; `resumeLines` of it were stored before. */
  private async readMember(member: Member, resumeLines: number, signal: AbortSignal, stopAt: { here: (() => Promise<void>) | null }): Promise<void> {
    const batchLarge = this.d.options.batchLines ?? BATCH_LINES_BULK;
    const batchSmall = Math.min(BATCH_LINES_INTERACTIVE, batchLarge);
    const checkpointLines = this.d.options.checkpointLines ?? CHECKPOINT_LINES;
    const splitter = new LineSplitter();
    let source: OpenedSource | null = null;
    let head: string[] = [];
    let pending: string[] = [];
    let memberLines = 0;
    /** The lines before the next batch, to warm a parser that starts mid-member (a resume, a hand-over). */
    const recent = new RecentLines();
    let threadWarmed = false;
    /** Lines of this member no parser fit, stored through the thread (a resumed member's from before included). */
    const memberCounts = { unparsed: 0 };
    const open = (): void => {
      const opened = this.openSource(member, head);
      // A resumed member's row already counts the lines stored before the checkpoint.
      if (resumeLines > 0) opened.unparsedBase = this.d.stmt.sourceUnparsed.get(opened.sourceId) as number;
      memberCounts.unparsed = opened.unparsedBase;
      this.thread?.source(member.index, opened.options);
      const buffered = head;
      head = [];
      source = opened;
      for (const h of buffered) take(h);
    };
    /** Store (on this thread) or send (to the normalizing one) the lines read since the last batch. */
    const flush = async (checkpoint: boolean, memberEnd = false) => {
      const s = source!;
      if (pending.length === 0 && !checkpoint) return;
      await this.giveBackIfAsked();
      const firstLineNo = memberLines - pending.length + 1;
      const lines = pending;
      pending = [];
      // A member's last batch resumes at the next member, so it is not read again to be skipped.
      const resumeAt = memberEnd ? { member: member.index + 1, lines: 0 } : { member: member.index, lines: memberLines };
      if (this.thread) {
        if (!threadWarmed && recent.size > 0) this.thread.warm(member.index, recent.lines());
        threadWarmed = true;
        // Joined once: the normalizing thread and the detection worker are each sent the string.
        const joined = lines.join('\n');
        await this.send({
          lines,
          joined,
          source: s,
          batch: this.thread.lines(member.index, joined, lines.length),
          state: checkpoint ? this.thread.state() : null,
          firstLineNo,
          memberLinesAfter: memberLines,
          member: memberCounts,
          resumeAt,
        });
      } else {
        if (!s.normalizer) {
          s.normalizer = this.d.models.sourceNormalizer(s.options);
          // After a hand-over from the thread, what it counted stays counted.
          s.unparsedBase = memberCounts.unparsed;
          s.normalizer.warm(recent.lines());
        }
        this.storeHere(s, lines, firstLineNo, memberLines, checkpoint ? resumeAt : null);
      }
      recent.pushAll(lines);
    };
    /** Take one line; true when a batch is full. */
    const take = (text: string): boolean => {
      if (!source) {
        head.push(text);
        if (head.length >= SNIFF_LINES) open();
        return false;
      }
      memberLines++;
      if (memberLines <= resumeLines) {
        recent.push(text);
        return false;
      }
      pending.push(text);
      return pending.length >= batchSmall && (pending.length >= batchLarge || interactive());
    };
    const flushFull = async () => {
      this.linesSinceCheckpoint += pending.length;
      const checkpoint = this.linesSinceCheckpoint >= checkpointLines;
      if (checkpoint) this.linesSinceCheckpoint = 0;
      await flush(checkpoint);
      this.emitProgress();
      // One batch at a time, then let the workbench's queries in.
      await new Promise((r) => setImmediate(r));
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
    };
    if (resumeLines === 0) this.members++;
    stopAt.here = async () => {
      // Past the lines a resume skips: what was read is stored, and the checkpoint is there.
      const reading = source !== null && memberLines >= resumeLines;
      if (reading) await flush(true);
      await this.writeAll();
      if (reading) return;
      // Not begun (its head not read yet), or still skipping what was stored before: the stop
      // resumes where this run began the member, not at the last checkpoint nor before it.
      const state = await this.threadState();
      this.db.transaction(() => this.saveCheckpoint(member.index, resumeLines, state))();
    };
    for await (const chunk of member.stream) {
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      for (const line of splitter.feed(chunk)) if (take(line.text)) await flushFull();
      this.emitProgress();
    }
    for (const line of splitter.end()) if (take(line.text)) await flushFull();
    if (!source && head.length > 0) open();
    stopAt.here = null;
    // A member's end is no checkpoint of its own: a hundred rotated members of a batch each made
    // a hundred, each storing the miner and every entity seen since the one before, and waited
    // for the thread to run dry. Its last batch goes like any other, the next member is read and
    // normalized meanwhile, and a checkpoint that falls here resumes at the next member.
    if (source) {
      this.linesSinceCheckpoint += pending.length;
      const checkpoint = this.linesSinceCheckpoint >= checkpointLines;
      if (checkpoint) this.linesSinceCheckpoint = 0;
      await flush(checkpoint, true);
    }
    this.thread?.close(member.index);
    this.endedAt = member.index + 1;
  }

  /** A member's first and last event times, as the import will parse them (to order members). */
  private span(head: readonly string[], m: { name: string; mtime?: number; file: string }): { first: number | null; last: number | null } {
    const format: LogFormat = this.format === 'auto' ? sniffFormat(head, m.name) : this.format;
    const parse = createParser(format);
    const lastLine = lastLineOf(m.file);
    const context = () => createParseContext(m.name, { referenceTime: m.mtime ?? this.mtime, lastStamp: lastLine === null ? null : yearlessStamp(lastLine) });
    const ctx = context();
    let first: number | null = null;
    for (const line of head) {
      const ts = parse(line, ctx)?.ts;
      if (ts !== null && ts !== undefined) {
        first = ts;
        break;
      }
    }
    const last = lastLine === null ? null : (parse(lastLine, context())?.ts ?? null);
    return { first, last };
  }

  /** Lines are normalized on a thread of their own when this build has one and the miner is free to lend. */
  private startThread(): void {
    if (this.d.models.lent || this.start.bytes_total < this.d.options.offThreadMinBytes) return;
    const lent = this.d.models.lend(() => (this.handBack = true));
    this.thread = NormalizerThread.start({ drain: lent });
    if (!this.thread) this.d.models.giveBack(lent);
  }

  /** A batch normalized on this thread: store it, publish it. */
  private storeHere(
    s: OpenedSource,
    lines: string[],
    firstLineNo: number,
    memberLinesAfter: number,
    /** Where a resume would begin, when this batch ends at a checkpoint. */
    checkpoint: ResumePoint | null,
  ): void {
    const normalizer = s.normalizer!;
    const before = normalizer.unparsed;
    const start = this.start;
    try {
      this.db.transaction(() => {
        // Entities and templates are noted and stored at the next checkpoint, as on the thread.
        this.d.writer.beginRows();
        const events = new Array(lines.length);
        const ids = new Float64Array(lines.length);
        for (let i = 0; i < lines.length; i++) {
          const n = normalizer.line(lines[i]!);
          ids[i] = this.d.writer.add(start.id, s.sourceId, firstLineNo + i, n.event, n.entities);
          events[i] = n.event;
        }
        this.d.writer.indexRows();
        this.countSource(s.sourceId, memberLinesAfter, s.unparsedBase + normalizer.unparsed, normalizer.assumedYears());
        this.d.stmt.progress.run(this.bytesRead, this.lines + lines.length, this.members, this.unparsed + normalizer.unparsed - before, JSON.stringify(this.notes), start.id);
        this.d.bus.emit('batchStored', { importId: start.id, sourceId: s.sourceId, sourceName: s.name, ids, lines, packed: null, events });
        if (checkpoint) this.saveCheckpoint(checkpoint.member, checkpoint.lines);
      })();
    } catch (err) {
      this.d.writer.discard();
      throw err;
    }
    this.lines += lines.length;
    this.unparsed += normalizer.unparsed - before;
  }

  /** Hand a batch to the normalizing thread; store the oldest ones back while too many are out. */
  private async send(f: Inflight): Promise<void> {
    // Awaited in order by writeOldest; a failure before then is not unhandled.
    f.batch.catch(() => undefined);
    f.state?.catch(() => undefined);
    this.inflight.push(f);
    // A checkpoint is stored with its batch, in turn: the thread need not run dry for it.
    while (this.inflight.length > MAX_INFLIGHT) await this.writeOldest();
  }

  /** Store the oldest batch sent to the thread, once it is back. */
  private async writeOldest(): Promise<void> {
    const f = this.inflight.shift()!;
    const batch = await f.batch;
    const state = f.state ? await f.state : null;
    const db = this.db;
    // Rows name this import and a source row made for them: checking both parents for every row
    // was a tenth of the storing time. The pragma cannot change inside a transaction, and
    // nothing else runs on this connection until it is back on.
    db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        this.d.writer.beginRows();
        const ids = this.d.writer.insertBatch(this.start.id, f.source.sourceId, f.firstLineNo, f.lines, batch);
        this.d.writer.indexRows();
        this.countSource(f.source.sourceId, f.memberLinesAfter, f.member.unparsed + batch.unparsed, batch.years);
        this.d.stmt.progress.run(this.bytesRead, this.lines + batch.rows.n, this.members, this.unparsed + batch.unparsed, JSON.stringify(this.notes), this.start.id);
        this.d.writer.noteBatch(batch, ids);
        this.d.bus.emit('batchStored', { importId: this.start.id, sourceId: f.source.sourceId, sourceName: f.source.name, ids, lines: f.lines, joined: f.joined, packed: batch.rows, events: null });
        if (state) this.saveCheckpoint(f.resumeAt.member, f.resumeAt.lines, state);
      })();
    } catch (err) {
      // Noted entities may include this batch's: drop them rather than link rows that are not there.
      this.d.writer.discard();
      throw err;
    } finally {
      db.pragma('foreign_keys = ON');
    }
    this.lines += batch.rows.n;
    this.unparsed += batch.unparsed;
    f.member.unparsed += batch.unparsed;
  }

  private async writeAll(): Promise<void> {
    while (this.inflight.length > 0) await this.writeOldest();
  }

  /** The live collector wants the miner: store what is in flight and go on on this thread. */
  private async giveBackIfAsked(): Promise<void> {
    if (!this.handBack || !this.thread) return;
    await this.writeAll();
    const state = await this.thread.state();
    this.thread.stop();
    this.thread = null;
    this.d.models.giveBack(state);
  }

  /**
   * End the thread and take the miner back as the thread left it, or, if the thread cannot say,
   * as the last checkpoint saved it. Before the import is reported finished: the next one (or the
   * live collector) mines with it.
   */
  private async release(): Promise<void> {
    const t = this.thread;
    if (!t) return;
    this.thread = null;
    let state: DrainState | null = null;
    try {
      state = await t.state();
    } catch {
      state = null;
    }
    t.stop();
    this.d.models.giveBack(state);
  }

  /** A checkpoint after the last member read to its end (just the models when none was, this run). */
  private checkpointBetweenMembers(state: DrainState | undefined): void {
    this.db.transaction(() => (this.endedAt === null ? this.checkpointModels(state) : this.saveCheckpoint(this.endedAt, 0, state)))();
  }

  /** The miner's state now, for a checkpoint taken outside a batch. */
  private async threadState(): Promise<DrainState | undefined> {
    return this.thread ? this.thread.state() : undefined;
  }

  private openSource(member: Member, head: string[]): OpenedSource {
    // Yearless lines are dated no later than the member's own time, and fitted to its last line.
    const lastLine = member.file ? lastLineOf(member.file) : null;
    const options: SourceOptions = { name: member.name, format: this.format, head, referenceTime: member.mtime ?? this.mtime, ...(lastLine === null ? {} : { lastLine }) };
    // The same choice SourceNormalizer makes, here too so the source row has it at once.
    const found: LogFormat = this.format === 'auto' ? sniffFormat(head, member.name) : this.format;
    const sourceId = this.d.stmt.source.get(this.start.id, member.index, member.name, found) as number;
    return { options, sourceId, name: member.name, normalizer: null, unparsedBase: 0 };
  }

  private countSource(id: number, lines: number, unparsed: number, years: AssumedYears | null): void {
    this.d.stmt.sourceCount.run({ id, lines, unparsed, first: years?.first ?? null, last: years?.last ?? null, kept: years?.futureKept ?? 0 });
  }

  private saveCheckpoint(memberIndex: number, memberLines: number, drain?: DrainState): void {
    const lastId = this.db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get() as number;
    this.d.stmt.checkpoint.run(memberIndex, memberLines, lastId, this.start.id);
    this.checkpointModels(drain);
  }

  /**
   * Save the models (the normalizing thread's miner when it has one, the case's own otherwise) and
   * the entities and templates noted since the last checkpoint.
   */
  private checkpointModels(drain: DrainState | undefined): void {
    this.d.writer.flushKeys((id) => this.d.models.templateInfo(id));
    if (drain) this.d.models.checkpointLent(drain);
    else if (!this.d.models.lent) this.d.models.checkpoint();
  }

  /** A member skipped, said once (a resumed import walks its members again). */
  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  private saveProgress(): void {
    this.d.stmt.progress.run(this.bytesRead, this.lines, this.members, this.unparsed, JSON.stringify(this.notes), this.start.id);
  }

  private emitProgress(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.rate.add(now, this.lines, this.bytesRead);
    const bytesPerSec = this.rate.perSec('bytes');
    const left = Math.max(0, this.start.bytes_total - this.bytesRead);
    const p: ImportProgress = {
      importId: this.start.id,
      path: this.start.path,
      bytesRead: this.bytesRead,
      bytesTotal: this.start.bytes_total,
      lines: this.lines,
      linesPerSec: Math.round(this.rate.perSec('lines')),
      etaMs: bytesPerSec > 0 ? Math.round((left / bytesPerSec) * 1000) : null,
    };
    this.d.events.progressed(p);
  }

  private row(): ImportRow {
    return this.d.stmt.getImport.get(this.start.id) as ImportRow;
  }

  /** A failure as the analyst reads it: the case file's own words for a full or failing disk. */
  private describe(err: unknown): string {
    return err instanceof EngineError ? err.message : (caseFileError(err, this.d.store.path)?.message ?? (err as Error)?.message ?? String(err));
  }

  private finishJob(status: ImportStatus, error: string | null): ImportStatus {
    finishImport(this.d, this.start.id, status, error);
    return status;
  }
}

/** Record how an import ended and say so; if the case cannot take it, say so anyway. */
export function finishImport(d: Pick<ImportRunDeps, 'store' | 'stmt' | 'events'>, id: number, status: ImportStatus, error: string | null): void {
  let row: ImportRow;
  try {
    row = d.stmt.finish.get(status, Date.now(), error, id) as ImportRow;
  } catch (err) {
    // The case cannot record the end (a full disk): the workbench still learns of it.
    const why = caseFileError(err, d.store.path)?.message ?? (err as Error).message;
    row = { ...(d.stmt.getImport.get(id) as ImportRow), status, error: error ? `${error} (${why})` : why };
  }
  d.events.finished(toJob(row));
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
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
