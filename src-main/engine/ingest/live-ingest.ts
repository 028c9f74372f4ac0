/**
 * Live collection into the open case: the collector's queue drained batch by batch through the
 * same normalizer and stores as an import, then straight through the detection stages, so an
 * analyst watches events and detections arrive. Settings and tail checkpoints live in the case.
 */
import type { Database } from 'better-sqlite3';
import type { CollectorStatus, LiveSource } from '../../../src-shared/dto';
import type { NormalizedEvent } from '../../../src-shared/event';
import { EngineError } from '../errors';
import type { CaseModels } from '../pipeline/case-models';
import type { CaseBus } from '../session/bus';
import type { SourceNormalizer } from '../pipeline/normalize';
import { EventWriter } from '../store/event-writer';
import { LIVE_IMPORT_NAME } from './importer';
import { interactive } from '../activity';
import { caseFileError } from '../store/case-db';
import { Collector, parseCollectorConfig, type CollectorStats, type LiveMessage, type TailCheckpoint } from './live';
import { SenderClocks } from './live/sender-clocks';

const CONFIG_KEY = 'collector.config';
const CHECKPOINT_KEY = 'collector.tail';
const LIVE_QUEUE = { messages: 150_000, bytes: 48 * 1024 * 1024 };
const BATCH_INTERACTIVE = 1000;
const BATCH_BULK = 5000;
/**
 * A stored batch has a fixed cost (a transaction, template and entity upserts, a detection step),
 * so small batches at a high rate cost more than the work in them: wait this long for a batch to
 * fill before storing what has arrived.
 */
const BATCH_WAIT_MS = 100;
/** A batch the case could not take is tried again after 0.5 s, then up to every 8 s. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 8000;
const STORE_FAILED = 'Could not store live messages: ';
const STATUS_INTERVAL_MS = 1000;

export interface LiveEvents {
  updated(status: CollectorStatus): void;
  stored(): void;
}

interface Session {
  collector: Collector;
  importId: number;
  loop: Promise<void>;
  abort: AbortController;
  timer: NodeJS.Timeout;
  normalizers: Map<string, { normalizer: SourceNormalizer; sourceId: number; seq: number }>;
  stored: number;
  /** Each sender's clock: which header times are believed, and which are corrected. */
  clocks: SenderClocks;
  /** Set by stop(): a batch the case cannot take is then given up instead of retried. */
  stopping: boolean;
}

export class LiveIngest {
  private session: Session | null = null;
  private lastError: string | null = null;
  private readonly writer: EventWriter;

  constructor(
    private readonly db: Database,
    private readonly models: CaseModels,
    private readonly bus: CaseBus,
    private readonly events: LiveEvents,
  ) {
    this.writer = new EventWriter(db);
  }

  savedConfig(): Record<string, unknown> {
    const raw = this.db.prepare('SELECT value FROM case_meta WHERE key = ?').pluck().get(CONFIG_KEY) as string | undefined;
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  }

  status(): CollectorStatus {
    const s = this.session;
    return toStatus(s?.collector.stats() ?? null, s?.stored ?? 0, this.savedConfig(), this.lastError, s?.clocks ?? null);
  }

  async start(configInput: Record<string, unknown> | undefined): Promise<CollectorStatus> {
    if (this.session) throw new EngineError('conflict', 'The collector is already running; stop it first.');
    const input = configInput ?? this.savedConfig();
    // A laptop collector should ride out a burst the pipeline cannot store at once: a deeper
    // queue than the collector's own default, still bounded in messages and bytes so that a
    // flood costs at most a few hundred MB (a queued line costs ~2-3x its estimate in the heap).
    const config = parseCollectorConfig({ queue: { maxMessages: LIVE_QUEUE.messages, maxBytes: LIVE_QUEUE.bytes }, ...input });
    this.db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(CONFIG_KEY, JSON.stringify(input));
    const checkpoints = this.loadCheckpoints();
    const collector = new Collector({ onCheckpoint: (cps) => this.saveCheckpoints(cps) });
    this.lastError = null;
    await collector.start(config, { checkpoints });
    const importId = this.db
      .prepare(`INSERT INTO imports (path, name, status, started_at) VALUES (?, ?, 'running', ?) RETURNING id`)
      .pluck()
      .get(describe(collector.stats()), LIVE_IMPORT_NAME, Date.now()) as number;
    const abort = new AbortController();
    const session: Session = {
      collector,
      importId,
      abort,
      normalizers: new Map(),
      stored: 0,
      clocks: new SenderClocks(config.time.trustWindowDays * 86_400_000),
      stopping: false,
      loop: Promise.resolve(),
      timer: setInterval(() => this.events.updated(this.status()), STATUS_INTERVAL_MS),
    };
    session.loop = this.consume(session).catch((err: unknown) => {
      this.lastError = (err as Error).message;
    });
    this.session = session;
    const status = this.status();
    this.events.updated(status);
    return status;
  }

  async stop(): Promise<CollectorStatus> {
    const s = this.session;
    if (!s) return this.status();
    clearInterval(s.timer);
    s.stopping = true;
    // The run's last counters, once every receiver has stopped and handed over what it held.
    const counters = await s.collector.stop();
    await s.loop;
    try {
      this.db.transaction(() => {
        this.bus.emit('liveStopped', {});
        this.db.prepare(`UPDATE imports SET status = 'done', finished_at = ? WHERE id = ?`).run(Date.now(), s.importId);
      })();
    } catch (err) {
      const summary = `The collector stopped, but its summary could not be saved: ${why(err)}`;
      this.lastError = this.lastError ? `${this.lastError} ${summary}` : summary;
    }
    const final = toStatus(counters, s.stored, this.savedConfig(), this.lastError, s.clocks);
    this.session = null;
    this.events.updated({ ...final, running: false });
    return { ...final, running: false };
  }

  private async consume(s: Session): Promise<void> {
    for await (const first of s.collector.batches(BATCH_INTERACTIVE, s.abort.signal)) {
      let batch = first;
      // Small transactions while the workbench is asking for things (a query waits at most one),
      // large ones otherwise; a trickle waits a moment to be stored as one batch.
      const want = interactive() ? BATCH_INTERACTIVE : BATCH_BULK;
      if (batch.length < want) batch = batch.concat(s.collector.takeBatch(want - batch.length));
      if (batch.length < BATCH_INTERACTIVE) {
        await new Promise((r) => setTimeout(r, BATCH_WAIT_MS));
        const more = s.collector.takeBatch(want - batch.length);
        if (more.length > 0) batch = batch.concat(more);
      }
      // An import may have lent the template miner to its normalizing thread: get it back first.
      await this.models.home();
      // Store the batch; when the case cannot take it (a full disk), say so and try the same batch
      // again until it can or the collector stops: the queue meanwhile fills up to its bound and
      // counts what it has to drop, and nothing taken off it is lost.
      let stored: NormalizedEvent[] | null = null;
      for (let wait = RETRY_FIRST_MS; stored === null; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
        const fresh = new Set<string>();
        const seqs = [...s.normalizers].map(([key, n]) => [key, n.seq] as const);
        try {
          stored = this.db.transaction(() => {
            this.writer.begin();
            const out: NormalizedEvent[] = [];
            for (const m of batch) out.push(this.storeOne(s, m, fresh));
            this.writer.commit((id) => this.models.templateInfo(id));
            s.collector.commit(batch);
            this.db.prepare('UPDATE imports SET lines = lines + ?, bytes_read = bytes_read + ? WHERE id = ?').run(batch.length, batchBytes(batch), s.importId);
            return out;
          })();
          if (this.lastError !== null && this.lastError.startsWith(STORE_FAILED)) this.lastError = null;
        } catch (err) {
          // Sources opened by the failed transaction were rolled back with it.
          for (const key of fresh) s.normalizers.delete(key);
          for (const [key, seq] of seqs) s.normalizers.get(key)!.seq = seq;
          this.lastError = `${STORE_FAILED}${why(err)} (retrying)`;
          this.events.updated(this.status());
          if (s.abort.signal.aborted || s.stopping) throw giveUp(s, batch.length, err);
          await new Promise((r) => setTimeout(r, wait));
          if (s.abort.signal.aborted || s.stopping) throw giveUp(s, batch.length, err);
        }
      }
      // Detection in a transaction of its own: if it cannot write its alerts, the events stay.
      try {
        this.db.transaction(() => this.bus.emit('liveStored', { events: stored }))();
      } catch (err) {
        this.lastError = `Live detection could not store its findings: ${why(err)}`;
      }
      s.stored += batch.length;
      this.events.stored();
      // Let queries from the workbench in between batches.
      await new Promise((r) => setImmediate(r));
    }
  }

  private storeOne(s: Session, m: LiveMessage, fresh: Set<string>): NormalizedEvent {
    const key = m.source === 'tail' ? `tail:${m.sender}` : m.source;
    let n = s.normalizers.get(key);
    if (!n) {
      const name = m.source === 'tail' ? m.sender : `${m.source} listener`;
      const normalizer = this.models.sourceNormalizer({ name, format: m.source === 'tail' ? 'auto' : 'syslog5424', head: [m.line], referenceTime: m.receivedAt });
      const sourceId = this.db
        .prepare(
          `INSERT INTO sources (import_id, member_index, name, format) VALUES (?, (SELECT count(*) FROM sources WHERE import_id = ?), ?, ?) RETURNING id`,
        )
        .pluck()
        .get(s.importId, s.importId, name, normalizer.format) as number;
      s.normalizers.set(key, (n = { normalizer, sourceId, seq: 0 }));
      fresh.add(key);
    }
    const line = n.normalizer.line(m.line, m.receivedAt);
    const ev = line.event;
    if (m.source === 'tail') {
      // A file's own times are its lines' times, however old; a line without one was written now.
      if (ev.ts === null) ev.ts = m.receivedAt;
    } else {
      // The header's time when it is believable for this sender, the receive time otherwise.
      const header = ev.ts;
      const verdict = s.clocks.judge(ev.host ? `${m.sender} ${ev.host}` : m.sender, header, m.receivedAt);
      ev.ts = verdict.ts;
      if (header !== null && verdict.how !== 'header') ev.fields.header_ts = header;
      if (verdict.how !== 'header') ev.fields.time_from = verdict.how;
      if (verdict.skewMs !== undefined) ev.fields.clock_skew_ms = verdict.skewMs;
      ev.fields.sender = m.sender;
    }
    this.writer.add(s.importId, n.sourceId, ++n.seq, ev, line.entities);
    return ev;
  }

  private loadCheckpoints(): TailCheckpoint[] {
    const raw = this.db.prepare('SELECT value FROM model_state WHERE key = ?').pluck().get(CHECKPOINT_KEY) as string | undefined;
    return raw ? (JSON.parse(raw) as TailCheckpoint[]) : [];
  }

  private saveCheckpoints(cps: TailCheckpoint[]): void {
    this.db
      .prepare('INSERT INTO model_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(CHECKPOINT_KEY, JSON.stringify(cps), Date.now());
  }
}

/** What went wrong, in words: a full, read-only or damaged case file says so plainly. */
function why(err: unknown): string {
  return (caseFileError(err) ?? (err as Error)).message;
}

/** Stopping while the case cannot take what is queued: say how much was not stored, and why. */
function giveUp(s: Session, batchLength: number, err: unknown): Error {
  const left = batchLength + s.collector.queue.length;
  return new Error(`${STORE_FAILED}${why(err)} The collector stopped with ${left} received messages not stored.`);
}

function batchBytes(batch: LiveMessage[]): number {
  let n = 0;
  for (const m of batch) n += m.line.length + 1;
  return n;
}

function describe(stats: CollectorStats): string {
  return stats.listeners.map((l) => `${l.source}://${l.address ?? 'files'}`).join(' ') || 'live';
}

function toStatus(stats: CollectorStats | null, stored: number, config: Record<string, unknown>, error: string | null, clocks: SenderClocks | null): CollectorStatus {
  const listeners = (stats?.listeners ?? []).map((l) => ({
    source: l.source as LiveSource,
    address: l.address,
    received: l.received,
    ratePerSecond: l.ratePerSecond,
    peakPerSecond: l.peakPerSecond,
    bytes: l.bytes,
    drops: { queueFull: l.drops.queueFull ?? 0, oversize: l.drops.oversize ?? 0, malformed: l.drops.malformed ?? 0, kernel: l.kernelDrops ?? null },
    connectionsOpen: l.connectionsOpen,
    connectionsRefused: { ...l.refused },
    receiveBuffer: l.receiveBufferBytes !== undefined ? { requested: l.receiveBufferRequested ?? 0, granted: l.receiveBufferBytes } : null,
    unauthorized: l.unauthorized,
    lastError: l.lastError,
  }));
  const dropped = listeners.reduce((sum, l) => sum + l.drops.queueFull + l.drops.oversize + l.drops.malformed + (l.drops.kernel ?? 0), 0);
  return {
    running: stats?.running ?? false,
    startedAt: stats?.startedAt ?? null,
    received: stats?.received ?? 0,
    stored,
    dropped,
    ratePerSecond: stats?.ratePerSecond ?? 0,
    peakPerSecond: stats?.peakPerSecond ?? 0,
    listeners,
    queue: { length: stats?.queue.length ?? 0, maxMessages: stats?.queue.maxMessages ?? 0, peakLength: stats?.queue.peakLength ?? 0 },
    topSenders: (stats?.topSenders ?? []).map((t) => ({ sender: t.sender, count: t.count })),
    senderClocks: (clocks?.list() ?? []).map((c) => ({ sender: c.sender, lines: c.lines, skewMs: c.skewMs, corrected: c.corrected, received: c.received })),
    recentLines: (stats?.recentLines ?? []).map((r) => ({ source: r.source as LiveSource, sender: r.sender, receivedAt: r.receivedAt, line: r.line })),
    tailFiles: (stats?.tailFiles ?? []).map((t) => ({ path: t.path, state: String(t.state), lines: t.lines, truncations: t.truncations })),
    config,
    error,
  };
}
