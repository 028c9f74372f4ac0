/**
 * The Node host under heavy use by one client: a WebSocket client that asks for 3,000 large
 * searches and never reads the replies is held back (it cannot make the host buffer them all),
 * and gets every reply once it reads; a 100,000-line /detect-incidents request runs off the host's
 * thread, so /health keeps answering at once meanwhile.
 *
 * Prints `[host-limits] {...}`: `npm run test:faults -- host-limits`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Envelope } from '../../src-shared/envelope';
import type { ImportJob } from '../../src-shared/dto';
import { InProcessEngineLink, type EngineLink } from '../../src-main/engine/link';
import { tempDir } from '../../src-main/engine/test-support';
import { startServer, type RunningServer } from '../../src-main/host/server/server';
import { ROOT } from '../paths';
import { sleep, waitFor } from './support';

let server: RunningServer;
let link: InProcessEngineLink;
let dataDir: string;
/** Requests the engine was asked, through the bridge. */
let handled = 0;

beforeEach(async () => {
  dataDir = tempDir('vigil-host-limits-');
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<html><head></head><body></body></html>');
  link = new InProcessEngineLink({ dataDir, version: 'test', rulesDir: join(ROOT, 'resources', 'sigma') });
  handled = 0;
  const counting: EngineLink = {
    request: (method, input) => {
      handled++;
      return link.request(method, input);
    },
    onEvent: (l) => link.onEvent(l),
    close: () => link.close(),
  };
  server = await startServer({ link: counting, rendererDir, inboxDir: join(dataDir, 'inbox') });
});

afterEach(async () => {
  await server.close();
  await link.close();
});

function authLines(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const s = String(i % 60).padStart(2, '0');
    const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
    out += `Mar  1 1${Math.floor(i / 3600) % 10}:${m}:${s} web-1 sshd[${1000 + (i % 9000)}]: Failed password for user${i % 300} from 203.0.${i % 250}.${i % 199} port ${40000 + (i % 20000)} ssh2\n`;
  }
  return out;
}

async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const r = (await link.request(method, input)) as Envelope<T>;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

describe('WebSocket back-pressure', () => {
  it('a client that never reads its replies cannot make the host buffer them; it gets them all once it reads', async () => {
    await call('cases.create', { name: 'ws', path: join(dataDir, 'ws.vigil') });
    const log = join(dataDir, 'auth.log');
    writeFileSync(log, authLines(5000));
    const done = new Promise<void>((resolve) => link.onEvent((name, p) => name === 'ingest.finished' && (p as ImportJob).status === 'done' && resolve()));
    await call('ingest.startImport', { paths: [log] });
    await done;

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const replies = new Set<number>();
    let replyBytes = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number };
      if (typeof m.id === 'number') {
        replies.add(m.id);
        replyBytes += (d as Buffer).length;
      }
    });
    // Stop reading: the host's replies pile up in the kernel, then (without back-pressure) in the host.
    ws.pause();
    global.gc?.();
    const rssBefore = rssMb();
    const N = 3000;
    for (let i = 1; i <= N; i++) ws.send(JSON.stringify({ id: i, method: 'events.search', input: { query: 'password', limit: 1000 } }));
    let peak = rssBefore;
    for (let t = 0; t < 30; t++) {
      await sleep(200);
      peak = Math.max(peak, rssMb());
    }
    const handledWhilePaused = handled;
    ws.resume();
    await waitFor('every reply', () => replies.size === N, 120_000, 50);
    const figures = { requests: N, handledWhileNotReading: handledWhilePaused, rssBeforeMb: rssBefore, rssPeakWhileNotReadingMb: peak, replyMbTotal: Math.round(replyBytes / 2 ** 20) };
    console.log(`[host-limits] websocket ${JSON.stringify(figures)}`);
    ws.close();
    // Held back: the host read a bounded number of requests (32 in flight plus what one socket
    // read holds), not all 3,000, and its memory did not grow by anything like the replies' size.
    expect(handledWhilePaused).toBeLessThan(N / 2);
    expect(figures.replyMbTotal).toBeGreaterThan(500);
    expect(peak - rssBefore).toBeLessThan(200);
  });
});

describe('the HTTP API off the host thread', () => {
  it('runs /detect-incidents over 100,000 lines in a worker while /health answers at once', async () => {
    const body = authLines(100_000);
    expect(body.length).toBeLessThan(10 * 1024 * 1024);
    const headers = { 'x-api-key': server.apiKey };
    const latencies: number[] = [];
    let detecting = true;
    const t0 = performance.now();
    const detect = fetch(`http://127.0.0.1:${server.port}/detect-incidents`, { method: 'POST', body, headers: { ...headers, 'content-type': 'text/plain' } }).finally(() => (detecting = false));
    while (detecting) {
      const t = performance.now();
      const r = await fetch(`http://127.0.0.1:${server.port}/health`, { headers });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      latencies.push(performance.now() - t);
      await sleep(100);
    }
    const res = await detect;
    const ms = performance.now() - t0;
    const result = (await res.json()) as { events: number; incidents: unknown[] };
    const sorted = [...latencies].sort((a, b) => a - b);
    const p = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    console.log(`[host-limits] api ${JSON.stringify({ lines: 100_000, status: res.status, detectMs: Math.round(ms), events: result.events, incidents: result.incidents?.length, healthChecks: latencies.length, healthP50Ms: p(0.5), healthP95Ms: p(0.95), healthMaxMs: p(1), rssAfterMb: rssMb() })}`);
    expect(res.status).toBe(200);
    expect(result.events).toBe(100_000);
    expect(latencies.length).toBeGreaterThan(10);
    // Before, /health took 0.4 s while the host's thread ran the detection. (The slowest check is
    // printed, not judged: on a shared 2-core machine a thread can wait for a core that long.)
    expect(p(0.5)).toBeLessThan(50);
    expect(p(0.95)).toBeLessThan(150);
  });

  it('refuses a body over the limit as it streams in, and a malformed one with 400', async () => {
    const headers = { 'x-api-key': server.apiKey, 'content-type': 'text/plain' };
    const big = await fetch(`http://127.0.0.1:${server.port}/detect-incidents`, { method: 'POST', body: 'x'.repeat(11 * 1024 * 1024), headers }).catch(() => null);
    if (big) {
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: string }).error).toMatch(/larger than 10485760 bytes/);
    }
    const bad = await fetch(`http://127.0.0.1:${server.port}/detect-sessions`, { method: 'POST', body: '{"lines": 7}', headers: { ...headers, 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${server.port}/health`, { headers })).status).toBe(200);
  });
});
