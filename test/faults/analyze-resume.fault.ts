/**
 * `vigil analyze FILE --case C` killed with SIGKILL at three moments (early in the import, late
 * in it, during detection) and run again each time: the import goes on where it stopped, so the
 * case ends with every line of the file exactly once, under one import, and the queue printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/engine/test-support';
import { ROOT } from '../paths';
import { waitFor } from './support';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINES = 300_000;

let running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running) c.kill('SIGKILL');
  running = [];
});

/** An auth log whose every line is unique (its number is in the message). */
async function writeLog(path: string): Promise<void> {
  const out = createWriteStream(path);
  const base = Date.UTC(2026, 3, 1);
  for (let i = 1; i <= LINES; i++) {
    const d = new Date(base + i * 200);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const who = i % 97 === 0 ? `Failed password for root from 198.51.100.${i % 5} port ${1000 + (i % 6000)} ssh2` : `Accepted publickey for user${i % 300} from 10.1.${i % 250}.${1 + (i % 200)} port ${1000 + (i % 6000)} ssh2: line ${i}`;
    if (!out.write(`${stamp} bastion sshd[${1000 + (i % 30000)}]: ${who} #${i}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

function analyze(file: string, casePath: string): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'analyze', file, '--json', '--case', casePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

/** Read the case from outside while the child writes it (WAL lets a reader in). */
function peek<T>(casePath: string, read: (db: Database.Database) => T): T | null {
  if (!existsSync(casePath)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(casePath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 200');
    return read(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

const events = (db: Database.Database) => db.prepare('SELECT count(*) FROM events').pluck().get() as number;

async function killWhen(file: string, casePath: string, what: string, ready: (db: Database.Database) => boolean): Promise<void> {
  const run = analyze(file, casePath);
  const ended = run.exit.then((r) => {
    throw new Error(`vigil analyze ended (${r.code ?? r.signal}) before ${what}: ${r.stderr.slice(-1000)}`);
  });
  await Promise.race([waitFor(what, () => peek(casePath, ready), 150_000, 25), ended]);
  run.child.kill('SIGKILL');
  const r = await run.exit;
  expect(r.signal).toBe('SIGKILL');
}

describe('vigil analyze after SIGKILL', () => {
  it('resumes the interrupted import instead of storing the file twice, at three moments', async () => {
    const dir = tempDir();
    const file = join(dir, 'auth.log');
    await writeLog(file);
    const casePath = join(dir, 'case.vigil');

    await killWhen(file, casePath, 'a fifth of the lines stored', (db) => events(db) >= LINES / 5);
    await killWhen(file, casePath, 'two thirds of the lines stored', (db) => events(db) >= (2 * LINES) / 3);
    await killWhen(file, casePath, 'the import done and detection running', (db) => {
      const done = db.prepare(`SELECT count(*) FROM imports WHERE status = 'done'`).pluck().get() as number;
      const passing = db.prepare(`SELECT count(*) FROM detection_runs WHERE status = 'running' AND events > 0`).pluck().get() as number;
      return done === 1 && passing > 0;
    });

    const last = await analyze(file, casePath).exit;
    expect(last.stderr).not.toMatch(/unfinished/);
    expect(last.code).toBe(0);
    const printed = JSON.parse(last.stdout) as { incidents: unknown[]; files: { lines: number }[] };
    expect(printed.incidents.length).toBeGreaterThan(0);

    const db = new Database(casePath, { readonly: true });
    try {
      expect(events(db)).toBe(LINES);
      expect(db.prepare('SELECT count(DISTINCT raw) FROM events').pluck().get()).toBe(LINES);
      expect(db.prepare('SELECT count(*) FROM (SELECT source_id, line_no FROM events GROUP BY source_id, line_no HAVING count(*) > 1)').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*), min(status), max(status) FROM imports').raw().get()).toEqual([1, 'done', 'done']);
      expect(db.prepare(`SELECT status FROM detection_runs ORDER BY id DESC LIMIT 1`).pluck().get()).toBe('done');
    } finally {
      db.close();
    }
  }, 600_000);
});
