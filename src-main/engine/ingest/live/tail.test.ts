/** File tail on a real file system: rotation, copytruncate, truncation, globs and checkpoints. */
import { appendFileSync, copyFileSync, mkdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from './collector';
import { expandGlob, matchGlob } from './glob';
import { takeLines, tempDir, waitFor } from './live-test-support';
import type { TailCheckpoint } from './tailer';
import type { LiveMessage } from './types';

const dirs: string[] = [];
const running: Collector[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('vigil-tail-');
  dirs.push(d);
  return d;
}

const lines = (prefix: string, from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}\n`).join('');
const names = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);

interface Tail {
  c: Collector;
  saved: TailCheckpoint[];
}

async function tail(paths: string[], extra: Record<string, unknown> = {}, checkpoints: TailCheckpoint[] = []): Promise<Tail> {
  const t: Tail = { c: null as unknown as Collector, saved: checkpoints };
  t.c = new Collector({ onCheckpoint: (cps) => (t.saved = cps) });
  running.push(t.c);
  await t.c.start({ udp: { enabled: false }, tcp: { enabled: false }, tail: { enabled: true, paths, pollIntervalMs: 50, startAt: 'beginning', ...extra } }, { checkpoints });
  return t;
}

/** Take and commit, as the engine does after storing a batch. */
async function consume(t: Tail, n: number, timeoutMs = 5000): Promise<string[]> {
  const got: LiveMessage[] = await takeLines(t.c, n, timeoutMs);
  t.c.commit(got);
  return got.map((m) => m.line);
}

async function nothingMore(t: Tail, ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  expect(t.c.takeBatch(1000).map((m) => m.line)).toEqual([]);
}

describe('glob', () => {
  it('matches *, ? and ** by path segment', () => {
    expect(matchGlob('/var/log/*.log', '/var/log/auth.log')).toBe(true);
    expect(matchGlob('/var/log/*.log', '/var/log/sub/auth.log')).toBe(false);
    expect(matchGlob('/var/log/app?.log', '/var/log/app1.log')).toBe(true);
    expect(matchGlob('/var/log/app?.log', '/var/log/app12.log')).toBe(false);
    expect(matchGlob('/var/log/**/*.log', '/var/log/a.log')).toBe(true);
    expect(matchGlob('/var/log/**/*.log', '/var/log/x/y/z/a.log')).toBe(true);
    expect(matchGlob('/var/**/nginx/*.log', '/var/log/nginx/access.log')).toBe(true);
    expect(matchGlob('/var/log/a.[1]', '/var/log/a.[1]')).toBe(true);
    expect(matchGlob('/var/log/*.log', '/var/log/auth.log.1')).toBe(false);
  });

  it('expands against the file system, files only, sorted', async () => {
    const d = dir();
    mkdirSync(join(d, 'a/b'), { recursive: true });
    for (const f of ['x.log', 'a/y.log', 'a/b/z.log', 'a/b/z.txt']) writeFileSync(join(d, f), '');
    mkdirSync(join(d, 'dir.log'));
    expect((await expandGlob(join(d, '**/*.log'))).files).toEqual([join(d, 'a/b/z.log'), join(d, 'a/y.log'), join(d, 'x.log')]);
    expect((await expandGlob(join(d, '*.log'))).files).toEqual([join(d, 'x.log')]);
    expect((await expandGlob(join(d, 'a/b/z.*'))).files).toEqual([join(d, 'a/b/z.log'), join(d, 'a/b/z.txt')]);
    expect((await expandGlob(join(d, 'x.log'))).files).toEqual([join(d, 'x.log')]);
    expect((await expandGlob(join(d, 'missing/*.log'))).files).toEqual([]);
    expect(await expandGlob(join(d, '**/*.log'), { maxMatches: 2 })).toMatchObject({ truncated: true });
  });
});

describe('file tail', () => {
  it('follows appends, waits for a line to be finished, and starts at the end when asked', async () => {
    const d = dir();
    const f = join(d, 'app.log');
    writeFileSync(f, lines('old', 0, 3));
    const fromEnd = await tail([f], { startAt: 'end' });
    const fromStart = await tail([f]);
    expect(await consume(fromStart, 3)).toEqual(names('old', 0, 3));
    appendFileSync(f, 'new 0\nnew 1 is half');
    expect(await consume(fromEnd, 1)).toEqual(['new 0']);
    await nothingMore(fromEnd, 200);
    appendFileSync(f, ' done\r\n');
    expect(await consume(fromEnd, 1)).toEqual(['new 1 is half done']);
    expect((await consume(fromStart, 2))[1]).toBe('new 1 is half done');
    expect(fromEnd.c.stats().tailFiles[0]).toMatchObject({ path: f, state: 'active' });
    const m = fromEnd.c.stats().recentLines.at(-1)!;
    expect(m).toMatchObject({ source: 'tail', sender: f });
  });

  it('survives rename rotation: drains the old file, then reads the new one from its start', async () => {
    const d = dir();
    const f = join(d, 'app.log');
    writeFileSync(f, lines('a', 0, 100));
    const t = await tail([f]);
    expect(await consume(t, 100)).toEqual(names('a', 0, 100));
    // The writer still holds the old file for a moment after the rename: those lines count too.
    appendFileSync(f, lines('a', 100, 150));
    renameSync(f, `${f}.1`);
    appendFileSync(`${f}.1`, lines('a', 150, 160) + 'a unterminated');
    writeFileSync(f, lines('b', 0, 50));
    const got = await consume(t, 111);
    expect(got.filter((l) => l.startsWith('a'))).toEqual([...names('a', 100, 160), 'a unterminated']);
    expect(got.filter((l) => l.startsWith('b'))).toEqual(names('b', 0, 50));
    await nothingMore(t);
    await waitFor(() => t.c.stats().tailFiles.length === 1, 'the rotated file to be closed and forgotten');
  });

  it('survives copytruncate and plain truncation, reading the new content from its start', async () => {
    const d = dir();
    const f = join(d, 'app.log');
    writeFileSync(f, lines('a', 0, 20));
    const t = await tail([f]);
    expect(await consume(t, 20)).toEqual(names('a', 0, 20));
    copyFileSync(f, `${f}.1`);
    truncateSync(f, 0);
    appendFileSync(f, lines('b', 0, 5));
    expect(await consume(t, 5)).toEqual(names('b', 0, 5));
    // Truncated and refilled past the old offset before a poll could see the shorter size:
    // only the changed first bytes tell.
    const longer = lines('c', 0, 30);
    writeFileSync(f, longer);
    expect(await consume(t, 30)).toEqual(names('c', 0, 30));
    expect(t.c.stats().tailFiles[0]!.truncations).toBe(2);
    await nothingMore(t);
  });

  it('picks up files created later under a ** glob, from their start', async () => {
    const d = dir();
    const t = await tail([join(d, '**/*.log')]);
    mkdirSync(join(d, 'svc/a'), { recursive: true });
    writeFileSync(join(d, 'svc/a/x.log'), lines('x', 0, 3));
    writeFileSync(join(d, 'svc/a/x.txt'), lines('ignored', 0, 3));
    expect(await consume(t, 3)).toEqual(names('x', 0, 3));
    expect(t.c.stats().tailFiles.map((s) => s.path)).toEqual([join(d, 'svc/a/x.log')]);
  });

  it('resumes from checkpoints without loss or repeats, even across a rotation while stopped', async () => {
    const d = dir();
    const f = join(d, 'app.log');
    writeFileSync(f, lines('a', 0, 100));
    const first = await tail([f]);
    // Only 60 lines are committed; the other 40 were taken but never stored (a crash, say).
    const taken = await takeLines(first.c, 100);
    first.c.commit(taken.slice(0, 60));
    const saved = first.saved;
    expect(saved).toHaveLength(1);
    await first.c.stop();

    appendFileSync(f, lines('a', 100, 120));
    renameSync(f, `${f}.1`);
    writeFileSync(f, lines('b', 0, 10));
    const second = await tail([f], { startAt: 'end' }, saved);
    const got = await consume(second, 70);
    expect(got.filter((l) => l.startsWith('a'))).toEqual(names('a', 60, 120));
    expect(got.filter((l) => l.startsWith('b'))).toEqual(names('b', 0, 10));
    await nothingMore(second);

    // A third run from the second's checkpoints starts exactly where it stopped.
    const saved2 = second.saved;
    await second.c.stop();
    appendFileSync(f, lines('b', 10, 15));
    const third = await tail([f], {}, saved2);
    expect(await consume(third, 5)).toEqual(names('b', 10, 15));
    await nothingMore(third);
  });

  it('reads a file again from its start when its checkpoint no longer fits it', async () => {
    const d = dir();
    const f = join(d, 'app.log');
    writeFileSync(f, lines('a', 0, 10));
    const first = await tail([f]);
    await consume(first, 10);
    const saved = first.saved;
    await first.c.stop();
    writeFileSync(f, lines('z', 0, 3)); // rewritten in place while stopped: same inode, new content
    const second = await tail([f], {}, saved);
    expect(await consume(second, 3)).toEqual(names('z', 0, 3));
  });

  it('pauses on a full queue without losing lines, and counts oversize lines', async () => {
    const d = dir();
    const f = join(d, 'big.log');
    writeFileSync(f, lines('l', 0, 2000) + 'x'.repeat(5000) + '\nafter\n');
    const t = await tail([f], { maxLineBytes: 1024 }, []);
    const got: string[] = [];
    const small = new Collector();
    running.push(small);
    await small.start({ udp: { enabled: false }, tcp: { enabled: false }, queue: { maxMessages: 50 }, tail: { enabled: true, paths: [f], pollIntervalMs: 50, startAt: 'beginning', maxLineBytes: 1024 } });
    await waitFor(() => {
      const b = small.takeBatch(13);
      small.commit(b);
      for (const m of b) got.push(m.line);
      expect(small.queue.length).toBeLessThanOrEqual(50);
      return got.length === 2001;
    }, 'all lines through a 50-message queue', 15_000);
    expect(got).toEqual([...names('l', 0, 2000), 'after']);
    expect(small.stats().listeners[0]!.drops).toEqual({ queueFull: 0, oversize: 1, malformed: 0 });
    expect((await consume(t, 2001)).at(-1)).toBe('after');
  });

  it('rejects a tail section without paths', async () => {
    await expect(new Collector().start({ tail: { enabled: true } })).rejects.toThrow(/tail.*at least one file/);
  });
});
