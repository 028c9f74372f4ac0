/**
 * A case worked headless: what `vigil analyze`, `label`, `export` and the HTTP API share. The
 * engine runs in a worker thread of its own when the built engine is given (the commands, as the
 * app does: the thread gets the young generation heap-policy.ts gives it), else on this thread
 * (tests, the HTTP API's own worker). Calls unwrap the contract's envelope; `analyzePaths` imports
 * and waits until every import and detection pass it started or resumed has ended, and says how
 * each did.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { CaseInfo, DetectionRun, DuplicateImport, ImportJob, SourceRow, StartImportResult } from '../../src-shared/dto';
import type { Envelope, ErrorCode } from '../../src-shared/envelope';
import { type EngineLink, InProcessEngineLink, WorkerEngineLink } from '../engine/link';

/** A failed call, with the contract's error code. */
export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class HeadlessCase {
  readonly link: EngineLink;
  private readonly dataDir: string;
  /** Where each pass that ended here spent its time: told with its end, not kept in the case. */
  private readonly stageMs = new Map<number, Record<string, number>>();

  /** `engineWorker`: the built engine's worker script; where it is missing the engine runs on this thread. */
  constructor(opts: { version: string; rulesDir?: string; engineWorker?: string }) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    const data = { dataDir: this.dataDir, version: opts.version, ...(opts.rulesDir ? { rulesDir: opts.rulesDir } : {}) };
    this.link = opts.engineWorker && existsSync(opts.engineWorker) ? new WorkerEngineLink(opts.engineWorker, data) : new InProcessEngineLink(data);
    this.link.onEvent((name, payload) => {
      const run = payload as DetectionRun;
      if (name === 'detect.finished' && run.stageMs) this.stageMs.set(run.id, run.stageMs);
    });
  }

  /** The run with its stage times, when it ended while this engine ran. */
  withStageMs(run: DetectionRun): DetectionRun {
    const ms = this.stageMs.get(run.id);
    return ms && !run.stageMs ? { ...run, stageMs: ms } : run;
  }

  /** A scratch folder of this engine, removed on close. */
  get scratch(): string {
    return this.dataDir;
  }

  async call<T>(method: string, input: unknown = {}): Promise<T> {
    const reply = (await this.link.request(method, input)) as Envelope<T>;
    if (!reply.ok) throw new CallError(reply.error.code, reply.error.message);
    return reply.value;
  }

  /** Open the case at `path`; create it there first when it does not exist and `create` is set. */
  async open(path: string, create = false): Promise<CaseInfo> {
    const target = resolve(path);
    if (existsSync(target)) return this.call<CaseInfo>('cases.open', { path: target });
    if (!create) throw new CallError('not_found', `no case at ${target}`);
    return this.call<CaseInfo>('cases.create', { name: basename(target).replace(/\.vigil$/, '') || 'case', path: target });
  }

  /** Wait for the work the case owes (an interrupted import, a pass cut short) before reading it. */
  async settle(): Promise<void> {
    await this.call('ingest.waitIdle');
  }

  async close(): Promise<void> {
    try {
      await this.link.close();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

/** What an analysis ran and how it ended. */
export interface AnalysisOutcome {
  /** The imports it started or resumed (the case's own unfinished ones included), as they ended. */
  imports: ImportJob[];
  duplicates: DuplicateImport[];
  /** Ids of imports that continued an earlier, unfinished import of the same content. */
  resumed: number[];
  /** The detection passes that ran meanwhile, oldest first. */
  runs: DetectionRun[];
  /** The sources (files, archive members) of those imports. */
  sources: SourceRow[];
  /** Why the result is incomplete, one line each; empty when every import and pass finished. */
  unfinished: string[];
}

/**
 * Open (or create) the case, import `paths` and wait until no import or detection pass is left,
 * including those the case owed when it opened and the whole-case pass an import may need.
 */
export async function analyzePaths(
  h: HeadlessCase,
  casePath: string,
  paths: readonly string[],
  opts: { format?: string; latenessMs?: number } = {},
): Promise<AnalysisOutcome> {
  const since = Date.now();
  await h.open(casePath, true);
  if (opts.latenessMs !== undefined) await h.call('detect.setSettings', { latenessMs: opts.latenessMs });
  const owed = (await h.call<ImportJob[]>('ingest.listImports')).filter((j) => j.status === 'interrupted' || j.status === 'running').map((j) => j.id);
  const started = await h.call<StartImportResult>('ingest.startImport', {
    paths: paths.map((p) => resolve(p)),
    ...(opts.format ? { format: opts.format } : {}),
  });
  await h.settle();
  const ids = new Set([...owed, ...started.jobs.map((j) => j.id)]);
  const imports = (await h.call<ImportJob[]>('ingest.listImports')).filter((j) => ids.has(j.id)).sort((a, b) => a.id - b.id);
  const runs = (await h.call<DetectionRun[]>('detect.listRuns'))
    .filter((r) => r.startedAt >= since)
    .sort((a, b) => a.id - b.id)
    .map((r) => h.withStageMs(r));
  const sources = (await h.call<SourceRow[]>('ingest.listSources')).filter((s) => ids.has(s.importId));
  return { imports, duplicates: started.duplicates, resumed: [...started.resumed, ...owed], runs, sources, unfinished: unfinishedWork(imports, runs) };
}

/**
 * Why the queue does not cover everything imported: an import that did not end done, or one whose
 * events no finished pass went over. A pass given up for a pass over the whole case that then
 * finished is the normal course, not a problem.
 */
export function unfinishedWork(imports: readonly ImportJob[], runs: readonly DetectionRun[]): string[] {
  const out: string[] = [];
  for (const j of imports) {
    if (j.status !== 'done') {
      out.push(`import #${j.id} of ${j.path} ended ${j.status}${j.error ? `: ${j.error}` : ''}`);
      continue;
    }
    const covered = runs.some(
      (r) => r.status === 'done' && (r.importId === j.id || (r.scope === 'all' && j.finishedAt !== null && r.startedAt >= j.finishedAt)),
    );
    if (covered) continue;
    const last = [...runs].reverse().find((r) => r.importId === j.id || r.scope === 'all');
    out.push(
      last
        ? `detection over ${j.name} ended ${last.status}${last.error ? `: ${last.error}` : ''}`
        : `no detection pass went over ${j.name}`,
    );
  }
  return out;
}
