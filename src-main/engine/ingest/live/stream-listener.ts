/**
 * Syslog over TCP (RFC 6587) and over TLS (RFC 5425). Each connection gets its own frame decoder.
 * When the queue is full a connection stops reading, so the kernel's window closes and the sender
 * slows down: real backpressure, nothing dropped. A stream whose framing is lost for good (a
 * corrupt octet count) is closed, and the connection guard closes or turns away connections so
 * that no one sender can hold the listener (per-sender limit, idle and read timeouts, eviction).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { EngineError } from '../../errors';
import { bindError } from './bind-error';
import { ConnectionGuard, type Guarded, type GuardLimits } from './connection-guard';
import { emptyResult, SyslogFrameDecoder } from './framing';
import type { LiveQueue } from './queue';
import type { Recorder } from './recorder';
import { formatAddress, peerAddress, type LiveMessage } from './types';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle to verify client certificates against (mutual TLS, as RFC 5425 recommends). */
  caFile?: string;
  /** Refuse clients without a certificate signed by `caFile`. */
  requireClientCert: boolean;
}

export interface StreamListenerOptions {
  kind: 'tcp' | 'tls';
  host: string;
  port: number;
  maxFrameBytes: number;
  limits: GuardLimits;
  tls?: TlsFiles;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new EngineError('io_error', `The TLS ${what} ${path} could not be read: ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`, { errno: e.code });
  }
}

/** Loads the analyst's certificate and key now, so a bad file fails `start` with a clear message. */
function secureOptions(files: TlsFiles): tls.TlsOptions {
  const options: tls.TlsOptions = {
    cert: readPem(files.certFile, 'certificate'),
    key: readPem(files.keyFile, 'private key'),
    minVersion: 'TLSv1.2',
    requestCert: files.requireClientCert || files.caFile !== undefined,
    rejectUnauthorized: files.requireClientCert,
  };
  if (files.caFile !== undefined) options.ca = readPem(files.caFile, 'CA bundle');
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new EngineError('invalid_input', `The TLS certificate ${files.certFile} and key ${files.keyFile} cannot be used: ${(err as Error).message}`);
  }
  return options;
}

export class StreamListener {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private bound: string | null = null;
  private readonly stopping = new AbortController();
  private readonly guard: ConnectionGuard;

  constructor(
    private readonly options: StreamListenerOptions,
    private readonly sink: Recorder,
    private readonly queue: LiveQueue,
    private readonly now: () => number,
  ) {
    this.guard = new ConnectionGuard(options.limits, sink.for(options.kind).refused, now);
  }

  async start(): Promise<void> {
    const { kind, host, port } = this.options;
    const what = kind === 'tls' ? 'The TLS syslog listener' : 'The TCP syslog listener';
    let server: net.Server;
    if (kind === 'tls') {
      if (this.options.tls === undefined) throw new EngineError('invalid_input', `${what} needs a certificate and a key`);
      // The guard cuts a slow handshake at the read timeout; Node's own timer is only a backstop.
      server = tls.createServer({ ...secureOptions(this.options.tls), handshakeTimeout: this.options.limits.readTimeoutMs + 5000 }, (socket) => this.accept(socket));
      // Admission runs before TLS wraps the socket, so a refused connection costs no handshake.
      server.prependListener('connection', (raw: net.Socket) => this.admit(raw, true));
      server.on('tlsClientError', (err, socket) => {
        // A connection the guard refused or cut is counted already; its broken handshake is no news.
        if (socket.destroyed && !this.byPeer.has(peerKey(socket))) return;
        this.sink.noteError(kind, `TLS handshake with ${peerAddress(socket.remoteAddress)} failed: ${err.message}`);
      });
    } else {
      server = net.createServer();
      server.on('connection', (socket: net.Socket) => {
        if (this.admit(socket, false)) this.accept(socket);
      });
    }
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true, ipv6Only: false }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.server = null;
      server.close();
      throw bindError(err, what, host, port);
    }
    server.on('error', (err) => this.sink.noteError(kind, err));
    this.guard.start();
    const a = server.address() as net.AddressInfo;
    this.bound = formatAddress(a.address, a.port);
  }

  address(): string | null {
    return this.bound;
  }

  /** Connections the guard let in, by peer (the raw socket and its TLS socket share the peer). */
  private readonly byPeer = new Map<string, Guarded>();

  private admit(raw: net.Socket, handshake: boolean): boolean {
    const g = this.guard.admit(raw);
    if (g === null) return false;
    g.handshaking = handshake;
    const key = peerKey(raw);
    this.byPeer.set(key, g);
    raw.once('close', () => {
      if (this.byPeer.get(key) === g) this.byPeer.delete(key);
    });
    return true;
  }

  private accept(socket: net.Socket): void {
    const { kind } = this.options;
    const g = this.byPeer.get(peerKey(socket));
    if (g === undefined) {
      // Cut by the guard while its handshake finished.
      socket.destroy();
      return;
    }
    g.handshaking = false;
    const counters = this.sink.for(kind);
    counters.connectionsOpen++;
    counters.connectionsTotal++;
    this.sockets.add(socket);
    const sender = peerAddress(socket.remoteAddress);
    const senderPort = socket.remotePort;
    const decoder = new SyslogFrameDecoder(this.options.maxFrameBytes);
    // Frames decoded but not yet queued; bounded by one chunk because reading pauses meanwhile.
    let pending: LiveMessage[] = [];
    let next = 0;
    let waiting = false;
    let closing = false;
    let fatal = false;
    const finish = (): void => {
      // A stream with lost framing is cut at once: whatever the peer sends next cannot be framed.
      if (fatal) socket.destroy();
      else socket.end();
    };

    const flush = (): boolean => {
      while (next < pending.length) {
        if (!this.sink.push(pending[next]!)) return false;
        next++;
      }
      pending = [];
      next = 0;
      return true;
    };
    const drain = (): void => {
      if (flush()) {
        waiting = false;
        this.guard.setPaused(g, false);
        if (closing) finish();
        else socket.resume();
        return;
      }
      if (this.stopping.signal.aborted || this.queue.isClosed) return;
      void this.queue.waitForSpace(this.stopping.signal).then(drain);
    };
    const deliver = (result: ReturnType<typeof emptyResult>): void => {
      if (result.oversize > 0) this.sink.drop(kind, 'oversize', sender, result.oversize);
      if (result.malformed > 0) this.sink.drop(kind, 'malformed', sender, result.malformed);
      const receivedAt = this.now();
      for (const line of result.frames) pending.push({ source: kind, line, receivedAt, sender, senderPort });
      if (result.fatal !== null) {
        this.sink.noteError(kind, `closed the connection from ${sender}: ${result.fatal}`);
        closing = true;
        fatal = true;
      }
      if (waiting) return;
      if (!flush()) {
        waiting = true;
        this.guard.setPaused(g, true);
        socket.pause();
        void this.queue.waitForSpace(this.stopping.signal).then(drain);
        return;
      }
      if (closing) finish();
    };

    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      const at = this.now();
      g.lastActivity = at;
      deliver(decoder.push(chunk, emptyResult()));
      g.frameSince = decoder.midFrame ? (g.frameSince ?? at) : null;
    });
    g.onCut = (why) => {
      if (closing) return;
      closing = true;
      this.sink.noteError(kind, `closed the connection from ${sender}: ${CUT_WHY[why]}`);
      // Keep what it had sent: a last line without its newline is still a line. Nothing waits
      // for room in the queue for a connection being cut.
      const last = decoder.end(emptyResult());
      if (last.malformed > 0) this.sink.drop(kind, 'malformed', sender, last.malformed);
      const receivedAt = this.now();
      for (const m of [...pending.slice(next), ...last.frames.map((line): LiveMessage => ({ source: kind, line, receivedAt, sender, senderPort }))]) {
        if (!this.sink.push(m)) this.sink.drop(kind, 'queueFull', sender);
      }
      pending = [];
      next = 0;
    };
    socket.on('end', () => {
      if (closing) return;
      closing = true;
      deliver(decoder.end(emptyResult()));
    });
    socket.on('error', (err) => this.sink.noteError(kind, `connection from ${sender}: ${err.message}`));
    socket.on('close', () => {
      counters.connectionsOpen--;
      this.sockets.delete(socket);
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.guard.stop();
    const server = this.server;
    this.server = null;
    this.bound = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const CUT_WHY = {
  idle: 'it sent nothing for longer than the idle timeout',
  slow: 'a frame (or its TLS handshake) took longer than the read timeout',
  evicted: 'the listener was full; the quietest connection made room for a new sender',
} as const;

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}
