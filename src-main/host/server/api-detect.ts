/**
 * The work behind the HTTP API's detection routes, run in a worker thread of its own
 * (api-worker.ts) so that the host's thread stays free: the request body (as the host saved it)
 * to log lines, the lines into a throwaway case, and the scores or incidents out as JSON.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { IncidentsPage } from '../../../src-shared/contract-incidents';
import type { DetectionRun, StartImportResult } from '../../../src-shared/dto';
import type { Envelope } from '../../../src-shared/envelope';
import { toAnalyzed } from '../../cli/analyze';
import { InProcessEngineLink } from '../../engine/link';

export const MAX_LINES = 200_000;
export const FORMATS = ['auto', 'syslog5424', 'syslog3164', 'auth', 'access', 'jsonl', 'raw'] as const;
const DETECT_TIMEOUT_MS = 120_000;

export type ApiWork = 'sessions' | 'incidents';

/** A failure with the HTTP status it should be answered with. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ApiJob {
  /** A folder of the job's own: the body is in it, the result is written to it. */
  dir: string;
  bodyFile: string;
  contentType: string;
  what: ApiWork;
  rulesDir: string | undefined;
}

export interface ApiOutcome {
  status: number;
  /** The JSON result, written to a file in the job's folder. */
  file?: string;
  error?: string;
}

/** Runs one job to its end; never throws. */
export async function runApiJob(job: ApiJob): Promise<ApiOutcome> {
  try {
    const input = parseBody(readFileSync(job.bodyFile, 'utf8'), job.contentType);
    const value = await detect(input.lines, input.format, job.rulesDir, job.what);
    const file = join(job.dir, 'result.json');
    writeFileSync(file, JSON.stringify(value));
    return { status: 200, file };
  } catch (err) {
    return { status: err instanceof ApiError ? err.status : 500, error: (err as Error).message };
  }
}

function parseBody(text: string, contentType: string): { lines: string[]; format: (typeof FORMATS)[number] } {
  let lines: unknown;
  let format: unknown = 'auto';
  if (contentType.startsWith('application/json')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError('the body is not valid JSON');
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
    throw new ApiError('send {"lines": ["..."]} as JSON, or the log lines as text/plain');
  if (lines.length === 0) throw new ApiError('no log lines in the body');
  if (lines.length > MAX_LINES) throw new ApiError(`at most ${MAX_LINES} lines per request`, 413);
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) throw new ApiError(`format must be one of ${FORMATS.join(', ')}`);
  return { lines: lines as string[], format: format as (typeof FORMATS)[number] };
}

async function detect(
  lines: string[],
  format: (typeof FORMATS)[number],
  rulesDir: string | undefined,
  what: ApiWork,
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
      return { events: run.events, alerts: run.alerts, incidents: page.rows.map(toAnalyzed) };
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
