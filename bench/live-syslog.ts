/**
 * Live collector benchmarks (issue: syslog UDP 50K msgs/s for 10 s with no loss). A paced sender
 * runs in a worker thread so it does not share the receiver's event loop; the receiver is the
 * real Collector with a consumer pulling batches, as the engine does. Every function returns a
 * flat record of figures for bench/run.ts. Run alone: `npx tsx bench/live-syslog.ts [name...]`.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Collector } from '../src-main/engine/ingest/live/collector';
import type { CollectorConfigInput } from '../src-main/engine/ingest/live/config';

/** The sender, as plain JS: an eval'd worker cannot load TypeScript. */
const SENDER = `
const { workerData, parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const net = require('node:net');
const { kind, host, port, rate, seconds, deadline, size } = workerData;
const pad = 'x'.repeat(Math.max(0, size - 90));
const line = (i) => '<134>1 2024-05-01T12:00:00.000Z web-01 nginx 4242 - - GET /api/items?id=' + i + ' 200 ' + pad;
const total = Math.floor(rate * seconds);
const MAX_BURST = 2000;
const t0 = performance.now();
let sent = 0;
const due = () => Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
const late = () => performance.now() - t0 > deadline * 1000;
let done = false;
const finish = (close) => {
  if (done) return;
  done = true;
  const elapsed = (performance.now() - t0) / 1000;
  setTimeout(() => { close(); parentPort.postMessage({ sent, seconds: elapsed }); }, 50);
};
if (kind === 'udp') {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.connect(port, host, () => {
    const tick = () => {
      const until = Math.min(due(), sent + MAX_BURST);
      while (sent < until) s.send(line(sent++));
      if (sent >= total || late()) finish(() => s.close());
      else if (sent >= due()) setTimeout(tick, 1);
      else setImmediate(tick);
    };
    tick();
  });
} else {
  const s = net.connect({ host, port }, () => {
    s.setNoDelay(false);
    const tick = () => {
      const until = Math.min(due(), sent + MAX_BURST);
      if (until > sent) {
        let chunk = '';
        while (sent < until) chunk += line(sent++) + '\\n';
        if (!s.write(chunk)) {
          // A receiver that pushes back may never drain within the run: stop at the deadline.
          const stopAt = setTimeout(() => finish(() => s.destroy()), Math.max(0, deadline * 1000 - (performance.now() - t0)));
          s.once('drain', () => { clearTimeout(stopAt); if (!done) tick(); });
          return;
        }
      }
      if (sent >= total || late()) finish(() => (late() ? s.destroy() : s.end()));
      else if (sent >= due()) setTimeout(tick, 1);
      else setImmediate(tick);
    };
    tick();
  });
}
`;

interface SenderResult {
  sent: number;
  seconds: number;
}

/** Sends `rate * seconds` messages, paced; gives up at `deadline` seconds whatever it has sent. */
export function runSender(kind: 'udp' | 'tcp', port: number, rate: number, seconds: number, deadline = seconds * 2, size = 160): Promise<SenderResult> {
  const worker = new Worker(SENDER, { eval: true, workerData: { kind, host: '127.0.0.1', port, rate, seconds, deadline, size } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: SenderResult) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

function portOf(address: string | null): number {
  return Number(/:(\d+)$/.exec(address ?? '')?.[1]);
}

/** Starts a collector with a consumer that pulls batches (optionally slowly) and counts them. */
async function receiver(config: CollectorConfigInput, consumer: { batch: number; pauseMs: number }) {
  const collector = new Collector();
  await collector.start(config);
  let taken = 0;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const abort = new AbortController();
  const consuming = (async () => {
    for await (const batch of collector.batches(consumer.batch, abort.signal)) {
      taken += batch.length;
      collector.commit(batch);
      if (consumer.pauseMs > 0) await new Promise((r) => setTimeout(r, consumer.pauseMs));
    }
  })();
  const address = (source: 'udp' | 'tcp'): number => portOf(collector.stats().listeners.find((l) => l.source === source)?.address ?? null);
  const finish = async (): Promise<{ taken: number; peakRssMb: number }> => {
    await collector.stop();
    // A slow consumer would take long to drain what is left; the figures are already taken.
    if (consumer.pauseMs > 0) abort.abort();
    await consuming;
    clearInterval(sampler);
    return { taken, peakRssMb: Math.round(peakRss / 2 ** 20) };
  };
  return { collector, address, finish, taken: () => taken };
}

/** Waits until `received()` stops changing for `quietMs` (the socket buffer has drained). */
/** Wait until the count has not moved for `quietMs`; returns when it last moved (performance.now()). */
async function settle(received: () => number, quietMs = 300): Promise<number> {
  let last = received();
  let movedAt = performance.now();
  while (performance.now() - movedAt < quietMs) {
    await new Promise((r) => setTimeout(r, 5));
    const now = received();
    if (now !== last) {
      last = now;
      movedAt = performance.now();
    }
  }
  return movedAt;
}

async function udpRun(rate: number, seconds: number): Promise<Record<string, number>> {
  if (global.gc) global.gc();
  const rssStart = process.memoryUsage.rss();
  const r = await receiver({ udp: { enabled: true, port: 0, recvBufferSize: 32 * 2 ** 20 }, tcp: { enabled: false } }, { batch: 4000, pauseMs: 0 });
  const sent = await runSender('udp', r.address('udp'), rate, seconds);
  const udp = () => r.collector.stats().listeners[0]!;
  await settle(() => udp().received);
  const stats = udp();
  const { taken, peakRssMb } = await r.finish();
  const lost = sent.sent - stats.received - stats.drops.queueFull;
  return {
    target_msgs_per_s: rate,
    sent: sent.sent,
    sender_msgs_per_s: Math.round(sent.sent / sent.seconds),
    received: stats.received,
    consumed: taken,
    dropped_queue_full: stats.drops.queueFull,
    lost_in_kernel: lost,
    loss_pct: Number((((sent.sent - stats.received) / sent.sent) * 100).toFixed(3)),
    recv_buffer_mb: Number((stats.receiveBufferBytes! / 2 ** 20).toFixed(1)),
    peak_rss_mb: peakRssMb,
    rss_growth_mb: Math.round(peakRssMb - rssStart / 2 ** 20),
  };
}

/** The bar: 50K msgs/s for 10 s from a paced sender on 127.0.0.1, expected loss 0. */
export function udpSustained50k(): Promise<Record<string, number>> {
  return udpRun(50_000, 10);
}

/** Twice the bar: loss is measured and reported, not expected to be zero. */
export function udpOverload100k(): Promise<Record<string, number>> {
  return udpRun(100_000, 5);
}

/** TCP (newline framing) paced at 100K msgs/s; TCP never loses, it slows the sender instead. */
export async function tcp100k(): Promise<Record<string, number>> {
  const rate = 100_000;
  const r = await receiver({ udp: { enabled: false }, tcp: { enabled: true, port: 0 } }, { batch: 4000, pauseMs: 0 });
  const t0 = performance.now();
  const sent = await runSender('tcp', r.address('tcp'), rate, 5);
  // Up to the last message received: the quiet wait after it is not receiving time.
  const lastAt = await settle(() => r.collector.stats().listeners[0]!.received, 200);
  const elapsed = (lastAt - t0) / 1000;
  const stats = r.collector.stats().listeners[0]!;
  const { peakRssMb } = await r.finish();
  return {
    target_msgs_per_s: rate,
    sent: sent.sent,
    sender_msgs_per_s: Math.round(sent.sent / sent.seconds),
    received: stats.received,
    received_msgs_per_s: Math.round(stats.received / elapsed),
    lost: sent.sent - stats.received,
    malformed_or_oversize: stats.drops.malformed + stats.drops.oversize,
    peak_rss_mb: peakRssMb,
  };
}

/**
 * UDP and TCP floods at full speed for 12 s into a consumer taking 500 messages every 50 ms
 * (10K/s): the queue must cap memory (UDP drops and counts, TCP pauses its sender) instead of
 * growing. RSS includes the two sender threads, which live in this process.
 */
export async function floodMemory(): Promise<Record<string, number>> {
  if (global.gc) global.gc();
  const rssStart = process.memoryUsage.rss();
  const r = await receiver(
    { udp: { enabled: true, port: 0 }, tcp: { enabled: true, port: 0 }, queue: { maxMessages: 100_000, maxBytes: 64 * 2 ** 20 } },
    { batch: 500, pauseMs: 50 },
  );
  // RSS halfway and at the end: a bounded collector plateaus once the queue is full.
  const rssAt: number[] = [];
  const probes = [6000, 11_900].map((ms) => setTimeout(() => rssAt.push(Math.round(process.memoryUsage.rss() / 2 ** 20)), ms));
  const [udpSent, tcpSent] = await Promise.all([runSender('udp', r.address('udp'), 400_000, 12, 12), runSender('tcp', r.address('tcp'), 400_000, 12, 12)]);
  probes.forEach(clearTimeout);
  const s = r.collector.stats();
  const udp = s.listeners.find((l) => l.source === 'udp')!;
  const tcp = s.listeners.find((l) => l.source === 'tcp')!;
  const { taken, peakRssMb } = await r.finish();
  return {
    udp_sent: udpSent.sent,
    udp_received: udp.received,
    udp_dropped_queue_full: udp.drops.queueFull,
    tcp_sent_in_12s: tcpSent.sent,
    tcp_received: tcp.received,
    consumed: taken,
    queue_peak_messages: s.queue.peakLength,
    queue_peak_mb: Number((s.queue.peakBytes / 2 ** 20).toFixed(1)),
    rss_start_mb: Math.round(rssStart / 2 ** 20),
    rss_at_6s_mb: rssAt[0] ?? 0,
    rss_at_12s_mb: rssAt[1] ?? 0,
    peak_rss_mb: peakRssMb,
    rss_growth_mb: Math.round(peakRssMb - rssStart / 2 ** 20),
  };
}

export const LIVE_BENCHES: Record<string, () => Promise<Record<string, number>>> = {
  'live-udp-50k': udpSustained50k,
  'live-udp-100k': udpOverload100k,
  'live-tcp-100k': tcp100k,
  'live-flood-memory': floodMemory,
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wanted = process.argv.slice(2);
  for (const name of wanted.length > 0 ? wanted : Object.keys(LIVE_BENCHES)) {
    const fn = LIVE_BENCHES[name];
    if (fn === undefined) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(LIVE_BENCHES).join(', ')}`);
    const t0 = performance.now();
    const result = await fn();
    console.log(`${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`, JSON.stringify(result));
  }
}
