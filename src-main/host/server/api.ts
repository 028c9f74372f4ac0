/**
 * The Node host's HTTP API beside the workbench (DESIGN.md "Command line and HTTP API"):
 * `GET /health`, `POST /detect-sessions`, `POST /detect-incidents`, and its OpenAPI document.
 * Log lines sent to the API go through a throwaway in-memory-sized case of their own, so the
 * analyst's open case is never touched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { IncidentDetail, IncidentsPage, SampleCase } from '../../../src-shared/contract-incidents';
import type { DetectionRun, StartImportResult } from '../../../src-shared/dto';
import type { Envelope } from '../../../src-shared/envelope';
import { toAnalyzed } from '../../cli/analyze';
import { InProcessEngineLink, type EngineLink } from '../../engine/link';

export interface ApiContext {
  link: EngineLink;
  /** The key clients send in X-API-KEY; the API is refused without it. */
  apiKey: string;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_LINES = 200_000;
const FORMATS = ['auto', 'syslog5424', 'syslog3164', 'auth', 'access', 'jsonl', 'raw'] as const;
const DETECT_TIMEOUT_MS = 120_000;
/** One throwaway case at a time: detection is CPU-bound and the workbench shares this thread. */
let queue: Promise<unknown> = Promise.resolve();

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
  let input: { lines: string[]; format: (typeof FORMATS)[number] };
  try {
    input = parseBody(await readBody(req), String(req.headers['content-type'] ?? ''));
  } catch (err) {
    const e = err as Error & { status?: number };
    return json(res, e.status ?? 400, { error: e.message });
  }
  const rulesDir = await rulesDirOf(ctx.link);
  const run = queue.then(() => detect(input.lines, input.format, rulesDir, path === '/detect-sessions' ? 'sessions' : 'incidents'));
  queue = run.catch(() => undefined);
  try {
    return json(res, 200, await run);
  } catch (err) {
    return json(res, 500, { error: (err as Error).message });
  }
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return reject(Object.assign(new Error(`body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        req.resume();
        reject(Object.assign(new Error(`body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function parseBody(text: string, contentType: string): { lines: string[]; format: (typeof FORMATS)[number] } {
  let lines: unknown;
  let format: unknown = 'auto';
  if (contentType.startsWith('application/json')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('the body is not valid JSON');
    }
    if (Array.isArray(body)) lines = body;
    else if (body && typeof body === 'object') {
      lines = (body as { lines?: unknown }).lines;
      format = (body as { format?: unknown }).format ?? 'auto';
    }
  } else {
    lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  }
  if (!Array.isArray(lines) || !lines.every((l) => typeof l === 'string'))
    throw new Error('send {"lines": ["..."]} as JSON, or the log lines as text/plain');
  if (lines.length === 0) throw new Error('no log lines in the body');
  if (lines.length > MAX_LINES) throw Object.assign(new Error(`at most ${MAX_LINES} lines per request`), { status: 413 });
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) throw new Error(`format must be one of ${FORMATS.join(', ')}`);
  return { lines: lines as string[], format: format as (typeof FORMATS)[number] };
}

async function rulesDirOf(link: EngineLink): Promise<string | undefined> {
  const reply = (await link.request('incidents.getSample', {})) as Envelope<SampleCase>;
  return reply.ok ? join(dirname(dirname(reply.value.archive)), 'sigma') : undefined;
}

async function detect(
  lines: string[],
  format: (typeof FORMATS)[number],
  rulesDir: string | undefined,
  what: 'sessions' | 'incidents',
): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const link = new InProcessEngineLink({ dataDir: dir, version: 'api', rulesDir });
  const casePath = join(dir, 'request.vigil');
  try {
    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const reply = (await link.request(method, input)) as Envelope<T>;
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value;
    };
    await call('cases.create', { name: 'api request', path: casePath });
    const file = join(dir, 'input.log');
    writeFileSync(file, lines.join('\n') + '\n');
    const finished = new Promise<DetectionRun>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('detection took too long')), DETECT_TIMEOUT_MS);
      link.onEvent((name, payload) => {
        if (name === 'detect.finished') {
          clearTimeout(timer);
          resolve(payload as DetectionRun);
        }
      });
    });
    const started = await call<StartImportResult>('ingest.startImport', { paths: [file], format });
    if (started.jobs.length === 0) throw new Error('nothing to import');
    const run = await finished;
    if (run.status !== 'done') throw new Error(`detection ${run.status}${run.error ? `: ${run.error}` : ''}`);
    if (what === 'incidents') {
      const page = await call<IncidentsPage>('incidents.list', { limit: 10_000 });
      const incidents = [];
      for (const r of page.rows) {
        const members = r.kind === 'campaign' ? (await call<IncidentDetail>('incidents.get', { id: r.id, evidenceLimit: 0 })).members : [];
        incidents.push(toAnalyzed(r, members));
      }
      return { events: run.events, alerts: run.alerts, incidents };
    }
    await link.close();
    const db = new Database(casePath, { readonly: true });
    try {
      const rows = db
        .prepare(
          'SELECT kind, key, ip, user, user_agent AS userAgent, start_ts AS startTs, end_ts AS endTs, events, score, level FROM behaviour_groups ORDER BY score DESC NULLS LAST, start_ts',
        )
        .all() as {
        kind: string;
        key: string;
        ip: string | null;
        user: string | null;
        userAgent: string | null;
        startTs: number;
        endTs: number;
        events: number;
        score: number | null;
        level: string | null;
      }[];
      const patterns = db
        .prepare(
          `SELECT kind AS pattern, key, first_ts AS firstTs, last_ts AS lastTs, score FROM alerts WHERE detector = 'behaviour' ORDER BY first_ts`,
        )
        .all();
      return {
        events: run.events,
        sessions: rows.filter((r) => r.kind === 'session'),
        ipWindows: rows.filter((r) => r.kind === 'ip_window'),
        patterns,
      };
    } finally {
      db.close();
    }
  } finally {
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
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
