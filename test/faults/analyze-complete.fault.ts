/**
 * `vigil analyze` prints the whole queue, not what happened to be done when it stopped waiting:
 * on inputs as real logs come (lines a little out of time order; rotated members newest first),
 * the printed queue equals the case's incidents after a fresh pass over the whole case.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentsPage } from '../../src-shared/contract-incidents';
import type { DetectionRun } from '../../src-shared/dto';
import { runAnalyze } from '../../src-main/cli/analyze';
import { capture, TestEngine, tempDir } from '../../src-main/engine/test-support';
import { ROOT } from '../paths';

const paths = { engineWorker: '', rendererDir: '', preload: '', appRoot: ROOT, rulesDir: join(ROOT, 'resources', 'sigma') };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const START = Date.UTC(2026, 5, 1);

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.link.close();
  engine = null;
});

function stamp(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

/**
 * `n` sshd lines over a few days, one every ~1.5 s: staff logins from a pool of addresses, some
 * typos, and attacks from a handful of addresses (fast guessing, slow guessing, spraying, one that
 * gets in). Each line is [time, text] so callers can disorder or split them.
 */
function authLog(n: number): [number, string][] {
  let x = 7;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % k;
  };
  const staffIp = (k: number) => `10.${20 + (k % 40)}.${k % 250}.${1 + (k % 200)}`;
  const out: [number, string][] = [];
  for (let i = 0; i < n; i++) {
    const t = START + i * 1500;
    const pid = 2000 + rand(20000);
    const port = 1024 + rand(60000);
    const r = rand(1000);
    let msg: string;
    if (r < 6) msg = `Failed password for root from 198.51.100.${7 + rand(3)} port ${port} ssh2`;
    else if (r < 9) msg = `Failed password for invalid user ${['admin', 'oracle', 'test', 'pi', 'ftpuser', 'ubuntu', 'git'][rand(7)]} from 203.0.113.${40 + rand(2)} port ${port} ssh2`;
    else if (r < 10) msg = `Failed password for deploy from 192.0.2.66 port ${port} ssh2`;
    else if (r < 60) msg = `Failed password for user${rand(150)} from ${staffIp(rand(2000))} port ${port} ssh2`;
    else if (r < 600) msg = `Accepted publickey for user${rand(150)} from ${staffIp(rand(2000))} port ${port} ssh2: ED25519 SHA256:k${rand(997)}`;
    else if (r < 800) msg = `pam_unix(sshd:session): session opened for user user${rand(150)}(uid=${1000 + rand(150)}) by (uid=0)`;
    else msg = `pam_unix(cron:session): session closed for user root`;
    out.push([t, `${stamp(t)} bastion sshd[${pid}]: ${msg}`]);
  }
  // The guessed password, late in the log.
  const win = START + Math.floor(n * 0.8) * 1500 + 700;
  out.push([win, `${stamp(win)} bastion sshd[4242]: Accepted password for deploy from 192.0.2.66 port 50123 ssh2`]);
  return out.sort((a, b) => a[0] - b[0]);
}

/** Lines written when they end, as Apache does: each moves up to `lateMs` later in the file. */
function disordered(lines: [number, string][], lateMs: number): string[] {
  let x = 99;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % k;
  };
  return lines
    .map(([t, text]) => [t + rand(lateMs), text] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, text]) => text);
}

interface Printed {
  id: string;
  category: string;
  pattern: string | null;
  eventCount: number;
  priority: number;
}

/** Analyze, then re-run detection over the whole case and compare. */
interface PrintedRun {
  scope: string;
  status: string;
  events: number;
  note: string | null;
}

async function analyzeThenRerun(input: string): Promise<{ printed: Printed[]; rerun: Printed[]; runs: PrintedRun[] }> {
  const casePath = join(tempDir(), 'case.vigil');
  const out = capture();
  const err = capture();
  const code = await runAnalyze([input, '--json', '--case', casePath], { paths, version: 'test' }, out.stream, err.stream);
  expect(err.text()).not.toMatch(/unfinished/);
  expect(code).toBe(0);
  const body = JSON.parse(out.text()) as { incidents: Printed[]; detection: { runs: PrintedRun[] } };
  engine = new TestEngine();
  await engine.call('cases.open', { path: casePath });
  const again = engine.next<DetectionRun>('detect.finished', (r) => r.scope === 'all', 300_000);
  await engine.call('detect.rerun');
  expect((await again).status).toBe('done');
  const page = await engine.call<IncidentsPage>('incidents.list', { limit: 10_000 });
  const pick = (r: Printed): Printed => ({ id: r.id, category: r.category, pattern: r.pattern, eventCount: r.eventCount, priority: r.priority });
  return { printed: body.incidents.map(pick), rerun: page.rows.map(pick), runs: body.detection.runs };
}

describe('vigil analyze waits for everything it started', () => {
  const lines = authLog(200_000);

  it('on a log whose lines are up to two minutes out of order', async () => {
    const file = join(tempDir(), 'auth.log');
    writeFileSync(file, disordered(lines, 120_000).join('\n') + '\n');
    const r = await analyzeThenRerun(file);
    expect(r.printed.length).toBeGreaterThan(0);
    expect(r.printed.some((i) => i.category === 'auth_attack')).toBe(true);
    expect(r.printed).toEqual(r.rerun);
    expect(r.runs.at(-1)).toMatchObject({ status: 'done' });
    expect(r.runs.every((run) => run.status === 'done' || (run.status === 'cancelled' && /^superseded/.test(run.note ?? '')))).toBe(true);
  }, 300_000);

  it('on a tar.gz of rotated members, newest first', async () => {
    const dir = tempDir();
    const quarter = Math.ceil(lines.length / 4);
    const text = (k: number) => lines.slice(k * quarter, (k + 1) * quarter).map(([, l]) => l).join('\n') + '\n';
    const mtime = (k: number) => new Date(lines[Math.min(lines.length, (k + 1) * quarter) - 1]![0]);
    const pack = tar.pack();
    pack.entry({ name: 'var/log/auth.log', mtime: mtime(3) }, text(3));
    pack.entry({ name: 'var/log/auth.log.1', mtime: mtime(2) }, text(2));
    pack.entry({ name: 'var/log/auth.log.2.gz', mtime: mtime(1) }, gzipSync(text(1)));
    pack.entry({ name: 'var/log/auth.log.3.gz', mtime: mtime(0) }, gzipSync(text(0)));
    pack.finalize();
    const archive = join(dir, 'bastion-logs.tar.gz');
    await pipeline(pack, createGzip(), createWriteStream(archive));
    const r = await analyzeThenRerun(archive);
    expect(r.printed.some((i) => i.category === 'auth_attack')).toBe(true);
    expect(r.printed).toEqual(r.rerun);
    expect(r.runs.at(-1)).toMatchObject({ status: 'done', events: lines.length });
  }, 300_000);
});
