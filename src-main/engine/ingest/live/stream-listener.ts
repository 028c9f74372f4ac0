/**
 * Syslog over TCP (RFC 6587) and over TLS (RFC 5425). Each connection gets its own frame decoder.
 * When the queue is full a connection stops reading, so the kernel's window closes and the sender
 * slows down: real backpressure, nothing dropped. Only a stream whose framing is lost for good
 * (a corrupt octet count) is closed.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { EngineError } from '../../errors';
import { bindError } from './bind-error';
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
  maxConnections: number;
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

  constructor(
    private readonly options: StreamListenerOptions,
    private readonly sink: Recorder,
    private readonly queue: LiveQueue,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    const { kind, host, port } = this.options;
    const what = kind === 'tls' ? 'The TLS syslog listener' : 'The TCP syslog listener';
    let server: net.Server;
    if (kind === 'tls') {
      if (this.options.tls === undefined) throw new EngineError('invalid_input', `${what} needs a certificate and a key`);
      server = tls.createServer(secureOptions(this.options.tls), (socket) => this.accept(socket));
      server.on('tlsClientError', (err, socket) => this.sink.noteError(kind, `TLS handshake with ${peerAddress(socket.remoteAddress)} failed: ${err.message}`));
    } else {
      server = net.createServer((socket) => this.accept(socket));
    }
    server.maxConnections = this.options.maxConnections;
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
    const a = server.address() as net.AddressInfo;
    this.bound = formatAddress(a.address, a.port);
  }

  address(): string | null {
    return this.bound;
  }

  private accept(socket: net.Socket): void {
    const { kind } = this.options;
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
        socket.pause();
        void this.queue.waitForSpace(this.stopping.signal).then(drain);
        return;
      }
      if (closing) finish();
    };

    socket.on('data', (chunk: Buffer) => {
      if (!closing) deliver(decoder.push(chunk, emptyResult()));
    });
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
    const server = this.server;
    this.server = null;
    this.bound = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
