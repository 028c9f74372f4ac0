/**
 * The Node host: serves the built renderer and carries the same bridge as the Electron preload
 * over a WebSocket. It binds to loopback by default, answers there only to loopback host names
 * (DNS rebinding), and refuses any bridge or upload request that does not carry its random token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer } from 'ws';
import type { EngineLink } from '../../engine/link';
import { contentSecurityPolicy } from '../csp';
import { handleApi } from './api';
import { BridgeConnections } from './bridge-socket';
import { hostRefusal, webSocketSource } from './host-header';
import { Inbox } from './inbox';

export interface ServerOptions {
  link: EngineLink;
  rendererDir: string;
  /** Where browser uploads land so the engine can read them by path; cleaned as imports end. */
  inboxDir: string;
  /** Largest upload accepted, in bytes (default 4 GiB). */
  maxUploadBytes?: number;
  /** Where the engine writes exports; GET /download?name= serves them (with the token). */
  exportsDir?: string;
  host?: string;
  port?: number;
  token?: string;
  /** Key for the HTTP API (X-API-KEY); a random one of its own by default, never the bridge token. */
  apiKey?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  apiKey: string;
  /** Upload folders waiting in the inbox (tests). */
  inbox(): string[];
  close(): Promise<void>;
}

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
  // A key of its own: a script that learns the API key (it is printed for curl users, kept in
  // shell history) must not get the whole workbench with it, nor the other way round.
  const apiKey = opts.apiKey ?? randomBytes(24).toString('base64url');
  const rendererDir = resolve(opts.rendererDir);
  const indexHtml = injectBridge(readFileSync(join(rendererDir, 'index.html'), 'utf8'));
  const inbox = new Inbox(opts.inboxDir, opts.maxUploadBytes);

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
    const refused = hostRefusal(req.headers.host, host);
    if (refused) return send(res, 403, 'text/plain; charset=utf-8', refused);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/upload') return upload(req, res, url);
    if (url.pathname === CSP_REPORT_PATH) return cspReport(req, res);
    if (url.pathname === '/download') return download(req, res, url);
    if (await handleApi(req, res, url, { link: opts.link, apiKey })) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return send(res, 200, MIME['.html']!, indexHtml, req);
    }
    // Static files only from inside the renderer folder, whatever the path says.
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'Bad request: the path is not valid percent-encoding');
    }
    const file = normalize(join(rendererDir, path));
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
    const r = await inbox.receive(req, url.searchParams.get('name'));
    if (r.status === 413) res.setHeader('Connection', 'close');
    send(res, r.status, r.contentType, r.body);
  }

  async function download(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
    if (!tokenOk(url.searchParams.get('token'))) return send(res, 401, 'text/plain; charset=utf-8', 'Missing or wrong token');
    if (!opts.exportsDir) return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    // Only a regular file directly inside the exports folder, whatever the name says, and never
    // through a link: opened without following one, then checked on the open descriptor itself.
    const name = basename(url.searchParams.get('name') ?? '');
    const file = join(resolve(opts.exportsDir), name);
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    let size: number;
    try {
      if (!name) throw new Error('no name');
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await handle.stat();
      if (!st.isFile() || st.nlink !== 1) throw new Error('not a plain file');
      size = st.size;
    } catch {
      await handle?.close();
      return send(res, 404, 'text/plain; charset=utf-8', 'No such export');
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': size,
      'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]+/g, '_')}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    await pipeline(handle.createReadStream(), res);
  }

  /** Violations the browser reported, newest last: logged, and listed to a caller with the token. */
  const violations: CspViolation[] = [];
  let violationCount = 0;
  async function cspReport(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      if (!tokenOk(req.headers['x-vigil-token'] as string | undefined)) return send(res, 401, 'text/plain; charset=utf-8', 'Missing or wrong token');
      return send(res, 200, 'application/json', JSON.stringify({ count: violationCount, recent: violations }));
    }
    if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');
    // The browser sends reports without our token; they are only ever logged and counted.
    let body: Buffer;
    try {
      body = await readLimited(req, MAX_CSP_REPORT);
    } catch {
      return send(res, 413, 'text/plain; charset=utf-8', 'Report too large');
    }
    for (const v of parseCspReports(body)) {
      violationCount++;
      violations.push(v);
      if (violations.length > 50) violations.shift();
      // At most a few lines a minute in the log, however many arrive.
      if (violationCount <= 20 || violationCount % 1000 === 0) {
        process.stderr.write(`[vigil] content security policy blocked ${v.blocked} (${v.directive}) on ${v.document}${violationCount === 20 ? '; further reports are counted, not logged' : ''}\n`);
      }
    }
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  const bridges = new BridgeConnections(opts.link, {
    onReply: (method, reply) => {
      if (method === 'ingest.startImport' && reply.ok) inbox.importsStarted((reply.value as { jobs: { path: string }[] }).jobs);
    },
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    if (url.pathname !== '/bridge' || hostRefusal(req.headers.host, host) !== null || !tokenOk(url.searchParams.get('token')) || !sameOrigin) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bridges.attach(ws));
  });

  const unsubscribe = opts.link.onEvent((name, payload) => {
    inbox.onEvent(name, payload);
    bridges.broadcast(name, payload);
  });

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
    inbox: () => inbox.list(),
    close: async () => {
      unsubscribe();
      bridges.close();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
      inbox.close();
    },
  };
}

const CSP_REPORT_PATH = '/csp-report';
const MAX_CSP_REPORT = 64 * 1024;

export interface CspViolation {
  directive: string;
  blocked: string;
  document: string;
  at: number;
}

function readLimited(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        reject(new Error('too large'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Both report shapes: `report-uri`'s {"csp-report": {...}} and the Reporting API's list. */
function parseCspReports(body: Buffer): CspViolation[] {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const clean = (v: unknown) => (typeof v === 'string' ? v.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 300) : '');
  const items = Array.isArray(data) ? data.map((r) => (r as { body?: unknown })?.body) : [(data as { 'csp-report'?: unknown })?.['csp-report']];
  return items
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
    .map((r) => ({
      directive: clean(r['effective-directive'] ?? r['violated-directive'] ?? r.effectiveDirective) || 'unknown',
      blocked: clean(r['blocked-uri'] ?? r.blockedURL) || 'unknown',
      document: clean(r['document-uri'] ?? r.documentURL) || 'unknown',
      at: Date.now(),
    }));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, req?: IncomingMessage): void {
  const wsSource = webSocketSource(req?.headers.host);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': contentSecurityPolicy(wsSource, CSP_REPORT_PATH),
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
