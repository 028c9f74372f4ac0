/**
 * The bridge's WebSocket connections, with back-pressure. A client can have at most
 * MAX_IN_FLIGHT requests whose replies are not yet written out; at that many, or while more than
 * MAX_QUEUED_BYTES wait to be sent to it, its socket is not read, so its own TCP window closes and
 * it waits. A client that stops reading therefore costs a bounded amount of memory instead of
 * every reply it keeps asking for (3,000 searches of 1,000 rows grew the host by 1 GB). Pushed
 * events still go to a slow client, but one that falls MAX_UNREAD_BYTES behind is disconnected
 * (the workbench reconnects by itself).
 */
import type { WebSocket } from 'ws';
import type { Envelope } from '../../../src-shared/envelope';
import type { EngineLink } from '../../engine/link';

export const MAX_IN_FLIGHT = 32;
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
export const MAX_UNREAD_BYTES = 256 * 1024 * 1024;

/** Messages over the bridge socket; the same shapes as the worker protocol, plus ids. */
type ClientMessage = { id: number; method: string; input: unknown };

export interface BridgeHooks {
  /** Every reply before it is sent (the host learns of uploads being imported). */
  onReply?: (method: string, reply: Envelope<unknown>) => void;
}

class Connection {
  inFlight = 0;
  /**
   * Requests read but not yet started: a socket read can hold many small frames, which ws still
   * delivers after a pause. Bounded by that read (and maxPayload), not by the client's patience.
   */
  readonly waiting: (() => void)[] = [];
  private paused = false;

  constructor(readonly ws: WebSocket) {}

  private get full(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT || this.ws.bufferedAmount > MAX_QUEUED_BYTES;
  }

  /** Starts a request now, or once the client is back within its limits. */
  run(start: () => void): void {
    if (this.full || this.waiting.length > 0) this.waiting.push(start);
    else {
      this.inFlight++;
      start();
    }
    this.regulate();
  }

  /** Reads from the socket, and starts waiting requests, only while the client is within its limits. */
  regulate(): void {
    while (this.waiting.length > 0 && !this.full) {
      this.inFlight++;
      this.waiting.shift()!();
    }
    const hold = this.full || this.waiting.length > 0;
    if (hold && !this.paused) {
      this.paused = true;
      this.ws.pause();
    } else if (!hold && this.paused) {
      this.paused = false;
      this.ws.resume();
    }
  }

  /** Sends a reply; the request it answers stops counting once the reply is written out. */
  reply(frame: string): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      this.inFlight--;
      return;
    }
    this.ws.send(frame, () => {
      this.inFlight--;
      this.regulate();
    });
    this.regulate();
  }
}

export class BridgeConnections {
  private readonly open = new Set<Connection>();

  constructor(
    private readonly link: EngineLink,
    private readonly hooks: BridgeHooks = {},
  ) {}

  attach(ws: WebSocket): void {
    const c = new Connection(ws);
    this.open.add(c);
    ws.on('close', () => {
      this.open.delete(c);
      c.waiting.length = 0;
    });
    // A frame over maxPayload or broken framing: ws closes the connection (1009/1002) and emits
    // 'error', which without a listener would take the whole host down.
    ws.on('error', (err) => process.stderr.write(`[vigil] bridge connection dropped: ${(err as Error).message}\n`));
    ws.on('message', (data) => c.run(() => this.handle(c, data)));
  }

  private handle(c: Connection, data: unknown): void {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(String(data)) as ClientMessage;
    } catch {
      return c.reply(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'invalid_input', message: 'Not JSON' } } }));
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number' || typeof msg.method !== 'string') {
      return c.reply(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'invalid_input', message: 'Expected {id, method, input}' } } }));
    }
    void this.link.request(msg.method, msg.input).then((reply) => {
      this.hooks.onReply?.(msg.method, reply);
      c.reply(JSON.stringify({ id: msg.id, reply }));
    });
  }

  broadcast(name: string, payload: unknown): void {
    if (this.open.size === 0) return;
    const frame = JSON.stringify({ event: name, payload });
    for (const c of this.open) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (c.ws.bufferedAmount > MAX_UNREAD_BYTES) {
        process.stderr.write(`[vigil] a bridge client fell ${Math.round(c.ws.bufferedAmount / 2 ** 20)} MB behind reading; disconnected\n`);
        c.ws.terminate();
        continue;
      }
      c.ws.send(frame, () => c.regulate());
    }
  }

  close(): void {
    for (const c of this.open) c.ws.terminate();
    this.open.clear();
  }
}
