/**
 * `vigil analyze` on real-shaped logs: the shared elastic apache_access.log (10,000 lines, three
 * and a half days of May 2015, up to a minute out of order as Apache writes them) repeated with
 * its dates shifted, to a million lines. Three inputs, one run each per round:
 * - `ordered`: one file, copies in date order;
 * - `rotated`: a .tar.gz of 100 members as logrotate leaves them, newest first (`access.log`,
 *   `access.log.1`, `access.log.2.gz` ...), each with its own time;
 * - `generated`: the generated ordered auth log of `analyze-1m`, for comparison.
 * Each figure is the whole command (wall clock), its peak RSS, and whether the case's detection
 * covered every event. GoAccess, where installed, builds its full report of the ordered file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { ROOT, SHARED_DATA } from '../test/paths';
import { BENCH_DIR, generatedAuthLog } from './util';

const SOURCE = join(SHARED_DATA, 'elastic', 'apache_access.log');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 86_400_000;
/** Each copy moves four days on: the source spans three and a half. */
const SHIFT_DAYS = 4;

/** Skips the caller with a message where the shared data is missing (a user's clone). */
export function needsSharedApache(): string | null {
  return existsSync(SOURCE) ? null : `needs ${SOURCE} (third-party data beside the clone); skipped`;
}

/** Copy `k` of the source lines, dates moved on by k × 4 days. */
function shifted(lines: readonly string[], k: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{4})\]/.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const t = Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1])) + k * SHIFT_DAYS * DAY;
    const d = new Date(t);
    const stamp = `[${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${m[4]} ${m[5]}]`;
    out.push(line.slice(0, m.index) + stamp + line.slice(m.index + m[0].length));
  }
  return out;
}

function sourceLines(): string[] {
  return readFileSync(SOURCE, 'utf8').split('\n').filter((l) => l.length > 0);
}

/** One file of `copies` shifted copies in date order. */
export async function orderedAccessLog(copies = 100): Promise<string> {
  const path = join(BENCH_DIR, `apache-ordered-${copies}.log`);
  if (existsSync(path)) return path;
  const lines = sourceLines();
  const out = createWriteStream(path);
  for (let k = 0; k < copies; k++) {
    if (!out.write(shifted(lines, k).join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

/** A .tar.gz of `copies` members, newest first as logrotate names them; older ones gzipped inside. */
export async function rotatedAccessArchive(copies = 100): Promise<string> {
  const path = join(BENCH_DIR, `apache-rotated-${copies}.tar.gz`);
  if (existsSync(path)) return path;
  const lines = sourceLines();
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(path));
  for (let n = 0; n < copies; n++) {
    const k = copies - 1 - n;
    const body = shifted(lines, k).join('\n') + '\n';
    const lastTs = Date.UTC(2015, 4, 20, 21, 6) + k * SHIFT_DAYS * DAY;
    const name = n === 0 ? 'var/log/apache2/access.log' : n === 1 ? 'var/log/apache2/access.log.1' : `var/log/apache2/access.log.${n}.gz`;
    const content = n >= 2 ? gzipSync(body) : Buffer.from(body);
    await new Promise<void>((resolve, reject) => pack.entry({ name, mtime: new Date(lastTs), size: content.length }, content, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await written;
  return path;
}

interface Run {
  seconds: number;
  peakRssMb: number;
  events: number;
  /** Events the case's last finished pass went over (a pass over the whole case covers all). */
  detected: number;
  incidents: number;
}

/** `vigil analyze INPUT --json --case C` as a child process, its peak RSS read from /proc. */
export async function analyzeOnce(input: string): Promise<Run> {
  const dir = mkdtempSync(join(BENCH_DIR, 'analyze-real-'));
  const casePath = join(dir, 'case.vigil');
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'analyze', input, '--json', '--case', casePath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, rssOfTree(child.pid!))), 100);
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    clearInterval(sample);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`vigil analyze ${input} exited ${code}: ${stderr.slice(-2000)}`);
    const incidents = (JSON.parse(stdout) as { incidents: unknown[] }).incidents.length;
    const db = new Database(casePath, { readonly: true });
    try {
      const events = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
      const last = db.prepare(`SELECT scope, events FROM detection_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1`).get() as { scope: string; events: number } | undefined;
      return { seconds, peakRssMb: peak, events, detected: last ? last.events : 0, incidents };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS of a process in MB (VmHWM would only be known at exit; sampled instead). */
function rssOfTree(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

/** GoAccess's full report of the ordered file (HTML to a scratch file), wall clock; null if not installed. */
export function goaccessOnce(file: string): number | null {
  const which = spawnSync('sh', ['-c', 'command -v goaccess']);
  if (which.status !== 0) return null;
  const out = join(BENCH_DIR, 'goaccess-report.html');
  const t0 = performance.now();
  const r = spawnSync('goaccess', [file, '--log-format=COMBINED', '-o', out, '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`goaccess failed: ${String(r.stderr).slice(-500)}`);
  return seconds;
}

/** One round: the three analyses and GoAccess, each once, side by side. */
export async function analyzeReal(): Promise<Record<string, number>> {
  const skip = needsSharedApache();
  if (skip) {
    process.stderr.write(`analyze-real: ${skip}\n`);
    return {};
  }
  const ordered = await orderedAccessLog();
  const rotated = await rotatedAccessArchive();
  const generated = await generatedAuthLog(1_000_000);
  const o = await analyzeOnce(ordered);
  const r = await analyzeOnce(rotated);
  const g = await analyzeOnce(generated);
  const goaccess = goaccessOnce(ordered);
  const figures: Record<string, number> = {
    ordered_seconds: round(o.seconds),
    rotated_seconds: round(r.seconds),
    generated_auth_seconds: round(g.seconds),
    rotated_over_ordered: round(r.seconds / o.seconds),
    rotated_over_generated: round(r.seconds / g.seconds),
    ordered_peak_rss_mb: o.peakRssMb,
    rotated_peak_rss_mb: r.peakRssMb,
    generated_peak_rss_mb: g.peakRssMb,
    ordered_detected_of_events: round(o.detected / o.events),
    rotated_detected_of_events: round(r.detected / r.events),
    generated_detected_of_events: round(g.detected / g.events),
    ordered_incidents: o.incidents,
    rotated_incidents: r.incidents,
  };
  if (goaccess !== null) {
    figures.goaccess_seconds = round(goaccess);
    figures.ordered_over_goaccess = round(o.seconds / goaccess);
    figures.rotated_over_goaccess = round(r.seconds / goaccess);
  }
  return figures;
}

/**
 * Peak RSS of `vigil analyze` as the input grows: the ordered access log at 1M, 2M and 4M lines
 * (bar: at most 700 MB at 2M and 4M, and flat beyond). One run each; skipped without ../shared.
 */
export async function analyzeRealRss(): Promise<Record<string, number>> {
  const skip = needsSharedApache();
  if (skip) {
    process.stderr.write(`analyze-real-rss: ${skip}\n`);
    return {};
  }
  const figures: Record<string, number> = {};
  for (const millions of [1, 2, 4]) {
    const input = await orderedAccessLog(millions * 100);
    const run = await analyzeOnce(input);
    figures[`peak_rss_mb_${millions}m`] = run.peakRssMb;
    figures[`seconds_${millions}m`] = round(run.seconds);
    figures[`detected_of_events_${millions}m`] = round(run.detected / run.events);
    if (millions > 1) rmSync(input, { force: true });
  }
  return figures;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// A small entry point for profiling one input by hand: `tsx bench/analyze-real.ts ordered|rotated`.
if (process.argv[1]?.endsWith('analyze-real.ts') && process.argv[2]) {
  const which = process.argv[2];
  const input = which === 'rotated' ? await rotatedAccessArchive() : which === 'ordered' ? await orderedAccessLog() : await generatedAuthLog(1_000_000);
  writeFileSync(join(BENCH_DIR, 'last-input.txt'), input);
  console.log(JSON.stringify(await analyzeOnce(input)));
}
