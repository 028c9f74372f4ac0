/**
 * The collector façade the engine drives: start the enabled receivers from one validated
 * configuration, pull batches from the bounded queue, commit each stored batch (which advances
 * the file-tail checkpoints), read stats for the panel, stop.
 */
import { EngineError } from '../../errors';
import type { RefusedCounts } from './connection-guard';
import { collectorConfigSchema, type CollectorConfig, type CollectorConfigInput } from './config';
import { HttpReceiver } from './http-receiver';
import { handleOtlp, otlpErrorReply } from './otlp-receiver';
import { LiveQueue, type QueueStats } from './queue';
import { Recorder, type RecentLine } from './recorder';
import { StreamListener } from './stream-listener';
import { Tailer, type TailCheckpoint, type TailFileStatus } from './tailer';
import type { SenderCount } from './top-senders';
import { LIVE_SOURCE_IDS, type DropReason, type LiveMessage, type LiveSourceId } from './types';
import { UdpListener } from './udp-listener';
import { handleWebhook, webhookErrorReply } from './webhook-receiver';

const UDP_IN_FLIGHT = { messages: 25_000, bytes: 8 * 1024 * 1024 };

export interface CollectorHooks {
  /**
   * Called from `commit` (synchronously, so it can write in the same transaction as the batch)
   * with the complete set of tail checkpoints to persist, replacing the previous set.
   */
  onCheckpoint?: (checkpoints: TailCheckpoint[]) => void;
  /** Clock for receive times; tests pin it. */
  now?: () => number;
}

export interface StartOptions {
  /** The checkpoints last passed to `onCheckpoint`, to resume tailing without loss or repeats. */
  checkpoints?: readonly TailCheckpoint[];
}

export interface ListenerStats {
  source: LiveSourceId;
  /** `ip:port` actually bound (with the real port when 0 was asked for); null for tail. */
  address: string | null;
  received: number;
  bytes: number;
  /** Messages in the last second, and in the busiest second of the rate window (bursts). */
  ratePerSecond: number;
  peakPerSecond: number;
  drops: Record<DropReason, number>;
  connectionsOpen: number;
  connectionsTotal: number;
  /** Stream listeners: connections turned away or cut so that no sender can hold the listener. */
  refused: RefusedCounts;
  unauthorized: number;
  lastError: string | null;
  /** UDP only: the socket receive buffer the kernel granted, and what was asked for. */
  receiveBufferBytes?: number;
  receiveBufferRequested?: number;
  /** UDP only: datagrams the kernel dropped (receive buffer full); null where the platform does not say. */
  kernelDrops?: number | null;
}

export interface CollectorStats {
  running: boolean;
  startedAt: number | null;
  received: number;
  ratePerSecond: number;
  peakPerSecond: number;
  listeners: ListenerStats[];
  queue: QueueStats;
  topSenders: SenderCount[];
  recentLines: RecentLine[];
  tailFiles: TailFileStatus[];
}

interface Running {
  config: CollectorConfig;
  queue: LiveQueue;
  recorder: Recorder;
  startedAt: number;
  udp: UdpListener | null;
  streams: Partial<Record<'tcp' | 'tls', StreamListener>>;
  http: Partial<Record<'otlp' | 'webhook', HttpReceiver>>;
  tailer: Tailer | null;
}

/** Parses a configuration, turning zod's issues into one message an analyst can act on. */
export function parseCollectorConfig(input: unknown): CollectorConfig {
  const parsed = collectorConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'config'}: ${i.message}`);
  throw new EngineError('invalid_input', `The collector configuration is invalid: ${problems.join('; ')}`, { issues: parsed.error.issues });
}

export class Collector {
  private running: Running | null = null;
  private lastQueue: LiveQueue | null = null;
  private starting = false;
  private readonly now: () => number;

  constructor(private readonly hooks: CollectorHooks = {}) {
    this.now = hooks.now ?? Date.now;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** The queue of the current (or last) run; a new run gets a new queue. */
  get queue(): LiveQueue {
    const q = this.running?.queue ?? this.lastQueue;
    if (q === null) throw new EngineError('conflict', 'The collector has not been started');
    return q;
  }

  /**
   * Validates `input`, binds every enabled receiver and starts tailing. If any receiver cannot
   * start, the ones already started are stopped again and the error says which and why.
   */
  async start(input: CollectorConfigInput | unknown, options: StartOptions = {}): Promise<CollectorStats> {
    if (this.running !== null || this.starting) throw new EngineError('conflict', 'The collector is already running; stop it first');
    const config = parseCollectorConfig(input);
    this.starting = true;
    const queue = new LiveQueue(config.queue);
    const recorder = new Recorder(queue, { ...config.stats, now: this.now });
    const run: Running = { config, queue, recorder, startedAt: this.now(), udp: null, streams: {}, http: {}, tailer: null };
    try {
      if (config.udp.enabled) {
        // Datagrams handed over by the reader thread but not yet in the queue: enough to ride out
        // a busy engine thread (a stored batch) at full speed, not a second queue in memory.
        const inFlight = { messages: Math.min(config.queue.maxMessages, UDP_IN_FLIGHT.messages), bytes: Math.min(config.queue.maxBytes, UDP_IN_FLIGHT.bytes) };
        run.udp = new UdpListener({ ...config.udp, inFlight }, recorder, this.now);
        await run.udp.start();
      }
      for (const kind of ['tcp', 'tls'] as const) {
        const c = config[kind];
        if (!c.enabled) continue;
        const tlsFiles = kind === 'tls' ? { certFile: config.tls.certFile!, keyFile: config.tls.keyFile!, caFile: config.tls.caFile, requireClientCert: config.tls.requireClientCert } : undefined;
        const limits = { maxConnections: c.maxConnections, maxPerSender: c.maxConnectionsPerSender, idleTimeoutMs: c.idleTimeoutMs, readTimeoutMs: c.readTimeoutMs };
        const listener = new StreamListener({ kind, host: c.host, port: c.port, maxFrameBytes: c.maxFrameBytes, limits, tls: tlsFiles }, recorder, queue, this.now);
        run.streams[kind] = listener;
        await listener.start();
      }
      if (config.otlp.enabled) {
        const o = config.otlp;
        const r = new HttpReceiver(
          { source: 'otlp', what: 'The OTLP/HTTP receiver', host: o.host, port: o.port, path: '/v1/logs', maxBodyBytes: o.maxBodyBytes, auth: o.auth, handle: handleOtlp, errorReply: otlpErrorReply },
          recorder,
          queue,
          this.now,
        );
        run.http.otlp = r;
        await r.start();
      }
      if (config.webhook.enabled) {
        const w = config.webhook;
        const r = new HttpReceiver(
          {
            source: 'webhook',
            what: 'The webhook receiver',
            host: w.host,
            port: w.port,
            path: w.path,
            maxBodyBytes: w.maxBodyBytes,
            auth: w.auth,
            handle: (ctx) => handleWebhook(ctx, (n) => recorder.drop('webhook', 'malformed', ctx.sender, n)),
            errorReply: webhookErrorReply,
          },
          recorder,
          queue,
          this.now,
        );
        run.http.webhook = r;
        await r.start();
      }
      if (config.tail.enabled) {
        run.tailer = new Tailer(config.tail, recorder, queue, this.now, options.checkpoints ?? []);
        await run.tailer.start();
      }
    } catch (err) {
      await this.stopAll(run);
      throw err;
    } finally {
      this.starting = false;
    }
    this.running = run;
    this.lastQueue = queue;
    return this.stats();
  }

  /**
   * Stops every receiver and closes the queue: what is queued can still be taken, then
   * `batches()` ends. Uncommitted tailed lines are read again on the next start. Returns the run's
   * last counters, taken once every receiver has stopped: what a receiver handed over while it
   * stopped (the UDP reader's last batches) is counted too, so received + dropped adds up to what
   * arrived.
   */
  async stop(): Promise<CollectorStats> {
    const run = this.running;
    this.running = null;
    if (run === null) return this.stats();
    await this.stopAll(run);
    return this.statsOf(run);
  }

  /** Up to `max` queued messages, oldest first, without waiting. */
  takeBatch(max: number): LiveMessage[] {
    return this.queue.takeBatch(max);
  }

  /** Batches as they arrive until the collector stops and the queue is drained. */
  batches(max: number, signal?: AbortSignal): AsyncGenerator<LiveMessage[]> {
    return this.queue.batches(max, signal);
  }

  /**
   * Tell the collector a batch is stored. Tail checkpoints move past its lines and, when any
   * moved, `onCheckpoint` receives the full set to persist (in the caller's transaction).
   */
  commit(batch: readonly LiveMessage[]): void {
    const tailer = this.running?.tailer;
    if (tailer === null || tailer === undefined) return;
    const checkpoints = tailer.commit(batch);
    if (checkpoints !== null) this.hooks.onCheckpoint?.(checkpoints);
  }

  stats(): CollectorStats {
    return this.statsOf(this.running);
  }

  private statsOf(run: Running | null): CollectorStats {
    if (run === null) {
      return {
        running: false,
        startedAt: null,
        received: 0,
        ratePerSecond: 0,
        peakPerSecond: 0,
        listeners: [],
        queue: this.lastQueue?.stats() ?? { length: 0, bytes: 0, maxMessages: 0, maxBytes: 0, dropped: {}, peakLength: 0, peakBytes: 0 },
        topSenders: [],
        recentLines: [],
        tailFiles: [],
      };
    }
    const { config, recorder } = run;
    const addresses: Record<LiveSourceId, string | null> = {
      udp: run.udp?.address() ?? null,
      tcp: run.streams.tcp?.address() ?? null,
      tls: run.streams.tls?.address() ?? null,
      otlp: run.http.otlp?.address() ?? null,
      webhook: run.http.webhook?.address() ?? null,
      tail: null,
    };
    const listeners: ListenerStats[] = [];
    let received = 0;
    for (const source of LIVE_SOURCE_IDS) {
      if (!config[source].enabled) continue;
      const c = recorder.for(source);
      received += c.received;
      const stat: ListenerStats = {
        source,
        address: addresses[source],
        received: c.received,
        bytes: c.bytes,
        ratePerSecond: recorder.rateOf(source),
        peakPerSecond: recorder.peakOf(source),
        drops: { ...c.drops },
        connectionsOpen: c.connectionsOpen,
        connectionsTotal: c.connectionsTotal,
        refused: { ...c.refused },
        unauthorized: c.unauthorized,
        lastError: c.lastError,
      };
      if (source === 'udp' && run.udp !== null) {
        stat.receiveBufferBytes = run.udp.receiveBufferBytes();
        stat.receiveBufferRequested = config.udp.recvBufferSize;
        stat.kernelDrops = run.udp.kernelDrops();
      }
      listeners.push(stat);
    }
    return {
      running: this.running === run,
      startedAt: run.startedAt,
      received,
      ratePerSecond: recorder.totalRate(),
      peakPerSecond: recorder.totalPeak(),
      listeners,
      queue: run.queue.stats(),
      topSenders: recorder.topSenders(config.stats.topSenders),
      recentLines: recorder.recentLines(),
      tailFiles: run.tailer?.status() ?? [],
    };
  }

  private async stopAll(run: Running): Promise<void> {
    const stops: Promise<void>[] = [];
    if (run.udp !== null) stops.push(run.udp.stop());
    for (const s of Object.values(run.streams)) stops.push(s.stop());
    for (const h of Object.values(run.http)) stops.push(h.stop());
    if (run.tailer !== null) stops.push(run.tailer.stop());
    await Promise.allSettled(stops);
    run.queue.close();
  }
}
