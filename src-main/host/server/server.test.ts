import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessEngineLink } from '../../engine/link';
import { tempDir } from '../../engine/test-support';
import { startServer, type RunningServer } from './server';

let server: RunningServer;
let link: InProcessEngineLink;
let dataDir: string;

beforeEach(async () => {
  dataDir = tempDir();
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<html><head><title>Vigil</title><script type="module" src="./assets/app.js"></script></head><body></body></html>');
  link = new InProcessEngineLink({ dataDir, version: 'test' });
  server = await startServer({ link, rendererDir, inboxDir: join(dataDir, 'inbox'), port: 0 });
});

afterEach(async () => {
  await server.close();
  await link.close();
});

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/bridge${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function ask(ws: WebSocket, id: number, method: string, input: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(String(data)) as { id?: number; reply?: unknown };
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.reply);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, input }));
  });
}

describe('Node host', () => {
  it('binds to loopback and prints a URL with its token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[\\w-]{20,}$`));
  });

  it('refuses a bridge connection without the token, with a wrong token, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401');
    await expect(connect('?token=wrong')).rejects.toThrow('HTTP 401');
    await expect(connect(`?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 401');
  });

  it('carries contract requests and events over the socket with the token', async () => {
    const ws = await connect(`?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });
    const events: string[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { event?: string };
      if (m.event) events.push(m.event);
    });
    const reply = (await ask(ws, 1, 'cases.create', { name: 'over-ws' })) as { ok: boolean; value: { name: string } };
    expect(reply).toMatchObject({ ok: true, value: { name: 'over-ws' } });
    expect(await ask(ws, 2, 'cases.open', { path: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toContain('cases.changed');
    ws.close();
  });

  it('answers garbage frames with an error instead of dropping the connection', async () => {
    const ws = await connect(`?token=${server.token}`);
    const reply = await new Promise((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.send('{not json');
    });
    expect(reply).toMatchObject({ reply: { ok: false, error: { code: 'invalid_input' } } });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('serves the renderer with a strict CSP and the bridge injected before the app', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html.indexOf('vigil-bridge.js')).toBeGreaterThan(-1);
    expect(html.indexOf('vigil-bridge.js')).toBeLessThan(html.indexOf('assets/app.js'));
  });

  it('never serves files outside the renderer folder', async () => {
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      expect([403, 404]).toContain(res.status);
    }
  });

  it('accepts uploads only with the token and keeps them inside the inbox', async () => {
    const url = `http://127.0.0.1:${server.port}/upload?name=${encodeURIComponent('../../evil name.log')}`;
    expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(401);
    const res = await fetch(url, { method: 'POST', body: 'line one\nline two\n', headers: { 'X-Vigil-Token': server.token } });
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect(path.startsWith(join(dataDir, 'inbox'))).toBe(true);
    expect(path.endsWith('evil_name.log')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('line one\nline two\n');
  });
});
