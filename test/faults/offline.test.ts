/**
 * Nothing leaves the machine unless the analyst configures an LLM endpoint: an import of the
 * bundled sample case, the detection pass, incidents, explanations and the graph run with every
 * outgoing connection, datagram and DNS lookup of this process recorded; all must be loopback.
 * Then, with an LLM endpoint configured (a local stand-in), the only new contact is that endpoint.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { createServer } from 'node:http';
import net, { isIP } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob, DetectionRun } from '../../src-shared/dto';
import type { IncidentsPage, Rephrasing } from '../../src-shared/contract-incidents';
import { TestEngine } from '../../src-main/engine/test-support';
import { ROOT } from '../paths';

const contacts: string[] = [];
const lookups: string[] = [];
const restore: (() => void)[] = [];

function patch<T extends object, K extends keyof T>(obj: T, key: K, wrap: (orig: T[K]) => T[K]): void {
  const orig = obj[key];
  obj[key] = wrap(orig);
  restore.push(() => (obj[key] = orig));
}

/** `host:port` or a socket path from the many shapes of Socket#connect's arguments. */
function destination(args: unknown[]): string {
  const [a, b] = args as [unknown, unknown];
  if (Array.isArray(a)) return destination(a);
  if (typeof a === 'object' && a !== null) {
    const o = a as { path?: string; host?: string; port?: number };
    return o.path !== undefined ? `unix:${o.path}` : `${o.host ?? 'localhost'}:${o.port}`;
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return `unix:${a}`;
  return `${typeof b === 'string' ? b : 'localhost'}:${String(a)}`;
}

function isLocal(dest: string): boolean {
  if (dest.startsWith('unix:')) return true;
  const host = dest.slice(0, dest.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}

beforeAll(() => {
  patch(net.Socket.prototype, 'connect', (orig) =>
    function (this: net.Socket, ...args: unknown[]) {
      contacts.push(destination(args));
      return (orig as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof orig,
  );
  patch(dgram.Socket.prototype, 'send', (orig) =>
    function (this: dgram.Socket, ...args: unknown[]) {
      // send(msg, [offset, length,] port, address, cb)
      const rest = args.slice(1).filter((a) => typeof a !== 'function');
      const [port, address] = rest.length >= 4 ? rest.slice(2) : rest;
      contacts.push(`${String(address ?? 'localhost')}:${String(port)}`);
      return (orig as (...a: unknown[]) => void).apply(this, args);
    } as typeof orig,
  );
  patch(dns, 'lookup', (orig) =>
    function (hostname: string, ...rest: unknown[]) {
      lookups.push(hostname);
      return (orig as (...a: unknown[]) => void)(hostname, ...rest);
    } as typeof orig,
  );
  patch(dns.promises, 'lookup', (orig) =>
    function (hostname: string, ...rest: unknown[]) {
      lookups.push(hostname);
      return (orig as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
    } as typeof orig,
  );
});

afterAll(() => {
  for (const r of restore.reverse()) r();
});

describe('offline by default', () => {
  it('records a connection to a non-loopback address (the instrument works)', async () => {
    const before = contacts.length;
    const s = net.connect({ host: '192.0.2.1', port: 9 });
    s.on('error', () => {});
    s.destroy();
    expect(contacts.slice(before)).toEqual(['192.0.2.1:9']);
    expect(isLocal(contacts[before]!)).toBe(false);
    contacts.length = before;
  });

  let engine: TestEngine;
  afterAll(async () => engine?.link.close());

  it('imports, detects, builds incidents, explains and draws the graph without contacting anything but loopback', async () => {
    engine = new TestEngine();
    await engine.call('cases.create', { name: 'offline' });
    const finished = engine.next<ImportJob>('ingest.finished', () => true, 60_000);
    const detected = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'import', 120_000);
    await engine.call('ingest.startImport', { paths: [join(ROOT, 'resources', 'samples', 'sample-case.tar.gz')] });
    expect((await finished).status).toBe('done');
    expect((await detected).status).toBe('done');
    const incidents = await engine.call<IncidentsPage>('incidents.list', {});
    expect(incidents.rows.length).toBeGreaterThan(0);
    const first = incidents.rows[0]!;
    await engine.call('incidents.get', { id: first.id });
    const text = await engine.call<Rephrasing>('incidents.rephrase', { id: first.id });
    expect(text.source).toBe('deterministic');
    await engine.call('graph.getSummary');
    await engine.call('events.search', { query: 'password' });
    await engine.call('rules.list').catch(() => null);

    console.log(`[offline] contacts: ${JSON.stringify([...new Set(contacts)])}; DNS lookups: ${JSON.stringify(lookups)}`);
    expect(contacts.filter((c) => !isLocal(c))).toEqual([]);
    expect(lookups.filter((h) => h !== 'localhost')).toEqual([]);
  });

  it('contacts the configured LLM endpoint, and nothing else, once the analyst turns it on', async () => {
    const hits: string[] = [];
    const llm = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model: 'stand-in', message: { role: 'assistant', content: 'Rephrased by the local stand-in.' }, done: true }));
      });
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', () => r()));
    const port = (llm.address() as net.AddressInfo).port;
    try {
      const before = contacts.length;
      await engine.call('incidents.setLlmSettings', { enabled: true, provider: 'ollama', baseUrl: `http://127.0.0.1:${port}`, model: 'stand-in' });
      const first = (await engine.call<IncidentsPage>('incidents.list', {})).rows[0]!;
      const text = await engine.call<Rephrasing>('incidents.rephrase', { id: first.id });
      expect(hits.length).toBe(1);
      expect(text.source).toBe('llm');
      expect([...new Set(contacts.slice(before))]).toEqual([`127.0.0.1:${port}`]);
    } finally {
      await engine.call('incidents.setLlmSettings', { enabled: false, provider: 'ollama', baseUrl: '', model: '' });
      await new Promise<void>((r) => llm.close(() => r()));
    }
  });
});
