/**
 * Keeps a stream listener (TCP, TLS) open to every sender. Without it, one host that opens the
 * listener's connection limit and sends nothing holds it for ever, and every other sender is
 * reset. Here:
 * - one sender (an IPv4 address, or an IPv6 /64, which one machine usually owns whole) may hold
 *   at most `maxPerSender` connections;
 * - a connection that sends nothing for `idleTimeoutMs` is closed (0: never);
 * - a TLS handshake, or a frame once begun, must be complete within `readTimeoutMs`, so a sender
 *   trickling a byte at a time cannot hold a connection either;
 * - when the listener is full, a new sender evicts the connection that has been quiet longest
 *   (if it has been quiet a while) rather than being turned away.
 * Whatever is turned away or cut is counted, so the panel and the summary can say so. While the
 * collector itself has paused a connection (its queue is full), that connection's clocks stop:
 * the slowness is ours, not the sender's.
 */
import type net from 'node:net';
import { canonicalIp } from '../../parse/entities-canonical';
import { peerAddress } from './types';

export interface GuardLimits {
  maxConnections: number;
  maxPerSender: number;
  idleTimeoutMs: number;
  readTimeoutMs: number;
}

/** Connections refused or cut, by reason. */
export interface RefusedCounts {
  /** The sender already held its share of connections. */
  perSender: number;
  /** The listener was full and no connection was quiet long enough to evict. */
  full: number;
  /** Sent nothing for the idle timeout. */
  idle: number;
  /** A TLS handshake or a frame took longer than the read timeout. */
  slow: number;
  /** Closed, quiet, to make room for a new sender. */
  evicted: number;
}

export function noRefusals(): RefusedCounts {
  return { perSender: 0, full: 0, idle: 0, slow: 0, evicted: 0 };
}

export type CutReason = 'idle' | 'slow' | 'evicted';

/** A connection the guard watches; its listener tells it what the connection is doing. */
export class Guarded {
  readonly openedAt: number;
  lastActivity: number;
  /** When the frame in progress began; null between frames. */
  frameSince: number | null = null;
  /** TLS: the handshake is not done yet. */
  handshaking = false;
  /** Paused by the collector (queue full): no clock runs against the sender meanwhile. */
  pausedSince: number | null = null;
  /** Called before the guard closes the connection, to keep what it had sent. */
  onCut: ((why: CutReason) => void) | null = null;

  constructor(
    readonly socket: net.Socket,
    readonly sender: string,
    readonly key: string,
    now: number,
  ) {
    this.openedAt = now;
    this.lastActivity = now;
  }
}

/** An eviction only takes a connection that has been quiet at least this long. */
const EVICT_AFTER_QUIET_MS = 2000;

/** The unit one sender's share is counted in: the address, or the /64 of an IPv6 address. */
export function senderKey(address: string): string {
  const ip = canonicalIp(address);
  if (ip === null) return address;
  return ip.includes(':') ? `${ip.split(':').slice(0, 4).join(':')}::/64` : ip;
}

export class ConnectionGuard {
  private readonly open = new Set<Guarded>();
  private readonly perSender = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: GuardLimits,
    readonly refused: RefusedCounts,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.open.size;
  }

  start(): void {
    const every = Math.max(50, Math.min(1000, Math.floor(this.limits.readTimeoutMs / 4)));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.open.clear();
    this.perSender.clear();
  }

  /**
   * Takes a new connection in, or refuses it (destroys it and counts why). Returns the watched
   * connection, or null when refused.
   */
  admit(socket: net.Socket): Guarded | null {
    const sender = peerAddress(socket.remoteAddress);
    const key = senderKey(sender);
    if ((this.perSender.get(key) ?? 0) >= this.limits.maxPerSender) {
      this.refused.perSender++;
      socket.destroy();
      return null;
    }
    const now = this.now();
    if (this.open.size >= this.limits.maxConnections) {
      const victim = this.quietest(now);
      if (victim === null) {
        this.refused.full++;
        socket.destroy();
        return null;
      }
      this.cut(victim, 'evicted');
    }
    const g = new Guarded(socket, sender, key, now);
    this.open.add(g);
    this.perSender.set(key, (this.perSender.get(key) ?? 0) + 1);
    socket.once('close', () => this.release(g));
    return g;
  }

  private release(g: Guarded): void {
    if (!this.open.delete(g)) return;
    const n = (this.perSender.get(g.key) ?? 1) - 1;
    if (n <= 0) this.perSender.delete(g.key);
    else this.perSender.set(g.key, n);
  }

  private quietest(now: number): Guarded | null {
    let best: Guarded | null = null;
    for (const g of this.open) {
      if (g.pausedSince !== null) continue;
      if (best === null || g.lastActivity < best.lastActivity) best = g;
    }
    return best !== null && now - best.lastActivity >= EVICT_AFTER_QUIET_MS ? best : null;
  }

  private cut(g: Guarded, why: CutReason): void {
    this.refused[why]++;
    try {
      g.onCut?.(why);
    } finally {
      this.release(g);
      g.socket.destroy();
    }
  }

  /** Closes what has been idle or slow too long. */
  sweep(): void {
    const now = this.now();
    const { idleTimeoutMs, readTimeoutMs } = this.limits;
    for (const g of [...this.open]) {
      if (g.pausedSince !== null) continue;
      if (g.handshaking && now - g.openedAt > readTimeoutMs) this.cut(g, 'slow');
      else if (g.frameSince !== null && now - g.frameSince > readTimeoutMs) this.cut(g, 'slow');
      else if (idleTimeoutMs > 0 && now - g.lastActivity > idleTimeoutMs) this.cut(g, 'idle');
    }
  }

  /** The collector paused (true) or resumed (false) reading a connection. */
  setPaused(g: Guarded, paused: boolean): void {
    const now = this.now();
    if (paused) {
      if (g.pausedSince === null) g.pausedSince = now;
      return;
    }
    if (g.pausedSince === null) return;
    // The clocks stood still while paused.
    const held = now - g.pausedSince;
    g.lastActivity += held;
    if (g.frameSince !== null) g.frameSince += held;
    g.pausedSince = null;
  }
}
