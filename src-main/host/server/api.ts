/**
 * The Node host's HTTP API beside the workbench (DESIGN.md "Command line and HTTP API"):
 * `GET /health`, `POST /detect-sessions`, `POST /detect-incidents`, and its OpenAPI document.
 * Log lines sent to the API go through a throwaway case of their own, so the analyst's open case
 * is never touched. The host's thread only moves bytes: the body is streamed to a file (and
 * refused past MAX_BODY_BYTES as it arrives), a worker thread of the request's own parses it and
 * runs the detection (api-worker.ts), and the result is streamed back from a file. One request
 * is worked on at a time, a few more wait, the rest are told to come back; /health stays fast.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import type { SampleCase } from '../../../src-shared/contract-incidents';
import type { Envelope } from '../../../src-shared/envelope';
import type { EngineLink } from '../../engine/link';
import { workerScript } from '../../engine/worker-script';
import { FORMATS, MAX_LINES, runApiJob, type ApiJob, type ApiOutcome } from './api-detect';

export { MAX_LINES } from './api-detect';

export interface ApiContext {
  link: EngineLink;
  /** The key clients send in X-API-KEY; the API is refused without it. */
  apiKey: string;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Requests waiting behind the one being worked on; more are answered 503. */
const MAX_WAITING = 4;
const DETECT_TIMEOUT_MS = 120_000;
let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

/** True when the request was an API request and has been answered. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<boolean> {
  const path = url.pathname;
  if (path === '/openapi.json') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    return json(res, 200, OPENAPI);
  }
  if (path !== '/health' && path !== '/detect-sessions' && path !== '/detect-incidents') return false;
  if (!keyOk(req.headers['x-api-key'], ctx.apiKey)) return json(res, 401, { error: 'missing or wrong X-API-KEY' });
  if (path === '/health') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    const info = (await ctx.link.request('app.getInfo', {})) as Envelope<{ version: string }>;
    return json(res, 200, { status: 'ok', version: info.ok ? info.value.version : null });
  }
  if (req.method !== 'POST') return json(res, 405, { error: 'method not allowed' });
  if (waiting >= MAX_WAITING) {
    req.resume();
    res.setHeader('retry-after', '10');
    return json(res, 503, { error: `busy: ${waiting} requests are waiting; retry later` });
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  let cleanup = true;
  // Counted as waiting from its arrival until its turn comes (or it is answered before that).
  let counted = true;
  const leaveQueue = () => {
    if (counted) waiting--;
    counted = false;
  };
  waiting++;
  try {
    const bodyFile = join(dir, 'body');
    const refused = await saveBody(req, bodyFile);
    if (refused) {
      res.setHeader('connection', 'close');
      return json(res, 413, { error: refused });
    }
    const job: ApiJob = {
      dir,
      bodyFile,
      contentType: String(req.headers['content-type'] ?? ''),
      what: path === '/detect-sessions' ? 'sessions' : 'incidents',
      rulesDir: await rulesDirOf(ctx.link),
    };
    const run = queue.then(() => {
      leaveQueue();
      return inWorker(job);
    });
    queue = run.catch(() => undefined);
    const outcome = await run;
    if (outcome.file === undefined) return json(res, outcome.status, { error: outcome.error ?? 'failed' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    cleanup = false;
    void pipeline(createReadStream(outcome.file), res)
      .catch(() => undefined)
      .finally(() => rmSync(dir, { recursive: true, force: true }));
    return true;
  } finally {
    leaveQueue();
    if (cleanup) rmSync(dir, { recursive: true, force: true });
  }
}

/** Streams the body to `file`; the reason it was refused (too large), or null. */
async function saveBody(req: IncomingMessage, file: string): Promise<string | null> {
  const tooLarge = `the body is larger than ${MAX_BODY_BYTES} bytes; send at most ${MAX_LINES} lines per request`;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    req.resume();
    return tooLarge;
  }
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(size > MAX_BODY_BYTES ? new Error(tooLarge) : null, chunk);
    },
  });
  try {
    await pipeline(req, cap, createWriteStream(file));
    return null;
  } catch (err) {
    if (size > MAX_BODY_BYTES) return tooLarge;
    throw err;
  }
}

/** Runs a job in a worker thread of its own, or here where no worker script can be found. */
function inWorker(job: ApiJob): Promise<ApiOutcome> {
  const script = workerScript(import.meta.url, 'api-worker', './api-worker.ts');
  if (script === null) return runApiJob(job);
  return new Promise((resolve) => {
    const worker = new Worker(script.code, { eval: script.eval, workerData: job });
    let settled = false;
    const settle = (o: ApiOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
      void worker.terminate();
    };
    const timer = setTimeout(() => settle({ status: 504, error: `detection took longer than ${DETECT_TIMEOUT_MS / 1000} s` }), DETECT_TIMEOUT_MS);
    worker.on('message', (m: ApiOutcome | { kind: 'error'; message: string }) =>
      settle('kind' in m ? { status: 500, error: `the API worker could not start: ${m.message}` } : m),
    );
    worker.on('error', (err) => settle({ status: 500, error: err.message }));
    worker.on('exit', (code) => settle({ status: 500, error: `the API worker stopped (exit code ${code})` }));
  });
}

function keyOk(got: string | string[] | undefined, want: string): boolean {
  if (typeof got !== 'string' || !want) return false;
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(got).digest();
  const b = createHash('sha256').update(want).digest();
  return timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
  return true;
}

async function rulesDirOf(link: EngineLink): Promise<string | undefined> {
  const reply = (await link.request('incidents.getSample', {})) as Envelope<SampleCase>;
  return reply.ok ? join(dirname(dirname(reply.value.archive)), 'sigma') : undefined;
}

const linesBody = {
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['lines'],
        properties: {
          lines: {
            type: 'array',
            items: { type: 'string' },
            maxItems: MAX_LINES,
            description: 'Raw log lines (auth.log, access log, syslog, JSON lines).',
          },
          format: { type: 'string', enum: [...FORMATS], default: 'auto' },
        },
      },
    },
    'text/plain': { schema: { type: 'string', description: 'Log lines, one per line.' } },
  },
};

const errors = {
  '400': { description: 'The body is not lines', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '401': { description: 'Missing or wrong X-API-KEY', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '413': { description: `Body over ${MAX_BODY_BYTES} bytes or ${MAX_LINES} lines` },
};

export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'Vigil HTTP API',
    version: '1',
    description: 'Log lines in, behaviour scores or incidents out. Every request runs in a throwaway case; the open case is untouched.',
  },
  servers: [{ url: '/' }],
  security: [{ apiKey: [] }],
  components: {
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' } },
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'string' } } },
      Incident: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          category: { type: 'string', enum: ['auth_attack', 'scanner', 'misconfiguration', 'app_error', 'anomaly'] },
          pattern: { type: 'string', nullable: true },
          severity: { type: 'string', enum: ['informational', 'low', 'medium', 'high', 'critical'] },
          priority: { type: 'number' },
          confidence: { type: 'number' },
          title: { type: 'string' },
          entities: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, value: { type: 'string' } } } },
          firstTs: { type: 'integer', nullable: true },
          lastTs: { type: 'integer', nullable: true },
          first: { type: 'string', format: 'date-time', nullable: true },
          last: { type: 'string', format: 'date-time', nullable: true },
          eventCount: { type: 'integer' },
          summary: { type: 'string' },
          detectors: { type: 'array', items: { type: 'string' } },
          tags: { type: 'array', items: { type: 'string' } },
          kind: { type: 'string', enum: ['incident', 'campaign'], description: 'A campaign is one row for many addresses that behave alike' },
          campaignId: { type: 'string', nullable: true, description: 'For an incident that got in during a campaign: that campaign' },
          memberCount: { type: 'integer' },
          members: {
            type: 'array',
            description: "A campaign's addresses (empty for a plain incident)",
            items: {
              type: 'object',
              properties: {
                ip: { type: 'string' },
                firstTs: { type: 'integer' },
                lastTs: { type: 'integer' },
                tries: { type: 'integer' },
                failures: { type: 'integer' },
                successes: { type: 'integer' },
                outcome: { type: 'string', enum: ['failed', 'got_in'] },
                tried: { type: 'array', items: { type: 'string' } },
                evidence: { type: 'array', items: { type: 'integer' } },
                incidentId: { type: 'string', nullable: true },
                lifted: { type: 'boolean' },
              },
            },
          },
        },
      },
      Group: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['session', 'ip_window'] },
          key: { type: 'string' },
          ip: { type: 'string', nullable: true },
          user: { type: 'string', nullable: true },
          userAgent: { type: 'string', nullable: true },
          startTs: { type: 'integer' },
          endTs: { type: 'integer' },
          events: { type: 'integer' },
          score: { type: 'number', nullable: true, description: 'Isolation Forest score; higher is more anomalous' },
          level: { type: 'string', nullable: true, enum: ['low', 'medium', 'high', null] },
        },
      },
    },
  },
  paths: {
    '/health': {
      get: {
        summary: 'Liveness',
        responses: {
          '200': {
            description: 'Up',
            content: {
              'application/json': { schema: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } },
            },
          },
          '401': errors['401'],
        },
      },
    },
    '/detect-sessions': {
      post: {
        summary: 'Score sessions and per-IP windows of the lines with the behaviour models',
        requestBody: linesBody,
        responses: {
          '200': {
            description: 'Scores',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    events: { type: 'integer' },
                    sessions: { type: 'array', items: { $ref: '#/components/schemas/Group' } },
                    ipWindows: { type: 'array', items: { $ref: '#/components/schemas/Group' } },
                    patterns: { type: 'array', items: { type: 'object' } },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    '/detect-incidents': {
      post: {
        summary: 'Run every detector over the lines and group the findings into incidents',
        requestBody: linesBody,
        responses: {
          '200': {
            description: 'The incident queue, most pressing first',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    events: { type: 'integer' },
                    alerts: { type: 'integer' },
                    incidents: { type: 'array', items: { $ref: '#/components/schemas/Incident' } },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
  },
} as const;
