/**
 * Syslog over UDP (RFC 5426): one message per datagram. UDP cannot push back on a sender, so
 * when the queue is full the datagram is dropped and counted; a large socket receive buffer
 * absorbs bursts while the consumer catches up.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { bindError } from './bind-error';
import type { Recorder } from './recorder';
import { formatAddress, peerAddress } from './types';

export interface UdpListenerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** Asked of the kernel; it may grant less (Linux caps it at net.core.rmem_max). */
  recvBufferSize: number;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

export class UdpListener {
  private socket: dgram.Socket | null = null;
  private bound: string | null = null;
  private grantedBuffer = 0;

  constructor(
    private readonly options: UdpListenerOptions,
    private readonly sink: Recorder,
    private readonly now: () => number,
  ) {}

  async start(): Promise<void> {
    const { host, port } = this.options;
    const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    const counters = this.sink.for('udp');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: host, port, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.socket = null;
      socket.close();
      throw bindError(err, 'The UDP syslog listener', host, port);
    }
    try {
      socket.setRecvBufferSize(this.options.recvBufferSize);
    } catch (err) {
      counters.lastError = `could not enlarge the UDP receive buffer: ${(err as Error).message}`;
    }
    // Linux reports twice what it grants (the kernel's bookkeeping share); either way it is what we have.
    this.grantedBuffer = socket.getRecvBufferSize();
    const a = socket.address();
    this.bound = formatAddress(a.address, a.port);
    socket.on('error', (err) => this.sink.noteError('udp', err));
    socket.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const sender = peerAddress(rinfo.address);
    if (buf.length > this.options.maxMessageBytes) {
      this.sink.drop('udp', 'oversize', sender);
      return;
    }
    let end = buf.length;
    while (end > 0 && (buf[end - 1] === LF || buf[end - 1] === CR || buf[end - 1] === NUL)) end--;
    if (end === 0) {
      this.sink.drop('udp', 'malformed', sender);
      return;
    }
    const msg = { source: 'udp' as const, line: buf.toString('utf8', 0, end), receivedAt: this.now(), sender, senderPort: rinfo.port };
    if (!this.sink.push(msg)) this.sink.drop('udp', 'queueFull', sender);
  }

  address(): string | null {
    return this.bound;
  }

  /** The receive buffer the kernel granted, in bytes. */
  receiveBufferBytes(): number {
    return this.grantedBuffer;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.bound = null;
    if (socket === null) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
