/**
 * Issue 4's bar end to end: syslog over UDP (and TCP) at a fixed rate for 10 s into a real case
 * through the engine worker, as an analyst's collector runs: received, stored, dropped, lost.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorStatus } from '../src-shared/dto';
import { WorkerEngineLink } from '../src-main/engine/link';
import { ROOT } from '../test/paths';
import { runSender } from './live-syslog';
import { BENCH_DIR } from './util';

async function call<T>(link: WorkerEngineLink, method: string, input: unknown = {}): Promise<T> {
  const r = await link.request(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
}

export async function liveIntoCase(kind: 'udp' | 'tcp', rate: number, seconds = 10): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(BENCH_DIR, 'live-'));
  const link = new WorkerEngineLink(join(ROOT, 'out', 'main', 'engine.js'), { dataDir, version: 'bench', rulesDir: join(ROOT, 'resources', 'sigma') });
  await call(link, 'cases.create', { name: 'live-bench' });
  const config = kind === 'udp' ? { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } } : { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0 } };
  const started = await call<CollectorStatus>(link, 'collector.start', { config });
  const address = started.listeners.find((l) => l.source === kind)!.address!;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const t0 = performance.now();
  const sent = await runSender(kind, port, rate, seconds);
  // Wait for the queue to drain into the case.
  let status = await call<CollectorStatus>(link, 'collector.getStatus');
  let last = -1;
  while (status.stored !== last || status.queue.length > 0) {
    last = status.stored;
    await new Promise((r) => setTimeout(r, 500));
    status = await call<CollectorStatus>(link, 'collector.getStatus');
  }
  const drainedAfterS = (performance.now() - t0) / 1000 - seconds;
  const final = await call<CollectorStatus>(link, 'collector.stop');
  await link.close();
  return {
    target_msgs_per_s: rate,
    sent: sent.sent,
    received: final.received,
    stored: final.stored,
    dropped: final.dropped,
    loss_pct: Number((((sent.sent - final.stored) / sent.sent) * 100).toFixed(3)),
    peak_queue: final.queue.peakLength,
    stored_per_s: Math.round(final.stored / (seconds + drainedAfterS)),
  };
}
