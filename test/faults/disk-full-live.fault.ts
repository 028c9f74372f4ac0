/**
 * A full disk while the collector stores live messages (simulated with SQLite's max_page_count on
 * the engine's connection, which fails writes with SQLITE_FULL just as a full disk does).
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventsPage } from '../../src-shared/dto';
import type { CaseDb } from '../../src-main/engine/store/case-db';
import { TestEngine } from '../../src-main/engine/test-support';
import { sleep, waitFor } from './support';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.raw('collector.stop', {});
  await engine?.link.close();
  engine = null;
});

async function send(port: number, tag: string, n: number): Promise<void> {
  const sock = createSocket('udp4');
  for (let i = 0; i < n; i++) {
    const line = `<38>1 ${new Date().toISOString()} web-${i % 5} sshd ${i % 999} - - Failed password for invalid user ${tag}${i} from 198.51.100.${i % 250} port ${i} ssh2 ${tag}`;
    await new Promise<void>((r) => sock.send(line, port, '127.0.0.1', () => r()));
    if (i % 500 === 0) await sleep(5);
  }
  sock.close();
}

async function fill(e: TestEngine): Promise<{ full: () => void; free: () => void }> {
  const db = (e.link.engine as unknown as { current: { store: CaseDb } }).current.store.db;
  return {
    full: () => db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 8}`),
    free: () => db.pragma('max_page_count = 1073741823'),
  };
}

async function startCollecting(): Promise<{ e: TestEngine; port: number; disk: { full: () => void; free: () => void } }> {
  const e = new TestEngine();
  engine = e;
  await e.call('cases.create', { name: 'live-full' });
  const status = await e.call<CollectorStatus>('collector.start', { config: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } } });
  const address = status.listeners.find((l) => l.source === 'udp')!.address!;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  await send(port, 'before', 200);
  await waitFor('the first messages stored', async () => (await e.call<CollectorStatus>('collector.getStatus')).stored >= 200, 20_000);
  return { e, port, disk: await fill(e) };
}

describe('a full disk during live collection', () => {
  it('is reported in the collector status with a clear error, and the engine keeps answering', async () => {
    const { e, port, disk } = await startCollecting();
    disk.full();
    await send(port, 'during', 20_000);
    const status = await waitFor('the collector to report the full disk', async () => {
      const s = await e.call<CollectorStatus>('collector.getStatus');
      return s.error ? s : undefined;
    }, 30_000);
    console.log(`[disk-full-live] status error: ${status.error}; stored ${status.stored}, dropped ${status.dropped}`);
    expect(status.error).toMatch(/disk is full/i);
    // Queries still work, and everything stored before the disk filled is there.
    expect((await e.call<EventsPage>('events.search', { query: 'before', limit: 1 })).total).toBe(200);
    disk.free();
    const stopped = await e.raw('collector.stop', {});
    if (!stopped.ok) expect(stopped.error.code).not.toBe('internal');
  });

  // The batch that failed is kept and tried again; once space is back everything sent after it
  // is stored (nothing taken off the queue is lost).
  it('stores again once space is back', async () => {
    const { e, port, disk } = await startCollecting();
    disk.full();
    await send(port, 'during', 20_000);
    await waitFor('the full disk to be reported', async () => (await e.call<CollectorStatus>('collector.getStatus')).error, 30_000);
    disk.free();
    await send(port, 'afterspace', 200);
    await waitFor('messages sent after space came back', async () => (await e.call<EventsPage>('events.search', { query: 'afterspace', limit: 1 })).total === 200, 15_000);
  });

  it('stops when asked while the disk is still full, and says how much was not stored', async () => {
    const { e, port, disk } = await startCollecting();
    disk.full();
    await send(port, 'during', 20_000);
    await waitFor('the full disk to be reported', async () => (await e.call<CollectorStatus>('collector.getStatus')).error, 30_000);
    const t0 = Date.now();
    const stopped = await e.call<CollectorStatus>('collector.stop');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(stopped.running).toBe(false);
    expect(stopped.error).toMatch(/disk is full.*not stored/i);
    disk.free();
  });
});
