/**
 * The engine thread's handle on an import's normalizing thread (normalize-worker.ts). Requests
 * are answered in the order they were sent, so a batch's rows and a state asked for after it
 * describe the same point of the import.
 */
import { Worker } from 'node:worker_threads';
import type { DrainState } from '../parse/drain';
import type { SourceOptions } from '../pipeline/normalize';
import type { NormalizedBatch } from '../store/event-writer';
import { workerScript } from '../worker-script';

export interface NormalizerThreadData {
  drain: DrainState;
}

export type NormalizeRequest =
  | { kind: 'source'; key: number; options: SourceOptions }
  | { kind: 'close'; key: number }
  /** Lines before the source's first, for its parser's memory only (SourceNormalizer.warm). */
  | { kind: 'warm'; key: number; lines: string[] }
  /** Lines joined with '\n' (a line never holds one). */
  | { kind: 'lines'; seq: number; key: number; lines: string; count: number }
  | { kind: 'state'; seq: number };

export type NormalizeReply =
  | { kind: 'batch'; seq: number; batch: NormalizedBatch }
  | { kind: 'state'; seq: number; state: DrainState }
  | { kind: 'error'; message: string };

interface Pending {
  seq: number;
  resolve: (r: NormalizeReply) => void;
  reject: (err: Error) => void;
}

export class NormalizerThread {
  private readonly worker: Worker;
  private readonly pending: Pending[] = [];
  private seq = 0;
  private failure: Error | null = null;

  private constructor(code: string, isEval: boolean, data: NormalizerThreadData) {
    this.worker = new Worker(code, { eval: isEval, workerData: data });
    this.worker.on('message', (m: NormalizeReply) => {
      if (m.kind === 'error') return this.fail(new Error(`The normalizing thread failed: ${m.message}`));
      const p = this.pending.shift();
      if (!p || p.seq !== m.seq) return this.fail(new Error('the normalizing thread answered out of order'));
      p.resolve(m);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the normalizing thread stopped (exit code ${code})`)));
  }

  /** A thread mining with a copy of `data.drain`; null where this build has no worker script. */
  static start(data: NormalizerThreadData): NormalizerThread | null {
    const s = workerScript(import.meta.url, 'normalize-worker', 'normalize-worker.ts');
    return s ? new NormalizerThread(s.code, s.eval, data) : null;
  }


  source(key: number, options: SourceOptions): void {
    this.post({ kind: 'source', key, options });
  }

  warm(key: number, lines: string[]): void {
    this.post({ kind: 'warm', key, lines });
  }

  close(key: number): void {
    this.post({ kind: 'close', key });
  }

  /** Normalize `count` lines of member `key`, joined with '\n' (a line never holds one). */
  async lines(key: number, joined: string, count: number): Promise<NormalizedBatch> {
    const r = await this.ask((seq) => ({ kind: 'lines', seq, key, lines: joined, count }));
    if (r.kind !== 'batch') throw new Error('the normalizing thread answered a batch with something else');
    return r.batch;
  }

  /** The miner's state once every batch sent before has been normalized. */
  async state(): Promise<DrainState> {
    const r = await this.ask((seq) => ({ kind: 'state', seq }));
    if (r.kind !== 'state') throw new Error('the normalizing thread answered a state request with something else');
    return r.state;
  }

  stop(): void {
    this.failure ??= new Error('the normalizing thread was stopped');
    this.worker.removeAllListeners('exit');
    void this.worker.terminate();
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  private ask(make: (seq: number) => NormalizeRequest): Promise<NormalizeReply> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = ++this.seq;
    const reply = new Promise<NormalizeReply>((resolve, reject) => this.pending.push({ seq, resolve, reject }));
    this.worker.postMessage(make(seq));
    return reply;
  }

  private post(m: NormalizeRequest): void {
    if (!this.failure) this.worker.postMessage(m);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    void this.worker.terminate();
    for (const p of this.pending.splice(0)) p.reject(err);
  }
}
