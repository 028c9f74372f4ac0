/**
 * Copies the case's write-ahead log back into the database file from a thread of its own.
 *
 * SQLite checkpoints in whichever connection commits past `wal_autocheckpoint`, which for a bulk
 * import is the engine's: every few seconds a commit stalled while tens of megabytes were copied
 * and synced, and queries from the workbench waited behind it. A second connection in this thread
 * runs PASSIVE checkpoints instead (they never block the writer or readers), so that copying
 * overlaps the import on the other core. The engine's connection keeps a large autocheckpoint as a
 * backstop should this thread ever fall far behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Plain JavaScript run with `eval`: no build step of its own, same code from sources and bundle. */
const CHECKPOINTER = String.raw`
const { parentPort, workerData: o } = require('node:worker_threads');
const Database = require(o.module);
const db = new Database(o.path, o.nativeBinding ? { nativeBinding: o.nativeBinding } : {});
// Never wait on a lock: a checkpoint that cannot run now runs on the next tick.
db.pragma('busy_timeout = 0');
let timer = null;
function tick() {
  timer = null;
  let behind = false;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    behind = r.log > 0 && r.checkpointed < r.log;
  } catch (err) {
    if (!/busy|locked/i.test(String(err && err.message))) parentPort.postMessage({ error: String(err && err.message) });
  }
  timer = setTimeout(tick, behind ? o.catchUpMs : o.idleMs);
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  if (timer) clearTimeout(timer);
  try { db.close(); } catch {}
  Atomics.store(o.stopped, 0, 1);
  Atomics.notify(o.stopped, 0);
});
tick();
`;

export interface CheckpointerOptions {
  nativeBinding?: string;
  /** Pause between checkpoints while the log is being written faster than copied back. */
  catchUpMs?: number;
  /** Pause between checkpoints otherwise. */
  idleMs?: number;
}

export class Checkpointer {
  private readonly worker: Worker;
  /** Set to 1 by the thread once its connection is closed. */
  private readonly stopped = new Int32Array(new SharedArrayBuffer(4));
  lastError: string | null = null;

  constructor(path: string, opts: CheckpointerOptions = {}) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: { path, module, nativeBinding: opts.nativeBinding, catchUpMs: opts.catchUpMs ?? 20, idleMs: opts.idleMs ?? 250, stopped: this.stopped },
    });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error) this.lastError = m.error;
    });
    // A checkpointer that cannot start (no module, no file) only costs the backstop's pauses.
    this.worker.on('error', (err) => (this.lastError = err.message));
    this.worker.unref();
  }

  /**
   * Stop checkpointing and wait (at most `timeoutMs`, synchronously) until its connection is
   * closed, so the caller's final checkpoint can fold the whole log back into the file.
   */
  stop(timeoutMs = 2000): void {
    this.worker.postMessage('stop');
    Atomics.wait(this.stopped, 0, 0, timeoutMs);
    void this.worker.terminate();
  }
}
