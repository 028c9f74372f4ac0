/**
 * How a host talks to its engine: request/reply plus pushed events. The worker link is what both
 * hosts use; the in-process link runs the same engine on the caller's thread, for tests and tools.
 */
import { Worker } from 'node:worker_threads';
import type { Envelope } from '../../src-shared/envelope';
import { fail } from '../../src-shared/envelope';
import { createDispatcher } from './dispatcher';
import { Engine } from './engine';
import { ENGINE_YOUNG_GENERATION_MB } from './heap-policy';
import type { EngineWorkerData, FromEngine, ToEngine } from './protocol';

export type EventListener = (name: string, payload: unknown) => void;

export interface EngineLink {
  request(method: string, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: EventListener): () => void;
  close(): Promise<void>;
}

export class WorkerEngineLink implements EngineLink {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Envelope<unknown>) => void>();
  private readonly listeners = new Set<EventListener>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly workerPath: string,
    private readonly data: EngineWorkerData,
  ) {}

  request(method: string, input: unknown): Promise<Envelope<unknown>> {
    if (this.closing) return Promise.resolve(fail('internal', 'The engine is shutting down.'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolveReply) => {
      this.pending.set(id, resolveReply);
      const msg: ToEngine = { type: 'request', id, method, input };
      try {
        worker.postMessage(msg);
      } catch (err) {
        this.pending.delete(id);
        // Only structured-cloneable input can cross; anything else is the caller's mistake.
        resolveReply(fail('invalid_input', `Input for ${method} cannot be sent to the engine: ${(err as Error).message}`));
      }
    });
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const worker = this.worker;
    this.closing = !worker
      ? Promise.resolve()
      : new Promise<void>((done) => {
          const timer = setTimeout(() => void worker.terminate().then(() => done()), 10_000);
          worker.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          worker.postMessage({ type: 'shutdown' } satisfies ToEngine);
        });
    return this.closing;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: ENGINE_YOUNG_GENERATION_MB } });
    worker.on('message', (msg: FromEngine) => {
      if (msg.type === 'reply') {
        this.pending.get(msg.id)?.(msg.reply);
        this.pending.delete(msg.id);
      } else if (msg.type === 'event') {
        for (const l of this.listeners) l(msg.name, msg.payload);
      }
    });
    worker.on('error', (err) => console.error('[vigil] engine worker failed:', err));
    worker.on('exit', (code) => {
      this.worker = null;
      // Whatever was in flight will never be answered: say so rather than hang the caller.
      for (const [id, resolveReply] of this.pending) {
        resolveReply(fail('internal', `The engine stopped (exit code ${code}) before answering; the case is safe, try again.`));
        this.pending.delete(id);
      }
      if (!this.closing) for (const l of this.listeners) l('cases.changed', null);
    });
    this.worker = worker;
    return worker;
  }
}

export class InProcessEngineLink implements EngineLink {
  private readonly listeners = new Set<EventListener>();
  readonly engine: Engine;
  private readonly dispatch;

  constructor(data: EngineWorkerData) {
    this.engine = new Engine({
      ...data,
      emit: (name, payload) => {
        for (const l of this.listeners) l(name, payload);
      },
    });
    this.dispatch = createDispatcher(this.engine.handlers);
  }

  request(method: string, input: unknown): Promise<Envelope<unknown>> {
    return this.dispatch(method, input);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
