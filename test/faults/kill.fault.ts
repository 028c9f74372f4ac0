/**
 * The engine killed with SIGKILL (no shutdown, no flush) in a real child process, mid-import and
 * mid-collection: the case opens afterwards, nothing committed is lost, and the import resumes
 * where it stopped so that every line of the file is in the case exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, createWriteStream, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseInfo, ImportJob } from '../../src-shared/dto';
import { TestEngine, tempDir } from '../../src-main/engine/test-support';
import { ROOT } from '../paths';
import { sleep, waitFor } from './support';

type Msg = { importing?: unknown; rerun?: unknown; event?: string; payload?: Record<string, unknown>; ready?: boolean; collecting?: string; status?: { received: number; stored: number; dropped: number }; error?: string; space?: string };

class Child {
  readonly messages: Msg[] = [];
  readonly proc: ChildProcess;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'faults', 'engine-child.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.messages.push(JSON.parse(line) as Msg);
      } catch {
        /* not ours */
      }
    });
    this.proc.stderr!.on('data', (d) => (this.stderr += String(d)));
    this.proc.on('exit', (code, signal) => (this.exit = { code, signal }));
  }

  until<T>(what: string, pick: (m: Msg) => T | undefined, timeoutMs = 90_000): Promise<T> {
    return waitFor(what, () => {
      if (this.exit && this.exit.signal !== 'SIGKILL') throw new Error(`the engine child exited (${JSON.stringify(this.exit)}) before ${what}: ${this.stderr.slice(-2000)}`);
      for (let i = this.messages.length - 1; i >= 0; i--) {
        const v = pick(this.messages[i]!);
        if (v !== undefined) return v;
      }
      return undefined;
    }, timeoutMs, 10);
  }

  async kill(): Promise<void> {
    if (this.exit) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

let children: Child[] = [];
let engines: TestEngine[] = [];
afterEach(async () => {
  for (const c of children) await c.kill();
  for (const e of engines) await e.link.close();
  children = [];
  engines = [];
});

function child(args: string[]): Child {
  const c = new Child(args);
  children.push(c);
  return c;
}

async function writeAuthLog(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const base = Date.UTC(2026, 2, 1);
  let chunk = '';
  for (let i = 1; i <= n; i++) {
    const d = new Date(base + i * 250);
    const ts = `Mar  ${d.getUTCDate()} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
    // The line number is in the message so that every stored event can be matched to its line.
    chunk += i % 5 === 0
      ? `${ts} web-${i % 3} sshd[${2000 + (i % 900)}]: Accepted password for u${i % 41} from 10.1.${i % 200}.${i % 250} port ${20000 + (i % 40000)} ssh2 seq=${i}\n`
      : `${ts} web-${i % 3} sshd[${2000 + (i % 900)}]: Failed password for invalid user x${i % 313} from 203.0.${i % 100}.${i % 250} port ${20000 + (i % 40000)} ssh2 seq=${i}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

/** Straight from the file, as a second program would see it after the crash. */
function committed(casePath: string): { events: number; imports: { id: number; status: string; lines: number }[] } {
  const db = new Database(casePath);
  try {
    const events = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const imports = db.prepare('SELECT id, status, lines FROM imports ORDER BY id').all() as { id: number; status: string; lines: number }[];
    return { events, imports };
  } finally {
    db.close();
  }
}

const progressLines = (m: Msg) => (m.event === 'ingest.progressed' ? (m.payload!.lines as number) : undefined);

describe('SIGKILL mid-import', () => {
  let resumedCase: string | null = null;
  it('keeps what was committed and resumes, twice, until every line is in the case exactly once', async () => {
    const dir = tempDir('vigil-kill-');
    const log = join(dir, 'auth.log');
    const total = 300_000;
    await writeAuthLog(log, total);
    const casePath = join(dir, 'killed.vigil');
    resumedCase = casePath;

    // 1. Import, killed once well past the first checkpoint (32 batches of 2,000 lines).
    const first = child(['import', join(dir, 'data1'), casePath, log]);
    const seen1 = await first.until('70,000 lines imported', (m) => {
      const n = progressLines(m);
      return n !== undefined && n >= 70_000 ? n : undefined;
    });
    await first.kill();
    const after1 = committed(casePath);
    console.log(`[kill] first kill: progress said ${seen1} lines, the file holds ${after1.events} events`);
    expect(after1.events).toBeGreaterThanOrEqual(seen1);
    expect(after1.imports).toMatchObject([{ id: 1, status: 'running' }]);

    // 2. Open again: the import resumes on its own; kill it again mid-way.
    const second = child(['open', join(dir, 'data2'), casePath]);
    const seen2 = await second.until('the resumed import to pass the first kill', (m) => {
      const n = progressLines(m);
      return n !== undefined && n >= after1.events + 40_000 ? n : undefined;
    });
    await second.kill();
    const after2 = committed(casePath);
    console.log(`[kill] second kill: progress said ${seen2} lines, the file holds ${after2.events} events`);
    expect(after2.events).toBeGreaterThanOrEqual(seen2);
    expect(after2.events).toBeLessThan(total);

    // 3. Open in this process and let it finish.
    const e = new TestEngine(join(dir, 'data3'));
    engines.push(e);
    const finished = e.next<ImportJob>('ingest.finished', () => true, 120_000);
    const info = await e.call<CaseInfo>('cases.open', { path: casePath });
    expect(info.name).toBe('fault');
    const job = await finished;
    expect(job).toMatchObject({ id: 1, status: 'done', lines: total, members: 1 });
    await e.call('cases.close');

    const db = new Database(casePath, { readonly: true });
    try {
      const lines = db.prepare('SELECT count(*) AS n, count(DISTINCT line_no) AS distinct_lines, min(line_no) AS lo, max(line_no) AS hi FROM events WHERE import_id = 1').get();
      expect(lines).toEqual({ n: total, distinct_lines: total, lo: 1, hi: total });
      // Each stored line is the file's line of that number.
      const mismatched = db.prepare(`SELECT count(*) FROM events WHERE raw NOT LIKE '%seq=' || line_no`).pluck().get();
      expect(mismatched).toBe(0);
      // Template counts were rolled back with the events, not counted twice.
      expect(db.prepare('SELECT sum(count) FROM templates').pluck().get()).toBe(total);
      // Entities linked to their events row by row were too.
      expect(db.prepare(`SELECT sum(count) FROM entities WHERE type IN ('ip', 'user')`).pluck().get()).toBe(2 * total);
      expect(db.prepare('SELECT count(*) FROM events_fts WHERE events_fts MATCH ?').pluck().get('"seq"')).toBe(total);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  // Hosts and processes are counted without link rows: the rollback before a resume must take
  // their counts back too, or each resume inflates them by the replayed lines.
  it('leaves every entity count as an uninterrupted import would (host and process too)', () => {
    expect(resumedCase).not.toBeNull();
    const db = new Database(resumedCase!, { readonly: true });
    try {
      // Every line names exactly one host, process, IP and user.
      const byType = db.prepare('SELECT type, sum(count) AS n FROM entities GROUP BY type ORDER BY type').all();
      expect(byType).toEqual(['host', 'ip', 'process', 'user'].map((type) => ({ type, n: 300_000 })));
    } finally {
      db.close();
    }
  });
});

describe('SIGKILL mid-collection', () => {
  // A live collection is an `imports` row with no checkpoint: after a crash it must be closed as
  // it stood, never rolled back like an interrupted file import.
  it('opens the case afterwards with every message the collector had stored', async () => {
    const dir = tempDir('vigil-kill-live-');
    const casePath = join(dir, 'live.vigil');
    const c = child(['collect', join(dir, 'data1'), casePath]);
    const address = await c.until('the UDP listener', (m) => m.collecting);
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const sock = createSocket('udp4');
    let sent = 0;
    let stop = false;
    const sender = (async () => {
      while (!stop) {
        for (let k = 0; k < 50; k++) {
          sent++;
          sock.send(`<38>1 ${new Date().toISOString()} web-9 sshd 77 - - Failed password for root from 192.0.2.${sent % 250} port ${sent} ssh2 seq=${sent}`, port, '127.0.0.1');
        }
        await sleep(10);
      }
    })();
    const stored = await c.until('3,000 messages stored', (m) => (m.status && m.status.stored >= 3000 ? m.status.stored : undefined), 60_000);
    await c.kill();
    stop = true;
    await sender;
    sock.close();
    console.log(`[kill] collector killed: ${sent} sent, status said ${stored} stored`);

    expect(existsSync(casePath)).toBe(true);
    const e = new TestEngine(join(dir, 'data2'));
    engines.push(e);
    const info = await e.call<CaseInfo>('cases.open', { path: casePath });
    expect(info.eventCount).toBeGreaterThanOrEqual(stored);
    const status = await e.call<{ running: boolean }>('collector.getStatus');
    expect(status.running).toBe(false);
    await e.call('cases.close');
    const db = new Database(casePath, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBeGreaterThanOrEqual(stored);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(db.prepare('SELECT count(DISTINCT raw) FROM events').pluck().get());
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});

describe('a detection pass that fails', () => {
  // Work chained on the import queue that throws outside its own error handling (here the
  // detection pass's first query on a damaged case) must not reject the queue for good.
  it('does not take the engine down, and the import queued after it still finishes', async () => {
    const dir = tempDir('vigil-detect-damaged-');
    const casePath = join(dir, 'damaged.vigil');
    const log = join(dir, 'auth.log');
    await writeAuthLog(log, 20_000);
    const e = new TestEngine(join(dir, 'data0'));
    engines.push(e);
    await e.call('cases.create', { name: 'damaged', path: casePath });
    const done = e.next<ImportJob>('ingest.finished', () => true, 60_000);
    await e.call('ingest.startImport', { paths: [log] });
    await done;
    await e.call('cases.close');
    // Damage the middle third of the events table's leaf pages with a fixed pattern: what a pass
    // over the case reads, not what opening it reads (the schema, the counts and the small tables
    // move about the file as migrations add tables, so a fixed offset in the file would not do).
    const db = new Database(casePath);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
    db.close();
    expect(leaves.length).toBeGreaterThan(30);
    const fd = openSync(casePath, 'r+');
    for (const page of leaves.slice(Math.floor(leaves.length / 3), Math.floor((2 * leaves.length) / 3))) {
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
    }
    closeSync(fd);

    const c = child(['detect-damaged', join(dir, 'data1'), casePath, log]);
    await c.until('the import request', (m) => (m.importing ? m.importing : undefined), 30_000);
    const job = await c.until('the import after the failed pass to finish', (m) => (m.event === 'ingest.finished' ? m.payload : undefined), 30_000);
    expect(['done', 'failed']).toContain(job.status);
  });
});
