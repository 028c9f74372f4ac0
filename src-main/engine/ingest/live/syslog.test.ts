/** Syslog over real sockets on loopback: UDP, TCP in both framings, TLS, backpressure. */
import dgram from 'node:dgram';
import { rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from './collector';
import { hasIPv6, hasOpenssl, listenerAddress, port, selfSignedCert, takeLines, waitFor } from './live-test-support';

let collector: Collector | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
});

async function start(config: Record<string, unknown>): Promise<Collector> {
  collector = new Collector();
  await collector.start({ udp: { enabled: false }, tcp: { enabled: false }, ...config });
  return collector;
}

function udpSend(host: string, p: number, payloads: (string | Buffer)[]): Promise<void> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    let i = 0;
    const next = (): void => {
      if (i === payloads.length) {
        s.close();
        resolve();
        return;
      }
      s.send(payloads[i++]!, p, host, (err) => (err ? reject(err) : next()));
    };
    next();
  });
}

function tcpConnect(host: string, p: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: p }, () => resolve(s));
    s.once('error', reject);
  });
}

const octet = (m: string): string => `${Buffer.byteLength(m)} ${m}`;

describe('UDP syslog', () => {
  it('receives datagrams with sender and receive time, counting oversize and empty ones', async () => {
    const c = await start({ udp: { enabled: true, port: 0, maxMessageBytes: 300 } });
    const p = port(listenerAddress(c, 'udp'));
    const t0 = Date.now();
    await udpSend('127.0.0.1', p, ['<13>Oct 11 22:14:15 host app: one\n', '<13>two', 'x'.repeat(400), '', '<13>three\r\n']);
    const got = await takeLines(c, 3);
    expect(got.map((m) => m.line)).toEqual(['<13>Oct 11 22:14:15 host app: one', '<13>two', '<13>three']);
    expect(got[0]!.sender).toBe('127.0.0.1');
    expect(got[0]!.senderPort).toBeGreaterThan(0);
    expect(got[0]!.receivedAt).toBeGreaterThanOrEqual(t0);
    await waitFor(() => c.stats().listeners[0]!.drops.malformed === 1, 'the empty datagram to be counted');
    const s = c.stats();
    const udp = s.listeners.find((l) => l.source === 'udp')!;
    expect(udp.received).toBe(3);
    expect(udp.drops).toEqual({ queueFull: 0, oversize: 1, malformed: 1 });
    expect(udp.receiveBufferBytes).toBeGreaterThan(0);
    expect(s.topSenders[0]).toMatchObject({ sender: '127.0.0.1', count: 3 });
    expect(s.recentLines.map((r) => r.line)).toContain('<13>two');
  });

  it('drops and counts when the queue is full, never holding more than its capacity', async () => {
    const c = await start({ udp: { enabled: true, port: 0 }, queue: { maxMessages: 10 } });
    await udpSend('127.0.0.1', port(listenerAddress(c, 'udp')), Array.from({ length: 100 }, (_, i) => `<13>m${i}`));
    await waitFor(() => {
      const u = c.stats().listeners[0]!;
      return u.received + u.drops.queueFull === 100;
    }, 'all datagrams to be accounted for');
    const s = c.stats();
    expect(s.listeners[0]!.received).toBe(10);
    expect(s.listeners[0]!.drops.queueFull).toBe(90);
    expect(s.queue.dropped.udp).toBe(90);
    expect(s.queue.peakLength).toBe(10);
  });

  it('listens on IPv6 loopback when the machine has IPv6', async (ctx) => {
    if (!(await hasIPv6())) return ctx.skip('no IPv6 on this machine (::1 cannot be bound)');
    const c = await start({ udp: { enabled: true, host: '::1', port: 0 }, tcp: { enabled: true, host: '::1', port: 0 } });
    expect(listenerAddress(c, 'udp')).toMatch(/^\[::1\]:\d+$/);
    await udpSend('::1', port(listenerAddress(c, 'udp')), ['<13>over v6']);
    const s = await tcpConnect('::1', port(listenerAddress(c, 'tcp')));
    s.end('<13>tcp over v6\n');
    const got = await takeLines(c, 2);
    expect(got.map((m) => m.line).sort()).toEqual(['<13>over v6', '<13>tcp over v6']);
    expect(got[0]!.sender).toBe('::1');
  });
});

describe('TCP syslog', () => {
  const M = Array.from({ length: 5 }, (_, i) => `<34>1 2003-10-11T22:14:15.003Z host app ${i} - - message ${i} ünïcode`);

  it('decodes octet counting written one byte at a time', async () => {
    const c = await start({ tcp: { enabled: true, port: 0 } });
    const s = await tcpConnect('127.0.0.1', port(listenerAddress(c, 'tcp')));
    s.setNoDelay(true);
    const wire = Buffer.from(M.map(octet).join(''));
    for (let i = 0; i < wire.length; i++) {
      s.write(wire.subarray(i, i + 1));
      if (i < 40) await new Promise((r) => setTimeout(r, 1)); // really separate segments at the start
    }
    s.end();
    expect((await takeLines(c, 5)).map((m) => m.line)).toEqual(M);
  });

  it('decodes newline framing with many frames in one write, per connection', async () => {
    const c = await start({ tcp: { enabled: true, port: 0 } });
    const p = port(listenerAddress(c, 'tcp'));
    const lines = Array.from({ length: 20_000 }, (_, i) => `<13>Oct 11 22:14:15 host app: merged ${i}`);
    const a = await tcpConnect('127.0.0.1', p);
    const b = await tcpConnect('127.0.0.1', p);
    a.end(lines.join('\n') + '\n');
    b.end(M.map(octet).join(''));
    const got = await takeLines(c, 20_005, 10_000);
    expect(got.filter((m) => m.line.includes('merged')).map((m) => m.line)).toEqual(lines);
    expect(got.filter((m) => !m.line.includes('merged')).map((m) => m.line)).toEqual(M);
    const tcp = c.stats().listeners[0]!;
    expect(tcp.connectionsTotal).toBe(2);
    expect(tcp.drops).toEqual({ queueFull: 0, oversize: 0, malformed: 0 });
  });

  it('counts an oversize line and keeps the connection', async () => {
    const c = await start({ tcp: { enabled: true, port: 0, maxFrameBytes: 1024 } });
    const s = await tcpConnect('127.0.0.1', port(listenerAddress(c, 'tcp')));
    s.write(`<13>before\n<13>${'x'.repeat(5000)}\n`);
    s.write('<13>after\n');
    const got = await takeLines(c, 2);
    expect(got.map((m) => m.line)).toEqual(['<13>before', '<13>after']);
    expect(c.stats().listeners[0]!.drops.oversize).toBe(1);
    expect(s.destroyed).toBe(false);
    s.end();
  });

  it('closes only a connection whose octet counting is corrupt, keeping frames before it', async () => {
    const c = await start({ tcp: { enabled: true, port: 0 } });
    const p = port(listenerAddress(c, 'tcp'));
    const bad = await tcpConnect('127.0.0.1', p);
    const closed = new Promise<void>((r) => bad.on('close', () => r()));
    bad.on('error', () => undefined);
    bad.write(octet('<13>good') + 'garbage here');
    await closed;
    const good = await tcpConnect('127.0.0.1', p);
    good.end(octet('<13>other connection'));
    expect((await takeLines(c, 2)).map((m) => m.line)).toEqual(['<13>good', '<13>other connection']);
    const stats = c.stats().listeners[0]!;
    expect(stats.drops.malformed).toBe(1);
    expect(stats.lastError).toMatch(/expected a decimal length/);
  });

  it('pauses reading when the queue is full and loses nothing', async () => {
    const c = await start({ tcp: { enabled: true, port: 0 }, queue: { maxMessages: 100 } });
    const s = await tcpConnect('127.0.0.1', port(listenerAddress(c, 'tcp')));
    const n = 20_000;
    s.end(Array.from({ length: n }, (_, i) => `<13>bp ${i}`).join('\n') + '\n');
    await waitFor(() => c.queue.length === 100, 'the queue to fill');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.queue.length).toBe(100);
    const got: string[] = [];
    await waitFor(() => {
      for (const m of c.takeBatch(97)) got.push(m.line);
      return got.length === n;
    }, 'all lines', 15_000);
    expect(got[0]).toBe('<13>bp 0');
    expect(got[n - 1]).toBe(`<13>bp ${n - 1}`);
    expect(new Set(got).size).toBe(n);
    const st = c.stats();
    expect(st.listeners[0]!.drops.queueFull).toBe(0);
    expect(st.queue.peakLength).toBeLessThanOrEqual(100);
  });
});

describe('TLS syslog (RFC 5425)', () => {
  it('accepts octet-counted frames over TLS with the analyst certificate', async (ctx) => {
    if (!hasOpenssl()) return ctx.skip('openssl is not installed; cannot make a test certificate');
    const { dir, certFile, keyFile } = selfSignedCert();
    try {
      const c = await start({ tls: { enabled: true, port: 0, certFile, keyFile } });
      const p = port(listenerAddress(c, 'tls'));
      const s = tls.connect({ host: '127.0.0.1', port: p, ca: readFileSync(certFile) });
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', () => resolve());
        s.once('error', reject);
      });
      expect(s.authorized).toBe(true);
      s.write(octet('<13>secret one') + octet('<13>secret two'));
      const got = await takeLines(c, 2);
      expect(got.map((m) => m.line)).toEqual(['<13>secret one', '<13>secret two']);
      expect(got[0]!.source).toBe('tls');
      s.end();

      // A plain-text client fails the handshake; the listener notes it and carries on.
      const plain = await tcpConnect('127.0.0.1', p);
      plain.on('error', () => undefined);
      plain.write('<13>not tls\n');
      await waitFor(() => (c.stats().listeners[0]!.lastError ?? '').includes('TLS handshake'), 'the failed handshake to be noted');
      plain.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails to start with a clear message when the certificate is missing or wrong', async (ctx) => {
    const c = new Collector();
    await expect(c.start({ udp: { enabled: false }, tcp: { enabled: false }, tls: { enabled: true, port: 0, certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' } })).rejects.toThrow(
      /TLS certificate \/nonexistent\/cert.pem could not be read: it does not exist/,
    );
    await expect(c.start({ tls: { enabled: true } })).rejects.toThrow(/needs certFile and keyFile/);
    if (!hasOpenssl()) return ctx.skip('openssl is not installed');
    const { dir, certFile } = selfSignedCert();
    try {
      await expect(c.start({ udp: { enabled: false }, tcp: { enabled: false }, tls: { enabled: true, port: 0, certFile, keyFile: certFile } })).rejects.toThrow(/cannot be used/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('binding', () => {
  it('reports a port in use and stops what it had started', async () => {
    const first = await start({ tcp: { enabled: true, port: 0 } });
    const p = port(listenerAddress(first, 'tcp'));
    const second = new Collector();
    await expect(second.start({ udp: { enabled: true, port: 0 }, tcp: { enabled: true, port: p } })).rejects.toThrow(/already in use/);
    expect(second.isRunning).toBe(false);
  });
});
