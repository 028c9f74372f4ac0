/**
 * Malformed syslog frames against the live collector in the real engine: absurd octet counts,
 * endless lines, binary garbage, oversized datagrams, more connections than allowed and a
 * byte-at-a-time sender. Each is counted (or its connection closed) and good messages sent
 * alongside still arrive in the case.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventsPage } from '../../src-shared/dto';
import { TestEngine } from '../../src-main/engine/test-support';
import { sleep, waitFor } from './support';

let engine: TestEngine | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  await engine?.link.close();
  engine = null;
});

function portOf(status: CollectorStatus, source: string): number {
  const a = status.listeners.find((l) => l.source === source)!.address!;
  return Number(a.slice(a.lastIndexOf(':') + 1));
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    s.once('error', reject);
    sockets.push(s);
  });
}

const closedByServer = (s: Socket) => new Promise<boolean>((r) => (s.closed ? r(true) : s.once('close', () => r(true))));
const good = (tag: string) => `<38>1 2026-03-01T10:00:00Z web-1 sshd 7 - - Failed password for root from 192.0.2.7 port 22 ssh2 ${tag}`;

describe('malformed syslog frames', () => {
  it('are counted or cut off, and good messages around them are stored', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'frames' });
    const status = await engine.call<CollectorStatus>('collector.start', {
      config: { udp: { host: '127.0.0.1', port: 0, maxMessageBytes: 1024 }, tcp: { host: '127.0.0.1', port: 0, maxFrameBytes: 4096, maxConnections: 8 } },
    });
    const tcp = portOf(status, 'tcp');
    const udp = portOf(status, 'udp');

    // An octet count no stream could carry: the connection is closed, after the good frame before it.
    const absurd = await open(tcp);
    absurd.write(`${Buffer.byteLength(good('octetok'))} ${good('octetok')}99999999999999 ${good('afterabsurd')}`);
    expect(await closedByServer(absurd)).toBe(true);

    // An endless line (100 KB, frame limit 4 KB), binary garbage, then a good line on the same connection.
    const endless = await open(tcp);
    endless.write(`<13>1 - - - - - - ${'A'.repeat(100_000)}\n`);
    endless.write(Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x81, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]));
    endless.write(`${good('afterendless')}\n`);

    // More connections than allowed: the extra ones are refused; the collector keeps serving.
    const crowd = await Promise.all(Array.from({ length: 16 }, () => open(tcp).catch(() => null)));
    await sleep(300);
    const refused = crowd.filter((c) => c === null || c.destroyed).length;
    expect(refused).toBeGreaterThanOrEqual(16 - 8);
    for (const c of crowd) c?.destroy();
    await sleep(200);

    // A sender dribbling one byte at a time does not hold up the others.
    const slow = await open(tcp);
    const slowLine = `${good('slowloris')}\n`;
    const dribble = (async () => {
      for (const ch of slowLine.slice(0, 60)) {
        if (slow.destroyed) return;
        slow.write(ch);
        await sleep(20);
      }
    })();

    // UDP: oversized, empty and binary datagrams, then a good one.
    const u = createSocket('udp4');
    const sendUdp = (m: string | Buffer) => new Promise<void>((r) => u.send(m, udp, '127.0.0.1', () => r()));
    await sendUdp('x'.repeat(2000));
    await sendUdp(Buffer.alloc(0));
    await sendUdp(Buffer.from([0xff, 0x00, 0xc0, 0xaf]));
    await sendUdp(good('udpok'));
    u.close();

    // A fresh connection after all that still gets through.
    const fresh = await open(tcp);
    fresh.write(`${good('freshok')}\n`);

    const found = async (tag: string) => (await engine!.call<EventsPage>('events.search', { query: tag, limit: 1 })).total;
    for (const tag of ['octetok', 'afterendless', 'udpok', 'freshok']) {
      await waitFor(`the good message ${tag}`, async () => (await found(tag)) === 1, 15_000, 100);
    }
    expect(await found('afterabsurd')).toBe(0);
    expect(await found('slowloris')).toBe(0);
    await dribble;
    slow.end(slowLine.slice(60));
    await waitFor('the slow sender\'s message', async () => (await found('slowloris')) === 1, 15_000, 100);

    const after = await engine.call<CollectorStatus>('collector.getStatus');
    const t = after.listeners.find((l) => l.source === 'tcp')!;
    const d = after.listeners.find((l) => l.source === 'udp')!;
    console.log(`[frames] tcp ${JSON.stringify(t.drops)}, udp ${JSON.stringify(d.drops)}, error ${after.error}`);
    expect(after.running).toBe(true);
    expect(after.error).toBeNull();
    expect(t.drops.oversize).toBeGreaterThanOrEqual(1);
    expect(t.drops.malformed).toBeGreaterThanOrEqual(1);
    expect(d.drops.oversize).toBe(1);
    expect(t.lastError === null || typeof t.lastError === 'string').toBe(true);
    expect(after.dropped).toBeGreaterThanOrEqual(3);
    await engine.call('collector.stop');
  });
});
