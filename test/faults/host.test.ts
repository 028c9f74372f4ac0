/**
 * The Node host (vigil serve) as an attacker on the same machine or network would meet it: it
 * listens on loopback only unless told otherwise, refuses HTTP and WebSocket requests without its
 * token wherever the token might be slipped in, survives hostile frames, and takes CSP reports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessEngineLink } from '../../src-main/engine/link';
import { tempDir } from '../../src-main/engine/test-support';
import { startServer, type RunningServer } from '../../src-main/host/server/server';

let server: RunningServer;
let link: InProcessEngineLink;
let dataDir: string;

beforeEach(async () => {
  dataDir = tempDir();
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<html><head><script type="module" src="./app.js"></script></head><body></body></html>');
  link = new InProcessEngineLink({ dataDir, version: 'test' });
  server = await startServer({ link, rendererDir, inboxDir: join(dataDir, 'inbox') });
});

afterEach(async () => {
  await server.close();
  await link.close();
});

const base = () => `http://127.0.0.1:${server.port}`;

function openSocket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge${query}`, { headers, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function nextReply(ws: WebSocket): Promise<{ id: unknown; reply: { ok: boolean; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d)) as { id?: unknown; reply?: { ok: boolean } };
      if ('reply' in m) {
        ws.off('message', on);
        resolve(m as never);
      }
    };
    ws.on('message', on);
  });
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('the Node host binds to loopback', () => {
  it('listens on 127.0.0.1 by default and cannot be reached on the machine\'s other addresses', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    expect(await reachable('127.0.0.1', server.port)).toBe(true);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const addr of others) expect(await reachable(addr, server.port), addr).toBe(false);
    expect(await reachable('::1', server.port)).toBe(false);
  });
});

describe('the Node host demands its token', () => {
  it('refuses the WebSocket bridge without the exact token, wherever else it is put', async () => {
    const t = server.token;
    const refused = [
      '',
      '?token=',
      `?token=${t.slice(0, -1)}`,
      `?token=${t}x`,
      `?token=${t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase()}`,
      `?Token=${t}`,
      `?token[]=${t}`,
      `?token=${'a'.repeat(100_000)}`,
    ];
    // 401, or 431 for a URL too long to read at all.
    for (const q of refused) await expect(openSocket(q), q.slice(0, 40)).rejects.toThrow(/HTTP 4(01|31)/);
    await expect(openSocket('', { 'X-Vigil-Token': t, Authorization: `Bearer ${t}`, Cookie: `token=${t}` })).rejects.toThrow('HTTP 401');
    await expect(openSocket(`?token=${t}`, { Origin: 'http://attacker.example' })).rejects.toThrow('HTTP 401');
    await expect(openSocket(`?token=${t}`, { Origin: 'null' })).rejects.toThrow('HTTP 401');
    const ws = await openSocket(`?token=${t}`);
    ws.close();
  });

  it('refuses uploads and the API without their token or key, and serves no case data over plain HTTP', async () => {
    const t = server.token;
    const upload = (headers: Record<string, string>, q = '') => fetch(`${base()}/upload?name=x.log${q}`, { method: 'POST', body: 'secret line\n', headers }).then((r) => r.status);
    expect(await upload({})).toBe(401);
    expect(await upload({}, `&token=${t}`)).toBe(401);
    expect(await upload({ Authorization: `Bearer ${t}` })).toBe(401);
    expect(await upload({ 'X-Vigil-Token': 'wrong' })).toBe(401);
    expect(await upload({ 'X-Vigil-Token': t })).toBe(200);
    for (const path of ['/health', '/detect-sessions', '/detect-incidents']) {
      expect((await fetch(`${base()}${path}`, { method: path === '/health' ? 'GET' : 'POST', body: path === '/health' ? undefined : '{}' })).status).toBe(401);
      expect((await fetch(`${base()}${path}?token=${t}`, { method: path === '/health' ? 'GET' : 'POST', body: path === '/health' ? undefined : '{}' })).status).toBe(401);
    }
    expect((await fetch(`${base()}/csp-report`)).status).toBe(401);
    // Nothing but the static renderer answers without the token: no contract over HTTP.
    for (const path of ['/bridge', '/cases', '/api/cases.getCurrent', '/inbox', '/../data']) {
      const res = await fetch(`${base()}${path}`);
      expect([401, 403, 404, 405], path).toContain(res.status);
    }
  });
});

describe('the bridge survives hostile frames', () => {
  it('answers garbage with invalid_input or unknown_method and keeps serving', async () => {
    const ws = await openSocket(`?token=${server.token}`);
    const frames: [string | Buffer, string][] = [
      [Buffer.from([0xff, 0x00, 0xfe, 0x80]), 'invalid_input'],
      ['[]', 'invalid_input'],
      ['null', 'invalid_input'],
      ['{"id":"1","method":"app.getInfo"}', 'invalid_input'],
      ['{"id":1,"method":42}', 'invalid_input'],
      ['{"id":1,"method":"__proto__","input":{}}', 'unknown_method'],
      ['{"id":1,"method":"constructor","input":{}}', 'unknown_method'],
      ['{"id":1,"method":"cases.open","input":{"__proto__":{"polluted":true},"path":"x"}}', 'invalid_input'],
      [`{"id":1,"method":"cases.create","input":{"name":"${'n'.repeat(5 * 1024 * 1024)}"}}`, 'invalid_input'],
    ];
    for (const [frame, code] of frames) {
      const reply = nextReply(ws);
      ws.send(frame);
      expect((await reply).reply.error?.code, String(frame).slice(0, 60)).toBe(code);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A burst of requests is answered in full, each under its own id.
    const ids = new Set<number>();
    const all = new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number };
        if (typeof m.id === 'number') ids.add(m.id);
        if (ids.size === 1000) resolve();
      });
    });
    for (let i = 1; i <= 1000; i++) ws.send(JSON.stringify({ id: 10_000 + i, method: 'app.getInfo', input: {} }));
    await all;
    expect(ids.size).toBe(1000);
    ws.close();
  });

  it('drops a connection that sends a frame over 16 MB, and still serves others', async () => {
    const ws = await openSocket(`?token=${server.token}`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(Buffer.alloc(17 * 1024 * 1024, 0x20));
    expect(await closed).toBe(1009);
    const again = await openSocket(`?token=${server.token}`);
    const reply = nextReply(again);
    again.send(JSON.stringify({ id: 1, method: 'app.getInfo', input: {} }));
    expect((await reply).reply.ok).toBe(true);
    again.close();
  });
});

describe('content security policy reports', () => {
  it('asks the browser to report violations, and counts and lists what it reports', async () => {
    const res = await fetch(`${base()}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/report-uri \/csp-report/);
    const report = { 'csp-report': { 'document-uri': `${base()}/`, 'violated-directive': 'script-src-elem', 'effective-directive': 'script-src-elem', 'blocked-uri': 'inline' } };
    const posted = await fetch(`${base()}/csp-report`, { method: 'POST', body: JSON.stringify(report), headers: { 'Content-Type': 'application/csp-report' } });
    expect(posted.status).toBe(204);
    expect((await fetch(`${base()}/csp-report`, { method: 'POST', body: 'x'.repeat(100 * 1024) }).catch(() => ({ status: 413 }))).status).toBe(413);
    const listed = (await (await fetch(`${base()}/csp-report`, { headers: { 'X-Vigil-Token': server.token } })).json()) as { count: number; recent: { directive: string; blocked: string }[] };
    expect(listed.count).toBe(1);
    expect(listed.recent[0]).toMatchObject({ directive: 'script-src-elem', blocked: 'inline' });
  });
});
