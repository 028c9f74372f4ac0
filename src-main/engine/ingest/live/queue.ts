/**
 * The bounded queue between the receivers and the pipeline. Bounded twice, by messages and by an
 * estimate of the bytes they hold, so a flood of large frames cannot grow memory any more than a
 * flood of small ones. Receivers that can wait (TCP, TLS, tail) pause until there is space;
 * receivers that cannot (UDP) drop and the drop is counted against their source.
 */
import type { LiveMessage, LiveSourceId } from './types';

export interface LiveQueueOptions {
  maxMessages: number;
  maxBytes: number;
  /** Paused receivers resume once both fills fall to this fraction of capacity. */
  resumeAt?: number;
}

/** JS object and string headers; an estimate, it only needs to scale with real memory. */
const MESSAGE_OVERHEAD = 96;

export function messageCost(msg: LiveMessage): number {
  return MESSAGE_OVERHEAD + msg.line.length + msg.sender.length;
}

export interface QueueStats {
  length: number;
  bytes: number;
  maxMessages: number;
  maxBytes: number;
  /** Messages refused because the queue was full, per source. */
  dropped: Partial<Record<LiveSourceId, number>>;
  /** High-water marks since start, to show how close to overload the collector came. */
  peakLength: number;
  peakBytes: number;
}

export class LiveQueue {
  readonly maxMessages: number;
  readonly maxBytes: number;
  private readonly resumeMessages: number;
  private readonly resumeBytes: number;
  // A ring buffer: at 100K msgs/s, Array#shift on a large array would dominate the profile.
  private readonly ring: (LiveMessage | undefined)[];
  private head = 0;
  private size = 0;
  private byteCount = 0;
  private peakLength = 0;
  private peakBytes = 0;
  private closed = false;
  private readonly dropped: Partial<Record<LiveSourceId, number>> = {};
  private dataWaiters: (() => void)[] = [];
  private wakeScheduled = false;
  private spaceWaiters: (() => void)[] = [];

  constructor(options: LiveQueueOptions) {
    if (!(options.maxMessages >= 1) || !(options.maxBytes >= 1)) {
      throw new RangeError(`queue capacity must be at least 1 message and 1 byte (got ${options.maxMessages}, ${options.maxBytes})`);
    }
    this.maxMessages = Math.floor(options.maxMessages);
    this.maxBytes = Math.floor(options.maxBytes);
    const resumeAt = options.resumeAt ?? 0.5;
    this.resumeMessages = Math.floor(this.maxMessages * resumeAt);
    this.resumeBytes = Math.floor(this.maxBytes * resumeAt);
    this.ring = new Array<LiveMessage | undefined>(this.maxMessages);
  }

  get length(): number {
    return this.size;
  }

  get bytes(): number {
    return this.byteCount;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether `count` messages costing `bytes` in total would fit now. */
  hasRoom(count: number, bytes: number): boolean {
    return this.size + count <= this.maxMessages && this.byteCount + bytes <= this.maxBytes;
  }

  /** Enqueue, or refuse without counting a drop: for receivers that pause and retry. */
  tryOffer(msg: LiveMessage): boolean {
    if (this.closed) return false;
    const cost = messageCost(msg);
    // An empty queue takes any single message, so one frame larger than maxBytes cannot wedge a
    // paused receiver forever; listeners cap frame size well below maxBytes anyway.
    if (this.size >= this.maxMessages || (this.byteCount + cost > this.maxBytes && this.size > 0)) return false;
    this.ring[(this.head + this.size) % this.maxMessages] = msg;
    this.size++;
    this.byteCount += cost;
    if (this.size > this.peakLength) this.peakLength = this.size;
    if (this.byteCount > this.peakBytes) this.peakBytes = this.byteCount;
    if (this.dataWaiters.length > 0 && !this.wakeScheduled) {
      // Woken on the next turn, not now: datagrams arrive one callback each, and waking the
      // consumer per message would make it take batches of one at a high cost per batch.
      this.wakeScheduled = true;
      setImmediate(this.wakeData);
    }
    return true;
  }

  /** Enqueue, or count a drop against the message's source. */
  offer(msg: LiveMessage): boolean {
    if (this.tryOffer(msg)) return true;
    this.countDrop(msg.source, 1);
    return false;
  }

  /** Record messages a receiver refused up front because the queue had no room for them. */
  countDrop(source: LiveSourceId, count: number): void {
    this.dropped[source] = (this.dropped[source] ?? 0) + count;
  }

  /** Up to `max` messages, oldest first; never waits. */
  takeBatch(max: number): LiveMessage[] {
    const n = Math.min(Math.max(0, Math.floor(max)), this.size);
    const out = new Array<LiveMessage>(n);
    for (let i = 0; i < n; i++) {
      const msg = this.ring[this.head]!;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.maxMessages;
      this.byteCount -= messageCost(msg);
      out[i] = msg;
    }
    this.size -= n;
    if (this.size === 0) this.byteCount = 0;
    if (n > 0 && this.spaceWaiters.length > 0 && this.belowResumeMark()) this.wake('space');
    return out;
  }

  /** Resolves when a message is waiting or the queue is closed. */
  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.size > 0 || this.closed || signal?.aborted) return Promise.resolve();
    return this.waitOn(this.dataWaiters, signal);
  }

  /** Resolves when the queue has drained to its resume mark or is closed. */
  waitForSpace(signal?: AbortSignal): Promise<void> {
    if (this.belowResumeMark() || this.closed || signal?.aborted) return Promise.resolve();
    return this.waitOn(this.spaceWaiters, signal);
  }

  /**
   * Batches of up to `max` messages as they arrive; ends once the queue is closed and drained
   * (or the signal aborts), so the engine can store one batch per transaction.
   */
  async *batches(max: number, signal?: AbortSignal): AsyncGenerator<LiveMessage[]> {
    for (;;) {
      if (signal?.aborted) return;
      if (this.size > 0) {
        yield this.takeBatch(max);
        continue;
      }
      if (this.closed) return;
      await this.waitForData(signal);
    }
  }

  /** No more offers are taken; waiting consumers and paused receivers are released. */
  close(): void {
    this.closed = true;
    this.wake('data');
    this.wake('space');
  }

  stats(): QueueStats {
    return {
      length: this.size,
      bytes: this.byteCount,
      maxMessages: this.maxMessages,
      maxBytes: this.maxBytes,
      dropped: { ...this.dropped },
      peakLength: this.peakLength,
      peakBytes: this.peakBytes,
    };
  }

  private readonly wakeData = (): void => {
    this.wakeScheduled = false;
    this.wake('data');
  };

  private belowResumeMark(): boolean {
    return this.size <= this.resumeMessages && this.byteCount <= this.resumeBytes;
  }

  private waitOn(list: (() => void)[], signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      list.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(which: 'data' | 'space'): void {
    const list = which === 'data' ? this.dataWaiters : this.spaceWaiters;
    if (which === 'data') this.dataWaiters = [];
    else this.spaceWaiters = [];
    for (const resolve of list) resolve();
  }
}
