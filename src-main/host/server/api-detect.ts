/**
 * The work behind the HTTP API's detection routes, run in a worker thread of its own
 * (api-worker.ts) so that the host's thread stays free: the request body (as the host saved it)
 * to log lines, the lines into a throwaway case, and the scores or incidents out as JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { IncidentsPage } from '../../../src-shared/contract-incidents';
import { FORMAT_CHOICES } from '../../../src-shared/formats';
import { withMembers } from '../../cli/analyze';
import { analyzePaths, HeadlessCase } from '../../cli/headless';

export const MAX_LINES = 200_000;
export const FORMATS = FORMAT_CHOICES;
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
  const h = new HeadlessCase({ version: 'api', ...(rulesDir ? { rulesDir } : {}) });
  const casePath = join(h.scratch, 'request.vigil');
  try {
    const file = join(h.scratch, 'input.log');
    writeFileSync(file, lines.join('\n') + '\n');
    let timer: NodeJS.Timeout | undefined;
    const tooLong = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('detection took too long')), DETECT_TIMEOUT_MS)));
    // Every import and pass it starts ends before the answer: a pass that had to start over on
    // out-of-order lines is waited for too.
    const outcome = await Promise.race([analyzePaths(h, casePath, [file], { format }), tooLong]).finally(() => clearTimeout(timer));
    if (outcome.imports.length === 0) throw new Error('nothing to import');
    if (outcome.unfinished.length > 0) throw new Error(`detection did not finish: ${outcome.unfinished.join('; ')}`);
    const run = outcome.runs.filter((r) => r.status === 'done').at(-1)!;
    if (what === 'incidents') {
      const page = await h.call<IncidentsPage>('incidents.list', { limit: 10_000 });
      return { events: run.events, alerts: run.alerts, incidents: await withMembers(h, page.rows) };
    }
    await h.link.close();
    const db = new Database(casePath, { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT kind, key, ip, user, user_agent AS userAgent, start_ts AS startTs, end_ts AS endTs, events, s.score, s.level
             FROM behaviour_groups g LEFT JOIN behaviour_scores s ON s.group_id = g.id ORDER BY s.score DESC NULLS LAST, start_ts`,
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
    await h.close();
  }
}
