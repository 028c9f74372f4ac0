/**
 * The stream listeners (syslog over TCP and TLS) as one host on the LAN would try to silence
 * them: hold every connection slot open without sending a byte, from one address or from many,
 * or trickle a frame a byte at a time. Each time another sender still gets in and is stored, and
 * the collector's status (what the panel and `vigil collect` show) counts what was refused or cut.
 * Loopback has 127.0.0.0/8, so each attacking or honest "host" is a local address of its own.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorStatus, EventsPage } from '../../src-shared/dto';
import { TestEngine } from '../../src-main/engine/test-support';
import { hasOpenssl, selfSignedCert } from '../../src-main/engine/ingest/live/live-test-support';
import { sleep, waitFor } from './support';

let engine: TestEngine | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (engine) {
    await engine.call('collector.stop').catch(() => undefined);
    await engine.link.close();
  }
  engine = null;
});

type Listener = CollectorStatus['listeners'][number];

async function startCollector(kind: 'tcp' | 'tls', extra: Record<string, unknown> = {}, tlsFiles: Record<string, string> = {}): Promise<number> {
  engine = new TestEngine();
  await engine.call('cases.create', { name: `lockout-${kind}` });
  const config =
    kind === 'tcp'
      ? { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0, ...extra } }
      : { udp: { enabled: false }, tcp: { enabled: false }, tls: { enabled: true, host: '127.0.0.1', port: 0, ...tlsFiles, ...extra } };
  const status = await engine.call<CollectorStatus>('collector.start', { config });
  const address = status.listeners.find((l) => l.source === kind)!.address!;
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

async function listener(kind: 'tcp' | 'tls'): Promise<Listener> {
  return (await engine!.call<CollectorStatus>('collector.getStatus')).listeners.find((l) => l.source === kind)!;
}

/** Opens a connection from `from` and resolves once the listener has seen it (or refused it). */
function openIdle(port: number, from: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port, localAddress: from });
    sockets.push(s);
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** A sender that connects from `from`, sends one line and reports whether it got through. */
async function honestSender(kind: 'tcp' | 'tls', port: number, from: string, line: string, ca?: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s =
      kind === 'tcp'
        ? tcpConnect({ host: '127.0.0.1', port, localAddress: from }, () => s.end(`${line}\n`))
        : tlsConnect({ socket: tcpConnect({ host: '127.0.0.1', port, localAddress: from }), ca, servername: 'localhost' }, () => s.end(`${line.length + 1} ${line}\n`));
    sockets.push(s);
    s.once('error', reject);
    s.once('close', () => resolve());
  });
}

async function stored(word: string): Promise<number> {
  return (await engine!.call<EventsPage>('events.search', { query: word, limit: 1 })).total;
}

const refusedSum = (l: Listener) => Object.values(l.connectionsRefused).reduce((a, b) => a + b, 0);

describe('a TCP syslog listener cannot be locked out', () => {
  it('one host opening 256 silent connections gets its share; another sender still gets in', async () => {
    const port = await startCollector('tcp');
    for (let i = 0; i < 256; i++) await openIdle(port, '127.0.0.66');
    await waitFor('the listener to settle', async () => (await listener('tcp')).connectionsOpen + (await listener('tcp')).connectionsRefused.perSender === 256);
    await honestSender('tcp', port, '127.0.0.7', '<13>1 - web-1 app - - - honest-one got through');
    await waitFor('the honest line to be stored', async () => (await stored('honest')) === 1, 10_000);
    const l = await listener('tcp');
    console.log(`[listeners] tcp one host: ${JSON.stringify({ open: l.connectionsOpen, refused: l.connectionsRefused })}`);
    expect(l.connectionsRefused.perSender).toBe(256 - 16);
    expect(l.connectionsOpen).toBe(16);
    // What `vigil collect` prints and the panel shows come from this status.
    const final = await engine!.call<CollectorStatus>('collector.stop');
    expect(final.listeners.find((x) => x.source === 'tcp')!.connectionsRefused.perSender).toBe(240);
  });

  it('many hosts filling every slot with silent connections: a new sender evicts the quietest', async () => {
    const port = await startCollector('tcp', { maxConnections: 64, maxConnectionsPerSender: 8 });
    for (let h = 0; h < 10; h++) for (let i = 0; i < 8; i++) await openIdle(port, `127.0.1.${h + 1}`);
    await waitFor('the listener to be full', async () => (await listener('tcp')).connectionsOpen === 64);
    expect((await listener('tcp')).connectionsRefused.full).toBe(16);
    // Quiet for a while: the slots are held by nobody doing anything.
    await sleep(2500);
    await honestSender('tcp', port, '127.0.0.8', '<13>1 - web-2 app - - - newcomer got through');
    await waitFor('the newcomer to be stored', async () => (await stored('newcomer')) === 1, 10_000);
    const l = await listener('tcp');
    console.log(`[listeners] tcp many hosts: ${JSON.stringify({ open: l.connectionsOpen, refused: l.connectionsRefused })}`);
    expect(l.connectionsRefused.evicted).toBeGreaterThanOrEqual(1);
  });

  it('closes connections idle past the idle timeout, and a frame trickled past the read timeout, keeping what was sent', async () => {
    const port = await startCollector('tcp', { idleTimeoutMs: 1000, readTimeoutMs: 800 });
    const idle = await openIdle(port, '127.0.2.1');
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
    const slow = await openIdle(port, '127.0.2.2');
    const slowClosed = new Promise<void>((r) => slow.once('close', () => r()));
    slow.write('<13>1 - web-3 app - - - trickled');
    const trickle = setInterval(() => slow.writable && slow.write('x'), 100);
    const t0 = Date.now();
    await Promise.all([idleClosed, slowClosed]);
    clearInterval(trickle);
    const ms = Date.now() - t0;
    const l = await waitFor('both to be closed', async () => ((await listener('tcp')).connectionsOpen === 0 ? listener('tcp') : undefined));
    console.log(`[listeners] tcp timeouts after ${ms} ms: ${JSON.stringify(l.connectionsRefused)}; ${l.lastError}`);
    expect(l.connectionsRefused.idle).toBe(1);
    expect(l.connectionsRefused.slow).toBe(1);
    // The trickled line is kept, cut where the connection was cut.
    await waitFor('the trickled line to be stored', async () => (await stored('trickled*')) === 1, 10_000);
  });
});

describe('a TLS syslog listener cannot be locked out', () => {
  it('silent connections that never start a handshake are refused past the per-sender limit and cut at the read timeout', async (ctx) => {
    if (!hasOpenssl()) return ctx.skip('openssl is not installed; cannot make a test certificate');
    const cert = selfSignedCert();
    try {
      const port = await startCollector('tls', { readTimeoutMs: 1500 }, { certFile: cert.certFile, keyFile: cert.keyFile });
      for (let i = 0; i < 256; i++) await openIdle(port, '127.0.0.77');
      await waitFor('the per-sender limit', async () => (await listener('tls')).connectionsRefused.perSender === 240);
      await honestSender('tls', port, '127.0.0.9', '<13>1 - web-4 app - - - tls-honest got through', readFileSync(cert.certFile));
      await waitFor('the honest TLS line to be stored', async () => (await stored('honest')) === 1, 10_000);
      // The 16 silent ones never finish a handshake: cut at the read timeout (Node's own would be 120 s).
      await waitFor('the silent handshakes to be cut', async () => (await listener('tls')).connectionsRefused.slow === 16, 10_000);
      const l = await waitFor('the cut ones to close', async () => ((await listener('tls')).connectionsOpen === 0 ? listener('tls') : undefined));
      console.log(`[listeners] tls: ${JSON.stringify({ open: l.connectionsOpen, refused: l.connectionsRefused })}; ${l.lastError}`);
      expect(refusedSum(l)).toBe(256);
    } finally {
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });
});

describe('the webhook receiver and a hostile body', () => {
  it('answers a body nested 100,000 deep with 400, not 500, and keeps taking good ones', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'webhook' });
    const status = await engine.call<CollectorStatus>('collector.start', { config: { udp: { enabled: false }, tcp: { enabled: false }, webhook: { enabled: true, host: '127.0.0.1', port: 0 } } });
    const url = `http://${status.listeners.find((l) => l.source === 'webhook')!.address}/webhook`;
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const deepArray = await post('['.repeat(100_000) + ']'.repeat(100_000));
    expect(deepArray.status).toBe(400);
    expect(((await deepArray.json()) as { error: string }).error).toMatch(/nested deeper than 64 levels/);
    const deepObject = await post('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
    expect(deepObject.status).toBe(400);
    // As JSON lines, the deep line is counted malformed and the good one kept.
    const mixed = await post(`{"msg":"webhook-ok one"}\n${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(mixed.status).toBe(200);
    expect(await mixed.json()).toEqual({ accepted: 1, malformed: 1 });
    // Brackets inside strings are not nesting.
    const brackets = await post(JSON.stringify({ msg: `webhook-ok ${'['.repeat(500)}` }));
    expect(brackets.status).toBe(200);
    await waitFor('the good records to be stored', async () => (await stored('webhook')) === 2, 10_000);
  });
});
