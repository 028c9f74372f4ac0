/** `vigil analyze PATH... [--json] [--case FILE]`: the incident queue of logs, headless. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CampaignMember, IncidentDetail, IncidentRow, IncidentsPage } from '../../src-shared/contract-incidents';
import type { DetectionRun, ImportJob, StartImportResult } from '../../src-shared/dto';
import type { Envelope } from '../../src-shared/envelope';
import { InProcessEngineLink } from '../engine/link';
import type { BuiltPaths } from '../host/paths';

const HELP = `Usage: vigil analyze PATH... [--json] [--case FILE]
  Import logs (files, folders, archives) into a case, run every detector and print the incident queue.
  --json       print {"incidents": [...]} instead of a table
  --case FILE  keep the case in FILE (created, or added to when it exists); default a temporary case
`;

export interface AnalyzedIncident {
  id: string;
  category: string;
  pattern: string | null;
  severity: string;
  priority: number;
  confidence: number;
  title: string;
  entities: { type: string; value: string }[];
  firstTs: number | null;
  lastTs: number | null;
  first: string | null;
  last: string | null;
  eventCount: number;
  summary: string;
  detectors: string[];
  tags: string[];
  kind: IncidentRow['kind'];
  /** The campaign a lifted member (one that got in) belongs to. */
  campaignId: string | null;
  memberCount: number;
  /** A campaign's addresses (empty for a plain incident). */
  members: CampaignMember[];
}

export async function runAnalyze(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        case: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`vigil analyze: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`vigil analyze: give at least one PATH\n\n${HELP}`);
    return 2;
  }
  const missing = positionals.filter((p) => !existsSync(p));
  if (missing.length) {
    process.stderr.write(`vigil analyze: not found: ${missing.join(', ')}\n`);
    return 2;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-analyze-'));
  const link = new InProcessEngineLink({ dataDir, version: ctx.version, rulesDir: ctx.paths.rulesDir });
  try {
    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const reply = (await link.request(method, input)) as Envelope<T>;
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value;
    };
    const casePath = values.case ? resolve(values.case) : join(dataDir, 'analyze.vigil');
    if (existsSync(casePath)) await call('cases.open', { path: casePath });
    else await call('cases.create', { name: basename(casePath).replace(/\.vigil$/, '') || 'analyze', path: casePath });

    // Wait on the engine's events, never by polling: a request now and then would make the
    // engine treat the import as interactive and store it in small batches.
    const detected = new Map<number, DetectionRun>();
    const ended = new Map<number, ImportJob>();
    const waiters: (() => void)[] = [];
    link.onEvent((name, payload) => {
      if (name === 'detect.finished') {
        const run = payload as DetectionRun;
        if (run.importId !== null) detected.set(run.importId, run);
        // A pass over the whole case covers every import that ended before it.
        else for (const [id, job] of ended) if (job.status === 'done' && !detected.has(id)) detected.set(id, run);
      } else if (name === 'ingest.finished') {
        const job = payload as ImportJob;
        ended.set(job.id, job);
      } else return;
      for (const w of waiters.splice(0)) w();
    });
    const until = (done: () => boolean): Promise<void> =>
      new Promise<void>((resolve) => {
        const check = () => (done() ? resolve() : waiters.push(check));
        check();
      });
    // Should a pass die before it could report (its case unwritable), look it up now and then:
    // twice a minute is far too rare to make the engine think someone is waiting on it.
    const watchdog = setInterval(() => {
      void (async () => {
        const runs = await call<DetectionRun[]>('detect.listRuns', {}).catch(() => [] as DetectionRun[]);
        for (const r of runs) if (r.importId !== null && r.status !== 'running' && !detected.has(r.importId)) detected.set(r.importId, r);
        for (const [id, job] of ended) {
          if (job.status === 'done' && !detected.has(id) && !runs.some((r) => r.importId === id) && Date.now() - (job.finishedAt ?? 0) > 60_000)
            detected.set(id, { id: 0, scope: 'import', importId: id, status: 'failed', events: 0, alerts: 0, startedAt: Date.now(), finishedAt: Date.now(), error: 'the detection pass did not start' });
        }
        for (const w of waiters.splice(0)) w();
      })();
    }, 30_000);
    watchdog.unref();
    // The queue is what is wanted here, not the events as early as possible: detect as they are stored.
    const started = await call<StartImportResult>('ingest.startImport', { paths: positionals.map((p) => resolve(p)), detectWhileImporting: true });
    for (const d of started.duplicates) process.stderr.write(`skipped ${d.path}: already in the case\n`);
    for (const job of started.jobs) {
      // A done import is followed by its detection pass; a failed or cancelled one is not.
      await until(() => detected.has(job.id) || (ended.has(job.id) && ended.get(job.id)!.status !== 'done'));
      const end = ended.get(job.id);
      if (end && end.status !== 'done') {
        process.stderr.write(`import of ${job.path} ${end.status}${end.error ? `: ${end.error}` : ''}\n`);
        continue;
      }
      const run = detected.get(job.id);
      if (run && run.status !== 'done')
        process.stderr.write(`detection after ${job.path} ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
    }
    clearInterval(watchdog);
    const page = await call<IncidentsPage>('incidents.list', { limit: 10_000 });
    const members = new Map<string, CampaignMember[]>();
    for (const r of page.rows)
      if (r.kind === 'campaign') members.set(r.id, (await call<IncidentDetail>('incidents.get', { id: r.id, evidenceLimit: 0 })).members);
    const incidents = page.rows.map((r) => toAnalyzed(r, members.get(r.id)));
    out.write(values.json ? JSON.stringify({ incidents }, null, 2) + '\n' : formatQueue(page.rows));
    if (values.case) process.stderr.write(`case kept in ${casePath}\n`);
    return 0;
  } finally {
    await link.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function iso(ts: number | null): string | null {
  return ts === null ? null : new Date(ts).toISOString();
}

export function toAnalyzed(r: IncidentRow, members: CampaignMember[] = []): AnalyzedIncident {
  return {
    id: r.id,
    category: r.category,
    pattern: r.pattern,
    severity: r.severity,
    priority: r.priority,
    confidence: r.confidence,
    title: r.title,
    entities: r.entities,
    firstTs: r.firstTs,
    lastTs: r.lastTs,
    first: iso(r.firstTs),
    last: iso(r.lastTs),
    eventCount: r.eventCount,
    summary: r.summary,
    detectors: r.detectors,
    tags: r.tags,
    kind: r.kind,
    campaignId: r.campaignId,
    memberCount: r.memberCount,
    members,
  };
}

/** The queue as a plain-text table, one incident per line plus its summary. */
export function formatQueue(rows: readonly IncidentRow[]): string {
  if (rows.length === 0) return 'No incidents.\n';
  const head = ['PRIO', 'SEVERITY', 'CATEGORY', 'PATTERN', 'FIRST (UTC)', 'LAST (UTC)', 'EVENTS', 'ACTOR', 'DETECTORS'];
  const body = rows.map((r) => [
    r.priority.toFixed(0),
    r.severity,
    r.category,
    r.pattern ?? '-',
    iso(r.firstTs)?.slice(0, 16).replace('T', ' ') ?? '-',
    iso(r.lastTs)?.slice(0, 16).replace('T', ' ') ?? '-',
    String(r.eventCount),
    r.kind === 'campaign' ? `campaign of ${r.memberCount}` : r.campaignId ? `${r.groupKey} ↑` : r.groupKey,
    r.detectors.join(','),
  ]);
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [line(head)];
  rows.forEach((r, i) => {
    lines.push(line(body[i]!));
    lines.push(`      ${r.summary}`);
  });
  const campaigns = rows.filter((r) => r.kind === 'campaign');
  const addresses = campaigns.reduce((s, r) => s + r.memberCount, 0);
  lines.push(
    `${rows.length} incident${rows.length === 1 ? '' : 's'}` +
      (campaigns.length ? `, ${campaigns.length} of them campaign${campaigns.length === 1 ? '' : 's'} of ${addresses} addresses in all (↑: got in, lifted out of its campaign)` : ''),
  );
  return lines.join('\n') + '\n';
}
