/**
 * Syslog over UDP (RFC 5426): one message per datagram. UDP cannot push back on a sender, and
 * the engine's thread spends long stretches storing batches, so the socket is read by a thread
 * of its own: it always drains the kernel's buffer and hands the engine datagrams in batches.
 * What has been handed over but not yet queued is bounded; beyond it a datagram is dropped and
 * counted, never buffered without bound. What the kernel drops before the thread reads it (the
 * socket's receive buffer was full) is read from /proc/net/udp where Linux gives it, and counted
 * beside the collector's own drops.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../errors';
import { bindError } from './bind-error';
import type { Recorder } from './recorder';
import { formatAddress, peerAddress, type DropReason } from './types';

export interface UdpListenerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** Asked of the kernel; it may grant less (Linux caps it at net.core.rmem_max). */
  recvBufferSize: number;
  /** Most messages and bytes handed to the engine but not yet in its queue. */
  inFlight?: { messages: number; bytes: number };
}

/** Datagrams the reader thread hands over at once (parallel arrays: cheap to clone). */
interface Batch {
  kind: 'batch';
  lines: string[];
  senders: string[];
  ports: number[];
  receivedAt: number[];
  bytes: number;
  drops: [DropReason, string, number][];
}

type FromReader =
  | { kind: 'bound'; address: string; port: number; granted: number; bufferError: string | null; inode: string | null }
  | { kind: 'bindError'; code: string | undefined; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'closed' }
  | Batch;

/**
 * The reader thread, plain JavaScript run with `eval` so it needs no build step of its own and
 * runs the same from sources (tests) and from the bundle. It only uses node:dgram.
 */
const READER = String.raw`
const { parentPort, workerData: o } = require('node:worker_threads');
const dgram = require('node:dgram');
const FLUSH_MS = 2, FLUSH_AT = 512;
let lines = [], senders = [], ports = [], times = [], bytes = 0, drops = new Map(), timer = null;
let inFlightMessages = 0, inFlightBytes = 0;
const socket = dgram.createSocket({ type: o.type, reuseAddr: false });
const peer = (a) => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
function drop(reason, sender) {
  const k = reason + '\u0000' + sender;
  drops.set(k, (drops.get(k) || 0) + 1);
  schedule();
}
function flush() {
  if (timer) { clearTimeout(timer); timer = null; }
  if (lines.length === 0 && drops.size === 0) return;
  const d = [];
  for (const [k, n] of drops) { const i = k.indexOf('\u0000'); d.push([k.slice(0, i), k.slice(i + 1), n]); }
  inFlightMessages += lines.length; inFlightBytes += bytes;
  parentPort.postMessage({ kind: 'batch', lines, senders, ports, receivedAt: times, bytes, drops: d });
  lines = []; senders = []; ports = []; times = []; bytes = 0; drops = new Map();
}
function schedule() {
  if (lines.length >= FLUSH_AT) flush();
  else if (!timer) timer = setTimeout(flush, FLUSH_MS);
}
socket.on('message', (buf, rinfo) => {
  const sender = peer(rinfo.address);
  if (buf.length > o.maxMessageBytes) return drop('oversize', sender);
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d || buf[end - 1] === 0)) end--;
  if (end === 0) return drop('malformed', sender);
  if (inFlightMessages + lines.length >= o.inFlight.messages || inFlightBytes + bytes + end >= o.inFlight.bytes) return drop('queueFull', sender);
  lines.push(buf.toString('utf8', 0, end)); senders.push(sender); ports.push(rinfo.port); times.push(Date.now());
  bytes += end;
  schedule();
});
socket.on('error', (err) => parentPort.postMessage({ kind: 'error', message: err.message }));
parentPort.on('message', (m) => {
  if (m.kind === 'ack') { inFlightMessages -= m.messages; inFlightBytes -= m.bytes; }
  else if (m.kind === 'stop') { flush(); socket.close(() => parentPort.postMessage({ kind: 'closed' })); }
});
socket.once('error', (err) => parentPort.postMessage({ kind: 'bindError', code: err.code, message: err.message }));
socket.bind({ address: o.host, port: o.port, exclusive: true }, () => {
  socket.removeAllListeners('error');
  socket.on('error', (err) => parentPort.postMessage({ kind: 'error', message: err.message }));
  let bufferError = null;
  try { socket.setRecvBufferSize(o.recvBufferSize); } catch (err) { bufferError = err.message; }
  const a = socket.address();
  // The socket's inode finds its row (and the kernel's drop count) in /proc/net/udp on Linux.
  let inode = null;
  try {
    const state = Object.getOwnPropertySymbols(socket).find((k) => String(k) === 'Symbol(state symbol)');
    const link = require('node:fs').readlinkSync('/proc/self/fd/' + socket[state].handle.fd);
    inode = (/^socket:\[(\d+)\]$/.exec(link) || [])[1] || null;
  } catch { /* not Linux */ }
  parentPort.postMessage({ kind: 'bound', address: a.address, port: a.port, granted: socket.getRecvBufferSize(), bufferError, inode });
});
`;

export class UdpListener {
  private worker: Worker | null = null;
  private bound: string | null = null;
  private grantedBuffer = 0;
  private inode: string | null = null;
  /** The last count read, kept once the socket is closed and its row is gone. */
  private lastKernelDrops: number | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly options: UdpListenerOptions,
    private readonly sink: Recorder,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    const { host, port } = this.options;
    const inFlight = this.options.inFlight ?? { messages: 100_000, bytes: 64 * 1024 * 1024 };
    const worker = new Worker(READER, {
      eval: true,
      workerData: { host, port, type: isIPv6(host) ? 'udp6' : 'udp4', maxMessageBytes: this.options.maxMessageBytes, recvBufferSize: this.options.recvBufferSize, inFlight },
    });
    this.worker = worker;
    const counters = this.sink.for('udp');
    let closedResolve: () => void = () => {};
    this.closed = new Promise<void>((r) => (closedResolve = r));
    worker.once('exit', () => closedResolve());
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: FromReader) => {
        switch (m.kind) {
          case 'batch':
            this.onBatch(m);
            break;
          case 'bound':
            this.bound = formatAddress(peerAddress(m.address), m.port);
            // Linux reports twice what it grants (the kernel's bookkeeping share); either way it is what we have.
            this.grantedBuffer = m.granted;
            this.inode = m.inode;
            if (m.bufferError) counters.lastError = `could not enlarge the UDP receive buffer: ${m.bufferError}`;
            resolve();
            break;
          case 'bindError':
            reject(Object.assign(new Error(m.message), { code: m.code }));
            break;
          case 'error':
            this.sink.noteError('udp', new Error(m.message));
            break;
          case 'closed':
            void worker.terminate();
            break;
        }
      });
    });
    try {
      await ready;
    } catch (err) {
      this.worker = null;
      await worker.terminate();
      if (err instanceof EngineError) throw err;
      throw bindError(err, 'The UDP syslog listener', host, port);
    }
    worker.on('error', (err) => this.sink.noteError('udp', err));
  }

  private onBatch(b: Batch): void {
    for (const [reason, sender, n] of b.drops) this.sink.drop('udp', reason, sender, n);
    for (let i = 0; i < b.lines.length; i++) {
      const sender = b.senders[i]!;
      const msg = { source: 'udp' as const, line: b.lines[i]!, receivedAt: b.receivedAt[i] ?? this.now(), sender, senderPort: b.ports[i] };
      if (!this.sink.push(msg)) this.sink.drop('udp', 'queueFull', sender);
    }
    this.worker?.postMessage({ kind: 'ack', messages: b.lines.length, bytes: b.bytes });
  }

  address(): string | null {
    return this.bound;
  }

  /** The receive buffer the kernel granted, in bytes. */
  receiveBufferBytes(): number {
    return this.grantedBuffer;
  }

  /**
   * Datagrams the kernel dropped on this socket because its receive buffer was full: the `drops`
   * column of the socket's row in /proc/net/udp (or udp6). Null where the platform does not say.
   */
  kernelDrops(): number | null {
    if (this.inode === null || this.worker === null) return this.lastKernelDrops;
    for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
      let text: string;
      try {
        text = readFileSync(table, 'latin1');
      } catch {
        continue;
      }
      // Columns: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops.
      for (const line of text.split('\n')) {
        const cols = line.trim().split(/\s+/);
        if (cols[9] !== this.inode) continue;
        const drops = Number(cols[12]);
        if (Number.isFinite(drops)) this.lastKernelDrops = drops;
        return this.lastKernelDrops;
      }
    }
    return this.lastKernelDrops;
  }

  /** Stops reading; every datagram read before is handed over first. */
  async stop(): Promise<void> {
    this.kernelDrops();
    const worker = this.worker;
    this.worker = null;
    this.bound = null;
    if (worker === null) return;
    worker.postMessage({ kind: 'stop' });
    const timeout = setTimeout(() => void worker.terminate(), 2000);
    await this.closed;
    clearTimeout(timeout);
  }
}
