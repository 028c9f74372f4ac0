/**
 * The Node host: serves the built renderer and carries the same bridge as the Electron preload
 * over a WebSocket. It binds to loopback by default and refuses any bridge or upload request that
 * does not carry its random token.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineLink } from '../../engine/link';
import { contentSecurityPolicy } from '../csp';
import { handleApi } from './api';

export interface ServerOptions {
  link: EngineLink;
  rendererDir: string;
  /** Where browser uploads land so the engine can read them by path. */
  inboxDir: string;
  host?: string;
  port?: number;
  token?: string;
  /** Key for the HTTP API (X-API-KEY); defaults to the token. */
  apiKey?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  apiKey: string;
  close(): Promise<void>;
}

/** Messages over the bridge socket; the same shapes as the worker protocol, plus ids. */
type ClientMessage = { id: number; method: string; input: unknown };

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const MAX_WS_MESSAGE = 16 * 1024 * 1024;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const apiKey = opts.apiKey ?? token;
  const rendererDir = resolve(opts.rendererDir);
  const indexHtml = injectBridge(readFileSync(join(rendererDir, 'index.html'), 'utf8'));
  mkdirSync(opts.inboxDir, { recursive: true });

  const tokenOk = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `Internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/upload') return upload(req, res, url);
    if (await handleApi(req, res, url, { link: opts.link, apiKey })) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return send(res, 200, MIME['.html']!, indexHtml, req);
    }
    // Static files only from inside the renderer folder, whatever the path says.
    const file = normalize(join(rendererDir, decodeURIComponent(url.pathname)));
    if (!file.startsWith(rendererDir + sep)) return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden');
    try {
      const body = await readFile(file);
      send(res, 200, MIME[extname(file)] ?? 'application/octet-stream', body, req);
    } catch {
      send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    }
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
    if (!tokenOk(req.headers['x-vigil-token'] as string | undefined)) return send(res, 401, 'text/plain; charset=utf-8', 'Missing or wrong token');
    const name = basename(url.searchParams.get('name') ?? 'upload.log').replace(/[^\w.-]+/g, '_').slice(0, 120) || 'upload.log';
    const dir = join(opts.inboxDir, randomUUID());
    mkdirSync(dir, { recursive: true });
    const target = join(dir, name);
    await pipeline(req, createWriteStream(target));
    send(res, 200, 'application/json', JSON.stringify({ path: target }));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    if (url.pathname !== '/bridge' || !tokenOk(url.searchParams.get('token')) || !sameOrigin) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const sockets = new Set<WebSocket>();
  const unsubscribe = opts.link.onEvent((name, payload) => {
    const frame = JSON.stringify({ event: name, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      let msg: ClientMessage;
      try {
        msg = JSON.parse(String(data)) as ClientMessage;
      } catch {
        return ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'invalid_input', message: 'Not JSON' } } }));
      }
      if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number' || typeof msg.method !== 'string') {
        return ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'invalid_input', message: 'Expected {id, method, input}' } } }));
      }
      void opts.link.request(msg.method, msg.input).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, reply }));
      });
    });
  }

  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => done());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    apiKey,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, req?: IncomingMessage): void {
  const wsSource = req?.headers.host ? [`ws://${req.headers.host}`] : [];
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': contentSecurityPolicy(wsSource),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.end(req?.method === 'HEAD' ? undefined : body);
}

/** The browser host provides `window.vigil` with a script that runs before the app's module. */
function injectBridge(html: string): string {
  const tag = '<script type="module" src="./vigil-bridge.js"></script>';
  // Module scripts run in document order, so the bridge must come before the app's first script.
  const at = html.indexOf('<script');
  return at === -1 ? html.replace('</head>', `  ${tag}\n  </head>`) : `${html.slice(0, at)}${tag}\n    ${html.slice(at)}`;
}
