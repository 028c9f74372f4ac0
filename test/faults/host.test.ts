/**
 * The Node host (vigil serve) as an attacker on the same machine or network would meet it: it
 * listens on loopback only unless told otherwise, refuses HTTP and WebSocket requests without its
 * token wherever the token might be slipped in, answers only to loopback host names there (DNS
 * rebinding), survives hostile frames and URLs, never serves a planted link, caps uploads and
 * cleans them up, and takes CSP reports.
 */
import { linkSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessEngineLink } from '../../src-main/engine/link';
import { tempDir } from '../../src-main/engine/test-support';
import { hostRefusal, webSocketSource } from '../../src-main/host/server/host-header';
import { startServer, type RunningServer } from '../../src-main/host/server/server';
import { waitFor } from './support';

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

describe('the Node host checks the Host header (DNS rebinding)', () => {
  it('refuses non-loopback host names while bound to loopback, even with the token and a matching Origin', async () => {
    const t = server.token;
    const get = (path: string, host: string) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const r = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { Host: host } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        r.on('error', reject);
        r.end();
      });
    expect((await get('/', 'evil.example')).status).toBe(403);
    expect((await get(`/csp-report`, `evil.example:${server.port}`)).status).toBe(403);
    expect((await get('/', `localhost:${server.port}`)).status).toBe(200);
    expect((await get('/', `127.0.0.1:${server.port}`)).status).toBe(200);
    // The rebinding page's WebSocket: right token, its own Origin, its own Host.
    await expect(openSocket(`?token=${t}`, { Host: `evil.example:${server.port}`, Origin: `http://evil.example:${server.port}` })).rejects.toThrow('HTTP 401');
    // A Host header is never copied into the CSP unchecked.
    const injected = await get('/', `127.0.0.1:${server.port};script-src 'unsafe-inline'`);
    expect(injected.status).toBe(403);
    expect(String(injected.headers['content-security-policy'])).not.toContain('unsafe-inline');
    const ok = await get('/', `localhost:${server.port}`);
    expect(String(ok.headers['content-security-policy'])).toContain(`connect-src 'self' ws://localhost:${server.port}`);
  });

  it('beyond loopback, takes any well-formed name but copies only well-formed ones into the CSP', () => {
    expect(hostRefusal('vigil.lab.example:8080', '0.0.0.0')).toBeNull();
    expect(hostRefusal('evil.example', '127.0.0.1')).toMatch(/answers only to localhost/);
    expect(hostRefusal("a;script-src 'unsafe-inline'", '0.0.0.0')).toMatch(/not a host name/);
    expect(webSocketSource('vigil.lab.example:8080')).toEqual(['ws://vigil.lab.example:8080']);
    expect(webSocketSource('[::1]:80')).toEqual(['ws://[::1]:80']);
    expect(webSocketSource("x:1 'unsafe-eval'")).toEqual([]);
    expect(webSocketSource(undefined)).toEqual([]);
  });
});

describe('the Node host refuses the small attacks', () => {
  it('answers a malformed percent-encoding with 400, not 500', async () => {
    expect((await fetch(`${base()}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${base()}/assets/%ZZ.js`)).status).toBe(400);
  });

  it('keeps the API key apart from the bridge token', async () => {
    expect(server.apiKey).not.toBe(server.token);
    expect((await fetch(`${base()}/health`, { headers: { 'X-API-KEY': server.token } })).status).toBe(401);
    expect((await fetch(`${base()}/health`, { headers: { 'X-API-KEY': server.apiKey } })).status).toBe(200);
    await expect(openSocket(`?token=${server.apiKey}`)).rejects.toThrow('HTTP 401');
  });

  it('never follows a link planted in exports/', async () => {
    const exportsDir = join(dataDir, 'exports');
    mkdirSync(exportsDir);
    writeFileSync(join(exportsDir, 'incidents.json'), '{"ok":true}');
    writeFileSync(join(dataDir, 'secret.txt'), 'not for download');
    symlinkSync(join(dataDir, 'secret.txt'), join(exportsDir, 'leak.json'));
    symlinkSync('/etc/passwd', join(exportsDir, 'passwd.json'));
    linkSync(join(dataDir, 'secret.txt'), join(exportsDir, 'hard.json'));
    const s = await startServer({ link, rendererDir: join(dataDir, 'renderer'), inboxDir: join(dataDir, 'inbox2'), exportsDir });
    try {
      const dl = (name: string) => fetch(`http://127.0.0.1:${s.port}/download?name=${name}&token=${s.token}`);
      const good = await dl('incidents.json');
      expect(good.status).toBe(200);
      expect(await good.text()).toBe('{"ok":true}');
      for (const name of ['leak.json', 'passwd.json', 'hard.json', '..%2Fsecret.txt']) {
        const r = await dl(name);
        expect(r.status, name).toBe(404);
        expect(await r.text()).not.toContain('not for download');
      }
    } finally {
      await s.close();
    }
  });
});

describe('uploads are capped and the inbox is cleaned', () => {
  it('refuses an upload over the cap with a clear error and keeps nothing of it', async () => {
    const s = await startServer({ link, rendererDir: join(dataDir, 'renderer'), inboxDir: join(dataDir, 'inbox-cap'), maxUploadBytes: 1024 * 1024 });
    try {
      const r = await fetch(`http://127.0.0.1:${s.port}/upload?name=big.log`, { method: 'POST', headers: { 'X-Vigil-Token': s.token }, body: Buffer.alloc(2 * 1024 * 1024, 0x61) });
      expect(r.status).toBe(413);
      expect(await r.text()).toMatch(/larger than this host's limit of 1 MiB.*--max-upload/);
      expect(s.inbox()).toEqual([]);
      // Told up front (a 5 GiB Content-Length) it answers before a byte of the body is read.
      const early = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/upload?name=huge.log', headers: { 'X-Vigil-Token': s.token, 'Content-Length': String(5 * 1024 ** 3) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(early).toBe(413);
      expect(s.inbox()).toEqual([]);
      const small = await fetch(`http://127.0.0.1:${s.port}/upload?name=ok.log`, { method: 'POST', headers: { 'X-Vigil-Token': s.token }, body: 'fine\n' });
      expect(small.status).toBe(200);
      expect(s.inbox()).toHaveLength(1);
    } finally {
      await s.close();
    }
    // Stopping the host empties its inbox.
    expect(readdirSync(join(dataDir, 'inbox-cap'))).toEqual([]);
  });

  it('removes an upload once its import ends, and what was never imported when the case closes', async () => {
    const ws = await openSocket(`?token=${server.token}`);
    let id = 0;
    const call = async (method: string, input: unknown = {}) => {
      const reply = nextReply(ws);
      ws.send(JSON.stringify({ id: ++id, method, input }));
      return (await reply).reply as { ok: boolean; value?: unknown };
    };
    const upload = async (name: string, body: string) =>
      ((await (await fetch(`${base()}/upload?name=${name}`, { method: 'POST', headers: { 'X-Vigil-Token': server.token }, body })).json()) as { path: string }).path;
    expect((await call('cases.create', { name: 'inbox', path: join(dataDir, 'inbox.vigil') })).ok).toBe(true);
    const path = await upload('auth.log', 'Mar  1 10:00:00 web-1 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n');
    expect(server.inbox()).toHaveLength(1);
    const finished = new Promise<void>((resolve) => ws.on('message', (d) => (JSON.parse(String(d)) as { event?: string }).event === 'ingest.finished' && resolve()));
    expect((await call('ingest.startImport', { paths: [path] })).ok).toBe(true);
    await finished;
    await waitFor('the import\'s upload to be removed', () => server.inbox().length === 0, 10_000);
    await upload('never-imported.log', 'x\n');
    expect(server.inbox()).toHaveLength(1);
    expect((await call('cases.close')).ok).toBe(true);
    await waitFor('the unimported upload to be removed', () => server.inbox().length === 0, 10_000);
    ws.close();
  });
});
