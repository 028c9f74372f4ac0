/** `vigil analyze PATH... [--json] [--case FILE]`: the incident queue of logs, headless. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CampaignMember, IncidentDetail, IncidentRow, IncidentsPage } from '../../src-shared/contract-incidents';
import type { DetectionRun, SourceRow } from '../../src-shared/dto';
import type { BuiltPaths } from '../host/paths';
import { commandArgs, parseDuration } from './args';
import { analyzePaths, HeadlessCase, type AnalysisOutcome } from './headless';

const HELP = `Usage: vigil analyze PATH... [--json] [--case FILE] [--lateness TIME]
  Import logs (files, folders, archives) into a case, run every detector and print the incident queue.
  Returns when every import and detection pass it started has ended; exits 1 if any did not finish.
  --json           print {"files": [...], "detection": {...}, "incidents": [...]} instead of a table
  --case FILE      keep the case in FILE (created, or added to when it exists); default a temporary case
  --lateness TIME  how far out of time order a line may be and still be put in order (90s, 10m, 2h;
                   default 5m, at most 24h); kept with the case
`;

/** The table fits a terminal of this many columns. */
const WIDTH = 120;

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

/** One file or archive member read, as the header and `--json` report it. */
export interface AnalyzedFile {
  name: string;
  format: string;
  lines: number;
  /** Lines no parser fit (kept as message-only events). */
  unparsed: number;
  /** Years given to lines whose time stamps carry none; null when every line had a year. */
  assumedYears: SourceRow['assumedYears'];
}

export async function runAnalyze(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const args = commandArgs({ name: 'vigil analyze', help: HELP, out, err }, argv, {
    json: { type: 'boolean', default: false },
    case: { type: 'string' },
    lateness: { type: 'string' },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  if (positionals.length === 0) return usage('give at least one PATH');
  const latenessMs = values.lateness === undefined ? undefined : parseDuration(values.lateness);
  if (latenessMs === null || (latenessMs !== undefined && latenessMs > 86_400_000)) return usage(`--lateness takes a time up to 24h, like 90s, 10m or 2h (got '${values.lateness}')`);
  const missing = positionals.filter((p) => !existsSync(p));
  if (missing.length) {
    err.write(`vigil analyze: not found: ${missing.join(', ')}\n`);
    return 2;
  }
  const h = new HeadlessCase({ version: ctx.version, rulesDir: ctx.paths.rulesDir, engineWorker: ctx.paths.engineWorker });
  try {
    const casePath = values.case ? resolve(values.case) : join(h.scratch, 'analyze.vigil');
    const t0 = performance.now();
    const outcome = await analyzePaths(h, casePath, positionals, latenessMs === undefined ? {} : { latenessMs });
    const seconds = (performance.now() - t0) / 1000;
    const page = await h.call<IncidentsPage>('incidents.list', { limit: 10_000 });
    if (values.json) out.write(JSON.stringify(analysisJson(outcome, await withMembers(h, page.rows)), null, 2) + '\n');
    else out.write(formatHeader(outcome, seconds) + '\n' + formatQueue(page.rows));
    for (const d of outcome.duplicates) err.write(`skipped ${d.path}: already in the case (import #${d.of.id})\n`);
    if (values.case) err.write(`case kept in ${casePath}\n`);
    if (outcome.unfinished.length > 0) {
      for (const why of outcome.unfinished) err.write(`vigil analyze: unfinished: ${why}\n`);
      err.write('vigil analyze: the queue above covers only what finished\n');
      return 1;
    }
    return 0;
  } catch (e) {
    err.write(`vigil analyze: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await h.close();
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

function files(o: AnalysisOutcome): AnalyzedFile[] {
  return o.sources.map((s) => ({ name: s.name, format: s.format, lines: s.lines, unparsed: s.unparsed, assumedYears: s.assumedYears }));
}

/** The members an import skipped (not logs, links, damage), from its notes. */
function skipped(o: AnalysisOutcome): string[] {
  return o.imports.flatMap((j) => j.notes);
}

/** How detection went, in words: what the passes went over, and lines that came too late to put in order. */
export function detectionStory(runs: readonly DetectionRun[]): string {
  if (runs.length === 0) return 'Detection: no pass ran (nothing new to detect on).';
  const done = runs.filter((r) => r.status === 'done');
  const events = done.reduce((n, r) => n + r.events, 0);
  const alerts = done.reduce((n, r) => n + r.alerts, 0);
  const late = done.reduce((n, r) => n + r.late, 0);
  const how = done.some((r) => r.scope === 'all') ? 'in a pass over the whole case' : 'as the lines were stored';
  const parts = [`Detection: ${fmtInt(events)} events, ${fmtInt(alerts)} alerts, ${how}.`];
  if (late > 0) parts.push(`${fmtInt(late)} lines came later than the case's lateness and were scored where they arrived.`);
  return parts.join(' ');
}

function yearsText(y: SourceRow['assumedYears']): string {
  if (!y) return '';
  const span = y.first === y.last ? String(y.first) : `${y.first}–${y.last}`;
  return `no year in its times: read as ${span}${y.futureKept > 0 ? ` (${fmtInt(y.futureKept)} lines kept in ${y.last}: ${y.last + 1} would be in the future)` : ''}`;
}

/** What was read and how detection went, before the queue. */
export function formatHeader(o: AnalysisOutcome, seconds: number): string {
  const f = files(o);
  const lines = f.reduce((n, x) => n + x.lines, 0);
  const out = [`Read ${f.length} file${f.length === 1 ? '' : 's'}, ${fmtInt(lines)} lines, in ${seconds.toFixed(1)} s.`];
  const nameWidth = Math.min(48, Math.max(4, ...f.map((x) => x.name.length)));
  for (const x of f) {
    const cells = [`  ${fit(x.name, nameWidth).padEnd(nameWidth)}`, `${fmtInt(x.lines).padStart(11)} lines`, x.format.padEnd(10)];
    if (x.unparsed > 0) cells.push(`${fmtInt(x.unparsed)} fit no parser`);
    if (x.assumedYears) cells.push(yearsText(x.assumedYears));
    out.push(cells.join('  ').trimEnd());
  }
  for (const note of skipped(o)) out.push(`  ${fit(note, WIDTH - 2)}`);
  if (o.resumed.length > 0) out.push(`Continued ${o.resumed.length === 1 ? 'an import' : `${o.resumed.length} imports`} left unfinished earlier; nothing was stored twice.`);
  out.push(...wrap(detectionStory(o.runs), WIDTH));
  return out.join('\n') + '\n';
}

/** The queue as `--json` and the HTTP API give it: each campaign with its members. */
export async function withMembers(h: HeadlessCase, rows: readonly IncidentRow[]): Promise<AnalyzedIncident[]> {
  const out: AnalyzedIncident[] = [];
  for (const r of rows) {
    const members = r.kind === 'campaign' ? (await h.call<IncidentDetail>('incidents.get', { id: r.id, evidenceLimit: 0 })).members : [];
    out.push(toAnalyzed(r, members));
  }
  return out;
}

/** `--json`: the same facts as the header, and the queue. */
export function analysisJson(o: AnalysisOutcome, incidents: readonly AnalyzedIncident[]) {
  const done = o.runs.filter((r) => r.status === 'done');
  const last = done[done.length - 1] ?? null;
  return {
    files: files(o),
    skipped: skipped(o),
    resumed: o.resumed,
    detection: {
      summary: detectionStory(o.runs),
      events: last?.events ?? 0,
      alerts: last?.alerts ?? 0,
      // Where a pass's time went, per stage (ms), for runs this command saw end.
      runs: o.runs.map((r) => ({ id: r.id, scope: r.scope, importId: r.importId, status: r.status, events: r.events, alerts: r.alerts, late: r.late, note: r.error, ...(r.stageMs ? { stageMs: r.stageMs } : {}) })),
    },
    unfinished: o.unfinished,
    incidents,
  };
}

/** The queue as a table of at most 120 columns, one incident per line plus its summary. */
export function formatQueue(rows: readonly IncidentRow[]): string {
  if (rows.length === 0) return 'No incidents.\n';
  const head = ['ID', 'PRIO', 'SEVERITY', 'WHAT', 'FIRST (UTC)', 'SPAN', 'EVENTS', 'ACTOR'];
  const body = rows.map((r) => [
    // Enough of the id to name the incident to `vigil label` (which takes a unique prefix).
    r.id.slice(0, 12),
    r.priority.toFixed(0),
    r.severity,
    r.pattern && r.pattern !== r.category ? `${r.category}/${r.pattern}` : r.category,
    iso(r.firstTs)?.slice(0, 16).replace('T', ' ') ?? '-',
    span(r.firstTs, r.lastTs),
    fmtInt(r.eventCount),
    r.kind === 'campaign' ? `campaign of ${fmtInt(r.memberCount)}` : r.campaignId ? `${r.groupKey} ↑` : r.groupKey,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  // WHAT and ACTOR give way, in turn, until the row fits.
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > WIDTH && (widths[3]! > 16 || widths[7]! > 16)) {
    if (widths[7]! >= widths[3]! && widths[7]! > 16) widths[7]!--;
    else widths[3]!--;
  }
  const right = new Set([1, 6]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? fit(c, widths[i]!).padStart(widths[i]!) : fit(c, widths[i]!).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [line(head)];
  rows.forEach((r, i) => {
    lines.push(line(body[i]!));
    for (const l of wrap(r.summary, WIDTH - 6)) lines.push(`      ${l}`);
  });
  const campaigns = rows.filter((r) => r.kind === 'campaign');
  const addresses = campaigns.reduce((s, r) => s + r.memberCount, 0);
  lines.push(
    `${rows.length} incident${rows.length === 1 ? '' : 's'}` +
      (campaigns.length ? `, ${campaigns.length} of them campaign${campaigns.length === 1 ? '' : 's'} of ${addresses} addresses in all (↑: got in, lifted out of its campaign)` : ''),
  );
  return lines.join('\n') + '\n';
}

function fit(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(0, width - 1)) + '…' : s;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${word}` : fit(word, width);
  }
  if (cur) out.push(cur);
  return out;
}

function span(first: number | null, last: number | null): string {
  if (first === null || last === null) return '-';
  const s = Math.max(0, Math.round((last - first) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}
