/**
 * An old Red Hat host's rotated `/var/log/messages` (messages, messages.1 ... messages.33, one a
 * week, newest first), copied off the host long after: every file has the copy's time, and the
 * syslog stamps have no year. Each older file ended when the next began, so the import dates the
 * whole rotation in its right years across the turn of the year and reads it oldest first.
 */
import { createWriteStream, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseInfo, ImportJob, SourceRow } from '../../../src-shared/dto';
import { TestEngine, tempDir } from '../test-support';
import { yearlessStamp } from '../parse/parsers/time';
import { logOf } from '../parse/log-names';
import { chainRotations, datedFirst, rotationOf } from './rotation';
import { walkInTimeOrder } from './time-order';

const engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.link.close();
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Copied off the host on December 7, 2026; the live file's last line is March 8, 2026. */
const COPIED_AT = Date.UTC(2026, 11, 7, 10);
const LAST = Date.UTC(2026, 2, 8, 4, 2, 0);

function stamp(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

/** A week of Red Hat 2005 `messages`: the weekly rotation's restart, kernel and cron noise, and ssh guessers by host name and address. */
function week(from: number, to: number, k: number): string[] {
  const out: string[] = [`${stamp(from)} combo syslogd 1.4.1: restart.`];
  for (let t = from + 3_600_000, i = 0; t < to; t += 5 * 3_600_000, i++) {
    if (i % 3 === 0) out.push(`${stamp(t)} combo kernel: Linux agpgart interface v0.100 (c) Dave Jones`);
    else if (i % 3 === 1) out.push(`${stamp(t)} combo crond(pam_unix)[${2000 + i}]: session opened for user root by (uid=0)`);
    else
      out.push(
        `${stamp(t)} combo sshd(pam_unix)[${3000 + i}]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=${i % 2 ? `host-${k}.example.net` : `198.51.100.${k}`}  user=root`,
      );
  }
  out.push(`${stamp(to)} combo syslogd 1.4.1: restart.`);
  return out;
}

async function importFolder(dir: string): Promise<{ job: ImportJob; sources: SourceRow[]; spans: { name: string; first: number; last: number }[] }> {
  const engine = new TestEngine();
  engines.push(engine);
  await engine.call('cases.create', { name: 'red hat rotation' });
  const done = engine.next<ImportJob>('ingest.finished', () => true, 120_000);
  await engine.call('ingest.startImport', { paths: [dir] });
  const job = await done;
  await engine.call('ingest.waitIdle');
  const sources = await engine.call<SourceRow[]>('ingest.listSources');
  const info = await engine.call<CaseInfo>('cases.getCurrent');
  const db = new Database(info.path, { readonly: true });
  try {
    const spans = db
      .prepare('SELECT s.name AS name, min(e.ts) AS first, max(e.ts) AS last FROM events e JOIN sources s ON s.id = e.source_id GROUP BY s.id ORDER BY s.id')
      .all() as { name: string; first: number; last: number }[];
    return { job, sources, spans };
  } finally {
    db.close();
  }
}

describe('rotation names', () => {
  it('reads the live file, numbered and dated members, compressed or not', () => {
    expect(rotationOf('messages')).toEqual({ base: 'messages', n: 0, dayEnd: null });
    expect(rotationOf('var/log/messages.33')).toEqual({ base: 'var/log/messages', n: 33, dayEnd: null });
    expect(rotationOf('auth.log.2.gz')).toEqual({ base: 'auth.log', n: 2, dayEnd: null });
    expect(rotationOf('messages-20050621')).toEqual({ base: 'messages', n: null, dayEnd: Date.UTC(2005, 5, 22) });
    // A name that only looks dated is a file of its own.
    expect(rotationOf('report-20051399')).toEqual({ base: 'report-20051399', n: 0, dayEnd: null });
  });

  it('names the log every member is part of, inside an archive too', () => {
    expect(logOf('logs.tar.gz!var/log/apache2/access.log.98.gz')).toBe('logs.tar.gz!var/log/apache2/access.log');
    expect(logOf('logs.tar.gz!var/log/apache2/access.log')).toBe('logs.tar.gz!var/log/apache2/access.log');
    expect(logOf('access.log.gz')).toBe('access.log');
    expect(logOf('messages-20050621.bz2')).toBe('messages');
    expect(logOf('udp listener')).toBe('udp listener');
    // Per-host files named by address are logs of their own, not rotations of `10.0.0`.
    expect(logOf('remote/10.0.0.1')).toBe('remote/10.0.0.1');
    expect(logOf('logs.tar!remote/10.0.0.2')).toBe('logs.tar!remote/10.0.0.2');
    expect(rotationOf('10.0.0.3.gz')).toEqual({ base: '10.0.0.3.gz', n: 0, dayEnd: null });
  });

  it('chains a rotation from its live file back; a file without rotated siblings keeps its own time', () => {
    const s = (month: number, day: number) => ({ month, day, secondOfDay: 3600 });
    const { reference, groups } = chainRotations(
      [
        { name: 'messages', mtime: COPIED_AT, first: s(0, 3), last: s(0, 9) },
        { name: 'messages.1', mtime: COPIED_AT, first: s(11, 27), last: s(0, 3) },
        { name: 'messages.2', mtime: COPIED_AT, first: s(11, 20), last: s(11, 27) },
        { name: 'kern.log', mtime: COPIED_AT, first: s(6, 1), last: s(6, 2) },
      ],
      COPIED_AT,
    );
    expect(groups).toEqual([['messages.2', 'messages.1', 'messages']]);
    expect(reference.get('messages')).toBeUndefined();
    expect(new Date(reference.get('messages.1')!).toISOString()).toBe('2026-01-03T01:00:00.000Z');
    expect(new Date(reference.get('messages.2')!).toISOString()).toBe('2025-12-27T01:00:00.000Z');
    expect(reference.has('kern.log')).toBe(false);
  });
});

describe("a Red Hat host's year-less messages rotation", () => {
  it('imports messages, messages.1 ... messages.33 copied at one time in their right years, oldest first', async () => {
    const dir = join(tempDir('vigil-rotation-'), 'log');
    mkdirSync(dir);
    const expected: { name: string; from: number; to: number }[] = [];
    for (let n = 0; n <= 33; n++) {
      const to = LAST - n * WEEK;
      const from = to - WEEK + 60_000;
      const name = n === 0 ? 'messages' : `messages.${n}`;
      const text = week(from, to, n).join('\n') + '\n';
      // The oldest few were compressed by logrotate; gzip kept no time in them (as `gzip -n` leaves it).
      const file = join(dir, n >= 30 ? `${name}.gz` : name);
      writeFileSync(file, n >= 30 ? gzipSync(text, { level: 1 }).fill(0, 4, 8) : text);
      utimesSync(file, COPIED_AT / 1000, COPIED_AT / 1000);
      expected.push({ name: n >= 30 ? `${name}.gz` : name, from, to });
    }
    writeFileSync(join(dir, 'README'), 'Logs of combo, copied for the review\n');
    const { job, sources, spans } = await importFolder(dir);
    expect(job.status).toBe('done');
    expect(job.notes).toEqual([expect.stringMatching(/^README: not a log/)]);

    // Oldest first: messages.33.gz ... messages.1, messages; each file's lines in its own week.
    expect(spans.map((s) => s.name)).toEqual(expected.map((e) => e.name).reverse());
    for (const e of expected) {
      const got = spans.find((s) => s.name === e.name)!;
      expect([new Date(got.first).toISOString(), new Date(got.last).toISOString()], e.name).toEqual([
        new Date(e.from).toISOString(),
        new Date(e.to).toISOString(),
      ]);
    }
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.first).toBeGreaterThan(spans[i - 1]!.last);

    // The rotation turns the year: July to December 2025, then 2026.
    const years = Object.fromEntries(sources.map((s) => [s.name, s.assumedYears && `${s.assumedYears.first}-${s.assumedYears.last}`]));
    expect(years['messages.33.gz']).toBe('2025-2025');
    expect(years['messages']).toBe('2026-2026');
    const turn = expected.find((e) => new Date(e.from).getUTCFullYear() === 2025 && new Date(e.to).getUTCFullYear() === 2026)!;
    expect(years[turn.name]).toBe('2025-2026');
    expect(sources.every((s) => s.assumedYears?.futureKept === 0)).toBe(true);
  }, 120_000);
});

describe('a rotation inside an archive made from a copy', () => {
  it('walks the members in event-time order with chained reference times', async () => {
    const dir = tempDir('vigil-rotation-tar-');
    const pack = tar.pack();
    // Entries in the archive's own order (name order), every one with the copy's time.
    for (const n of [0, 1, 2, 3]) {
      const to = Date.UTC(2026, 0, 10, 4) - n * WEEK;
      pack.entry({ name: n === 0 ? 'log/messages' : `log/messages.${n}`, mtime: new Date(COPIED_AT) }, week(to - WEEK + 60_000, to, n).join('\n') + '\n');
    }
    pack.finalize();
    const archive = join(dir, 'combo.tar');
    await pipeline(pack, createWriteStream(archive));
    const walked: { name: string; mtime: number | undefined }[] = [];
    for await (const m of walkInTimeOrder(archive, {
      spoolDir: join(dir, 'spool'),
      span: (head, m) => ({ first: datedFirst(m.mtime ?? COPIED_AT, head.length > 0 ? yearlessStamp(head[0]!) : null, null), last: null }),
    })) {
      walked.push({ name: m.name, mtime: m.mtime });
      for await (const _ of m.stream) void _;
    }
    expect(walked.map((w) => w.name)).toEqual(['combo.tar!log/messages.3', 'combo.tar!log/messages.2', 'combo.tar!log/messages.1', 'combo.tar!log/messages']);
    // The live file keeps the copy's time; each older member is dated no later than the next began.
    expect(walked.map((w) => new Date(w.mtime!).toISOString())).toEqual([
      '2025-12-20T04:01:00.000Z',
      '2025-12-27T04:01:00.000Z',
      '2026-01-03T04:01:00.000Z',
      new Date(COPIED_AT).toISOString(),
    ]);
  });
});
