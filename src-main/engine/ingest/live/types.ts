/**
 * Shapes shared by every live source. A source hands the pipeline raw lines only; parsing (and
 * choosing header time over receive time) stays in the pipeline so replay and live agree.
 */

/** The listener a message came from; also the key of per-source counters. */
export type LiveSourceId = 'udp' | 'tcp' | 'tls' | 'otlp' | 'webhook' | 'tail';

export const LIVE_SOURCE_IDS: readonly LiveSourceId[] = ['udp', 'tcp', 'tls', 'otlp', 'webhook', 'tail'];

/** Where a tailed line ends in its file, so a committed batch can advance the file's checkpoint. */
export interface TailCursor {
  /** The followed file's identity key (see file-identity.ts). */
  key: string;
  /** Which content of that file (bumped on truncation), so stale cursors cannot move a checkpoint. */
  generation: number;
  /** Byte offset just past this line's newline. */
  offset: number;
}

export interface LiveMessage {
  source: LiveSourceId;
  /** One log line, without its frame header or trailing newline. */
  line: string;
  /** Epoch ms when the frame was received (the event time when the line has no usable one). */
  receivedAt: number;
  /** The peer's IP address (IPv4-mapped IPv6 shown as IPv4), or the path of a tailed file. */
  sender: string;
  /** The peer's port, for network sources. */
  senderPort?: number;
  /** Set for tailed lines only. */
  cursor?: TailCursor;
}

/** Why a message never reached the queue. */
export type DropReason = 'queueFull' | 'oversize' | 'malformed';

/** Everything a listener needs to report into: counters and the queue are behind this. */
export interface MessageSink {
  /** Offer a message; false when the queue is full (the caller decides: drop or pause). */
  push(msg: LiveMessage): boolean;
  /** Count a message the listener could not deliver. */
  drop(source: LiveSourceId, reason: DropReason, sender?: string): void;
}

/** `ip:port`, bracketing IPv6 so the port stays unambiguous. */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; analysts know them as `a.b.c.d`. */
export function peerAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
