/**
 * The HTTP plumbing the OTLP and webhook receivers share: one POST path, bounded bodies,
 * Content-Encoding, authentication, and all-or-nothing delivery to the queue (a request is
 * either queued whole or refused with 429 so the sender retries it, never half-taken).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bindError } from './bind-error';
import { authFailure, type HttpAuth } from './http-auth';
import { decodeBody, HttpError, readBody } from './http-body';
import { messageCost, type LiveQueue } from './queue';
import type { Recorder } from './recorder';
import { formatAddress, peerAddress, type LiveMessage } from './types';

export interface HttpReply {
  status: number;
  contentType: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}

export interface HttpRequestContext {
  req: IncomingMessage;
  /** The body after Content-Encoding was undone. */
  body: Buffer;
  receivedAt: number;
  sender: string;
  /** Queues every line or none; false means the queue had no room (the caller answers 429). */
  deliver(lines: readonly string[]): boolean;
}

export interface HttpReceiverOptions {
  source: 'otlp' | 'webhook';
  what: string;
  host: string;
  port: number;
  path: string;
  maxBodyBytes: number;
  auth: HttpAuth;
  handle(ctx: HttpRequestContext): HttpReply;
  /** The error body in the receiver's own dialect (OTLP wants a Status message). */
  errorReply(status: number, message: string, req: IncomingMessage): HttpReply;
}

export class HttpReceiver {
  private server: http.Server | null = null;
  private bound: string | null = null;

  constructor(
    private readonly options: HttpReceiverOptions,
    private readonly sink: Recorder,
    private readonly queue: LiveQueue,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    const { host, port, what } = this.options;
    const server = http.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.server = null;
      server.close();
      throw bindError(err, what, host, port);
    }
    server.on('error', (err) => this.sink.noteError(this.options.source, err));
    server.on('connection', () => {
      const c = this.sink.for(this.options.source);
      c.connectionsTotal++;
    });
    const a = server.address() as AddressInfo;
    this.bound = formatAddress(a.address, a.port);
  }

  address(): string | null {
    return this.bound;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { source, auth } = this.options;
    const counters = this.sink.for(source);
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== this.options.path) throw new HttpError(404, `nothing here; post to ${this.options.path}`);
      if (req.method !== 'POST') throw new HttpError(405, `use POST ${this.options.path}`);
      // A bearer token can be checked before reading a possibly large body from a stranger.
      if (auth.kind === 'bearer') this.authorize(authFailure(auth, req.headers, []));
      const raw = await readBody(req, this.options.maxBodyBytes);
      const body = await decodeBody(raw, req.headers['content-encoding'], this.options.maxBodyBytes);
      if (auth.kind === 'hmac') this.authorize(authFailure(auth, req.headers, body === raw ? [raw] : [raw, body]));
      const receivedAt = this.now();
      const sender = peerAddress(req.socket.remoteAddress);
      const senderPort = req.socket.remotePort;
      const deliver = (lines: readonly string[]): boolean => this.deliver(lines, receivedAt, sender, senderPort);
      this.reply(res, this.options.handle({ req, body, receivedAt, sender, deliver }));
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (status === 401) counters.unauthorized++;
      else if (status >= 400 && status !== 429) counters.lastError = `${req.method} ${req.url}: ${message}`;
      const reply = this.options.errorReply(status, message, req);
      if (status === 429) reply.headers = { ...reply.headers, 'Retry-After': '1' };
      if (status === 405) reply.headers = { ...reply.headers, Allow: 'POST' };
      this.reply(res, reply);
      // An unread body would otherwise be parsed as the next request on a kept-alive connection.
      if (!req.complete) req.resume();
    }
  }

  private authorize(failure: string | null): void {
    if (failure !== null) throw new HttpError(401, failure);
  }

  private deliver(lines: readonly string[], receivedAt: number, sender: string, senderPort: number | undefined): boolean {
    const { source } = this.options;
    const msgs: LiveMessage[] = lines.map((line) => ({ source, line, receivedAt, sender, senderPort }));
    const cost = msgs.reduce((sum, m) => sum + messageCost(m), 0);
    if (msgs.length > this.queue.maxMessages || cost > this.queue.maxBytes) {
      // Retrying could never succeed: say so instead of answering 429 forever.
      this.sink.drop(source, 'oversize', sender, msgs.length);
      throw new HttpError(413, `the request holds ${msgs.length} records (${cost} bytes), more than the collector queue can ever hold; send smaller batches`);
    }
    if (!this.queue.hasRoom(msgs.length, cost)) {
      this.sink.drop(source, 'queueFull', sender, msgs.length);
      return false;
    }
    for (const m of msgs) this.sink.push(m);
    return true;
  }

  private reply(res: ServerResponse, reply: HttpReply): void {
    if (res.headersSent) return;
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, ...reply.headers });
    res.end(reply.body);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.bound = null;
    if (server === null) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
