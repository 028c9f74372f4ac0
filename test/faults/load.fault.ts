/**
 * The collector under a UDP flood from another process: the engine keeps answering contract
 * queries within a bound, memory stays bounded by the queue, and every message the collector
 * could not keep is counted as a drop: the collector's own, and the kernel's (which the collector
 * reads from /proc/net/udp, checked here against the same table read by port).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventsPage } from '../../src-shared/dto';
import { TestEngine } from '../../src-main/engine/test-support';
import { sleep, waitFor } from './support';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.link.close();
  engine = null;
});

const FLOOD_MS = 8_000;
const QUEUE_MESSAGES = 20_000;
/**
 * A query answered later than this after it was due, while flooding, fails the test: the engine
 * froze. Measured on the shared 2-core development machine: median 0.2-0.3 s and worst 1.1-1.3 s
 * at load average ~1; median 0.7-1.2 s and worst 4.2 s at load average ~6 (other test runs). The
 * flood saturates the engine's thread, which stores and scores batches of up to 5,000 events.
 */
const MAX_QUERY_MS = 6_000;
const MAX_P95_MS = 5_000;
const MAX_P50_MS = 2_000;
/** Peak RSS of this process (engine, queue, SQLite cache, test runner) while flooding. */
const MAX_RSS_MB = 1_200;

/** Sends syslog datagrams as fast as the machine allows for `ms`, then prints how many went out. */
const SENDER = `
const dgram = require('node:dgram');
const [port, ms] = process.argv.slice(1).map(Number);
const sock = dgram.createSocket('udp4');
let sent = 0, inflight = 0, failed = 0;
const end = Date.now() + ms;
const pump = () => {
  while (inflight < 2000 && Date.now() < end) {
    inflight++;
    const n = sent + failed + inflight;
    const msg = '<38>1 ' + new Date().toISOString() + ' web-' + (n % 7) + ' sshd ' + (n % 900) + ' - - Failed password for invalid user u' + (n % 500) + ' from 198.51.' + (n % 200) + '.' + (n % 250) + ' port ' + (n % 60000) + ' ssh2 n=' + n;
    sock.send(msg, port, '127.0.0.1', (err) => { inflight--; if (err) failed++; else sent++; });
  }
  if (Date.now() < end) setImmediate(pump);
  else { const wait = () => inflight > 0 ? setImmediate(wait) : (process.stdout.write(JSON.stringify({ sent, failed }) + '\\n'), sock.close()); wait(); }
};
pump();
`;

/** Kernel drops on our UDP socket: the last column of its /proc/net/udp row. */
function kernelDrops(port: number): number | null {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`)) return Number(cols[cols.length - 1]);
    }
  } catch {
    /* not Linux */
  }
  return null;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

describe('the collector under a UDP flood', () => {
  it('keeps answering queries in time, stays within its memory, and counts what it drops', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'flood' });
    const started = await engine.call<CollectorStatus>('collector.start', {
      config: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false }, queue: { maxMessages: QUEUE_MESSAGES } },
    });
    const address = started.listeners.find((l) => l.source === 'udp')!.address!;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const rssBefore = process.memoryUsage().rss;

    const sender = spawn(process.execPath, ['-e', SENDER, String(port), String(FLOOD_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let senderOut = '';
    sender.stdout.on('data', (d) => (senderOut += String(d)));
    const senderDone = new Promise<void>((r) => sender.once('exit', () => r()));

    // The engine shares this thread (as it shares its worker thread in the app), so a query is
    // timed from when it was due on a fixed 50 ms schedule, not from when the thread got round
    // to sending it: time the engine spent busy elsewhere counts against it.
    const latencies: number[] = [];
    let peakRss = rssBefore;
    let flooding = true;
    void senderDone.then(() => (flooding = false));
    const t0 = performance.now();
    for (let i = 0; flooding; i++) {
      const due = t0 + i * 50;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      // Alternate a cheap status query and a full-text search over the growing case.
      if (i % 2 === 0) await engine.call<CollectorStatus>('collector.getStatus');
      else await engine.call<EventsPage>('events.search', { query: 'password', limit: 50 });
      latencies.push(performance.now() - due);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const { sent, failed } = JSON.parse(senderOut) as { sent: number; failed: number };

    // Let the queue drain into the case, then stop.
    await waitFor('the queue to drain', async () => (await engine!.call<CollectorStatus>('collector.getStatus')).queue.length === 0, 60_000, 100);
    const kernel = kernelDrops(port);
    const status = await engine.call<CollectorStatus>('collector.getStatus');
    const stopped = await engine.call<CollectorStatus>('collector.stop');
    const udp = status.listeners.find((l) => l.source === 'udp')!;
    const stored = (await engine.call<EventsPage>('events.search', { limit: 1 })).total;

    const summary = {
      sent,
      sendErrors: failed,
      received: status.received,
      stored,
      dropped: status.dropped,
      queueFull: udp.drops.queueFull,
      kernelDrops: udp.drops.kernel,
      kernelDropsReadByTest: kernel,
      queuePeak: status.queue.peakLength,
      queries: latencies.length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      maxMs: Math.round(Math.max(...latencies)),
      rssBeforeMb: Math.round(rssBefore / 2 ** 20),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
    };
    console.log(`[load] ${JSON.stringify(summary)}`);

    // Responsive: every query answered within the bound while the flood went on.
    expect(latencies.length).toBeGreaterThan(20);
    expect(summary.maxMs).toBeLessThan(MAX_QUERY_MS);
    expect(summary.p95Ms).toBeLessThan(MAX_P95_MS);
    expect(summary.p50Ms).toBeLessThan(MAX_P50_MS);
    // Bounded: the queue never held more than its limit, and memory stayed bounded.
    expect(status.queue.peakLength).toBeLessThanOrEqual(QUEUE_MESSAGES);
    expect(summary.peakRssMb).toBeLessThan(MAX_RSS_MB);
    // Counted: every datagram sent was stored, or dropped by the collector and counted, or
    // dropped by the kernel before the collector saw it (and counted there).
    expect(stopped.stored).toBe(stored);
    expect(status.received).toBe(stored);
    expect(status.dropped).toBe(udp.drops.queueFull + udp.drops.oversize + udp.drops.malformed + (udp.drops.kernel ?? 0));
    if (kernel !== null) {
      // The collector's reading of the kernel's count is the one the test reads itself.
      expect(udp.drops.kernel).toBe(kernel);
      expect(status.received + status.dropped).toBe(sent);
    } else expect(status.received + status.dropped).toBeLessThanOrEqual(sent);
    expect(stored).toBeGreaterThan(0);
  });
});
