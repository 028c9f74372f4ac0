/**
 * Which time a live line is stored with, over real sockets: a forwarder's backlog keeps its header
 * times, and a sender without times never borrows another's.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventRow, EventsPage } from '../../../src-shared/dto';
import { TestEngine } from '../test-support';

let engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.link.close();
  engines = [];
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function collector(e: TestEngine, config: Record<string, unknown>): Promise<CollectorStatus> {
  await e.call('cases.create', { name: 'times' });
  return e.call<CollectorStatus>('collector.start', { config });
}

function portOf(status: CollectorStatus, source: string): number {
  const address = status.listeners.find((l) => l.source === source)!.address!;
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

async function storedAll(e: TestEngine, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await e.call<CollectorStatus>('collector.getStatus')).stored >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${n} lines stored`);
}

async function search(e: TestEngine, query: string): Promise<EventRow[]> {
  return (await e.call<EventsPage>('events.search', { query, limit: 1000 })).rows;
}

describe('live times', () => {
  it('a 3-day backlog forwarded over TCP (octet-counted RFC 5424) is stored at its header times', async () => {
    const e = new TestEngine();
    engines.push(e);
    const status = await collector(e, { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0 } });
    const start = Date.now() - 3 * DAY;
    const headers = Array.from({ length: 3 * 24 * 6 }, (_, i) => start + i * 10 * MINUTE + 123);
    const frames = headers.map((ts, i) => {
      const line = `<86>1 ${new Date(ts).toISOString()} web-01 sshd 811 - - Accepted publickey for deploy from 192.0.2.44 port ${40000 + i} ssh2 backlog-${i}`;
      return `${Buffer.byteLength(line)} ${line}`;
    });
    await new Promise<void>((resolve, reject) => {
      const sock = connect(portOf(status, 'tcp'), '127.0.0.1', () => sock.end(frames.join(''), () => resolve()));
      sock.on('error', reject);
    });
    await storedAll(e, headers.length);
    const rows = await search(e, 'backlog');
    expect(rows).toHaveLength(headers.length);
    const byMarker = new Map(rows.map((r) => [Number(/backlog-(\d+)/.exec(r.raw)![1]), r.ts]));
    const wrong = headers.filter((ts, i) => byMarker.get(i) !== ts);
    expect(wrong, 'lines stored at another time than their header').toEqual([]);
    const after = await e.call<CollectorStatus>('collector.stop');
    expect(after.senderClocks[0]).toMatchObject({ lines: headers.length, corrected: 0, received: 0 });
  }, 30_000);

  it('two senders interleaved, one without time stamps: neither borrows the other’s time', async () => {
    const e = new TestEngine();
    engines.push(e);
    const status = await collector(e, { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } });
    const port = portOf(status, 'udp');
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    await new Promise<void>((r) => a.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => b.bind(0, '127.0.0.2', () => r()));
    const send = (sock: typeof a, line: string) => new Promise<void>((r, j) => sock.send(line, port, '127.0.0.1', (err) => (err ? j(err) : r())));
    // Sender A's lines are 4 h 45 min old (a forwarder catching up); B sends no time at all.
    const old = Date.now() - (4 * 60 + 45) * MINUTE;
    const aTimes: number[] = [];
    const bWindows: [number, number][] = [];
    for (let i = 0; i < 40; i++) {
      const ts = old + i * 1000;
      aTimes.push(ts);
      await send(a, `<38>1 ${new Date(ts).toISOString()} db-01 sshd 9 - - Failed password for postgres from 203.0.113.5 port ${30000 + i} ssh2 from-a-${i}`);
      const before = Date.now();
      // Half as RFC 5424 with a nil time stamp, half as a bare line (no header at all).
      await send(b, i % 2 === 0 ? `<14>1 - printer-7 spooler - - - job done from-b-${i}` : `job done from-b-${i}`);
      bWindows.push([before, Date.now()]);
    }
    a.close();
    b.close();
    await storedAll(e, 80);
    const rowsA = await search(e, 'from-a');
    const rowsB = await search(e, 'from-b');
    expect(rowsA).toHaveLength(40);
    expect(rowsB).toHaveLength(40);
    for (const r of rowsA) expect(r.ts).toBe(aTimes[Number(/from-a-(\d+)/.exec(r.raw)![1])]);
    for (const r of rowsB) {
      const [before, sentBy] = bWindows[Number(/from-b-(\d+)/.exec(r.raw)![1])]!;
      // Its own receive time: after it was sent, before the store saw it (well within 5 s).
      expect(r.ts).toBeGreaterThanOrEqual(before);
      expect(r.ts).toBeLessThan(sentBy + 5000);
    }
    const clocks = (await e.call<CollectorStatus>('collector.stop')).senderClocks;
    expect(clocks.find((c) => c.sender.startsWith('127.0.0.2'))).toBeDefined();
    expect(clocks.filter((c) => c.sender.startsWith('127.0.0.2')).reduce((s, c) => s + c.received, 0)).toBe(40);
    expect(clocks.find((c) => c.sender === '127.0.0.1 db-01')).toMatchObject({ lines: 40, received: 0 });
  }, 30_000);
});
