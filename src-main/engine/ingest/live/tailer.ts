/**
 * Follows files and globs. Polling with stat is the source of truth (fs.watch misses events on
 * network and container file systems); a watch only wakes the poll early. Survives rename
 * rotation (the old file is drained to its end), copytruncate and truncation (read again from the
 * start), and resumes from checkpoints that the consumer advances only for committed lines, so a
 * restart neither loses nor repeats a line.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkHead, fileKey, headOf } from './file-identity';
import { expandGlob, globRoot } from './glob';
import type { LiveQueue } from './queue';
import type { Recorder } from './recorder';
import { TailedFile, type FollowState } from './tail-file';
import type { LiveMessage } from './types';

export interface TailOptions {
  /** Files or globs (`*`, `?`, `**`). */
  paths: string[];
  pollIntervalMs: number;
  /** Where to start in files found at the very first start (no checkpoints yet). */
  startAt: 'beginning' | 'end';
  maxLineBytes: number;
  /** Bytes hashed to recognise a file's content. */
  fingerprintBytes: number;
  maxFiles: number;
  readChunkBytes: number;
}

/** What the lead persists in the case and hands back on the next start. */
export interface TailCheckpoint {
  path: string;
  dev: number;
  ino: number;
  headHash: string;
  headLength: number;
  /** Every line before this byte offset has been committed. */
  offset: number;
}

export interface TailFileStatus {
  path: string;
  state: FollowState;
  size: number;
  readOffset: number;
  committedOffset: number;
  lines: number;
  truncations: number;
}

/** A rotated-away file is closed after this many polls without growth. */
const QUIET_POLLS_BEFORE_CLOSE = 2;
/** The least time between two polls, however many watch events arrive. */
const MIN_POLL_GAP_MS = 10;
/** Files looked at when searching a folder for a file rotated away while Vigil was stopped. */
const MAX_ROTATION_SEARCH = 1000;

export class Tailer {
  private readonly files = new Map<string, TailedFile>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private hinted = false;
  private firstScan = true;

  constructor(
    private readonly options: TailOptions,
    private readonly sink: Recorder,
    private readonly queue: LiveQueue,
    private readonly now: () => number,
    private readonly resumeFrom: readonly TailCheckpoint[],
  ) {}

  async start(): Promise<void> {
    // Matching runs before start resolves, so the panel shows at once what is followed; reading
    // does not, since it may wait for a consumer that starts only after start resolves.
    await this.discover();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop?.catch(() => undefined);
    this.loop = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const f of this.files.values()) await f.close();
  }

  /**
   * Advances checkpoints past the tailed lines of a batch the consumer has stored; returns every
   * current checkpoint when any moved (the set to persist, replacing the previous one), else null.
   */
  commit(batch: readonly LiveMessage[]): TailCheckpoint[] | null {
    let moved = false;
    for (const msg of batch) {
      const c = msg.cursor;
      if (c === undefined) continue;
      const f = this.files.get(c.key);
      if (f === undefined || f.generation !== c.generation || c.offset <= f.committed) continue;
      f.committed = c.offset;
      moved = true;
    }
    this.forgetFinished();
    return moved ? this.checkpoints() : null;
  }

  checkpoints(): TailCheckpoint[] {
    return [...this.files.values()].map((f) => ({
      path: f.path,
      dev: f.dev,
      ino: f.ino,
      headHash: f.head.hash,
      headLength: f.head.length,
      offset: f.committed,
    }));
  }

  status(): TailFileStatus[] {
    return [...this.files.values()].map((f) => ({
      path: f.path,
      state: f.state,
      size: Math.max(0, f.lastSize),
      readOffset: f.lineStart,
      committedOffset: f.committed,
      lines: f.lines,
      truncations: f.truncations,
    }));
  }

  private async run(): Promise<void> {
    let first = true;
    while (!this.abort.signal.aborted) {
      try {
        if (!first) await this.discover();
        first = false;
        await this.readAll();
      } catch (err) {
        this.sink.noteError('tail', err);
      }
      if (this.abort.signal.aborted) return;
      await this.sleep(this.options.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.hinted) {
      this.hinted = false;
      ms = MIN_POLL_GAP_MS;
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** A watch event: poll soon (not at once, a write often fires several events). */
  private hint(): void {
    if (this.wake === null) {
      this.hinted = true;
      return;
    }
    const wake = this.wake;
    this.wake = null;
    setTimeout(wake, MIN_POLL_GAP_MS).unref();
  }

  /** Matches the patterns again and starts, moves or retires followers accordingly. */
  private async discover(): Promise<void> {
    const seen = await this.scan();
    for (const [key, { path, size }] of seen) {
      const f = this.files.get(key);
      if (f !== undefined && f.state !== 'closed') {
        f.path = path;
        f.state = 'active';
      } else {
        await this.follow(key, path, size, f);
      }
    }
    for (const f of this.files.values()) {
      if (f.state === 'active' && !seen.has(f.key)) {
        // Renamed out of the patterns, or deleted: its handle still reads what was written.
        f.state = 'rotated';
        f.quietPolls = 0;
      }
    }
    if (this.firstScan) {
      this.firstScan = false;
      await this.resumeRotatedWhileStopped(seen);
    }
  }

  private async readAll(): Promise<void> {
    for (const f of [...this.files.values()]) {
      if (this.abort.signal.aborted) return;
      if (f.fh !== null) await this.readFile(f);
    }
    this.forgetFinished();
    this.refreshWatchers();
  }

  /** Current matches by file identity; a file reached by two patterns or links counts once. */
  private async scan(): Promise<Map<string, { path: string; size: number }>> {
    const seen = new Map<string, { path: string; size: number }>();
    for (const pattern of this.options.paths) {
      const { files, truncated } = await expandGlob(pattern, { maxMatches: this.options.maxFiles });
      if (truncated) this.sink.noteError('tail', `${pattern} matches more than ${this.options.maxFiles} files; only the first are followed`);
      for (const path of files) {
        const st = await stat(path).catch(() => null);
        if (st === null || !st.isFile()) continue;
        const key = fileKey(st.dev, st.ino);
        if (!seen.has(key)) seen.set(key, { path, size: st.size });
      }
    }
    return seen;
  }

  private async openFile(path: string): Promise<FileHandle | null> {
    try {
      return await open(path, 'r');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.sink.noteError('tail', `cannot read ${path}: ${e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message}`);
      return null;
    }
  }

  /** Starts following a file: at its checkpoint, at its end on a first start, else at its start. */
  private async follow(key: string, path: string, size: number, previous: TailedFile | undefined): Promise<void> {
    const live = [...this.files.values()].filter((f) => f.fh !== null).length;
    if (live >= this.options.maxFiles) return;
    const fh = await this.openFile(path);
    if (fh === null) return;
    const st = await fh.stat();
    // The path may have been replaced between scan and open; the handle is what we read.
    const realKey = fileKey(st.dev, st.ino);
    if (realKey !== key && this.files.has(realKey)) {
      await fh.close();
      return;
    }
    size = st.size;
    const head = (await headOf(fh, Math.min(this.options.fingerprintBytes, size))) ?? { hash: '', length: 0 };
    let start = 0;
    const cp = this.resumeFrom.find((c) => fileKey(c.dev, c.ino) === realKey);
    if (previous === undefined && cp !== undefined) {
      start = await this.checkpointStart(fh, cp, size);
    } else if (previous === undefined && this.firstScan && this.resumeFrom.length === 0 && this.options.startAt === 'end') {
      start = await lastLineEnd(fh, size);
    }
    const file = new TailedFile(realKey, st.dev, st.ino, path, fh, head, start, (previous?.generation ?? -1) + 1, this.sink, {
      maxLineBytes: this.options.maxLineBytes,
      readChunkBytes: this.options.readChunkBytes,
      now: this.now,
    });
    this.files.set(realKey, file);
  }

  /** The checkpoint's offset if the file still holds the content it was taken on, else 0. */
  private async checkpointStart(fh: FileHandle, cp: TailCheckpoint, size: number): Promise<number> {
    if (size < cp.offset) return 0;
    const { same } = await checkHead(fh, { hash: cp.headHash, length: cp.headLength }, size, cp.headLength);
    return same ? cp.offset : 0;
  }

  /**
   * A checkpointed file that no pattern matches any more was most likely rotated while Vigil was
   * stopped (app.log became app.log.1): find it beside its old path and read its unread tail.
   */
  private async resumeRotatedWhileStopped(seen: Map<string, unknown>): Promise<void> {
    for (const cp of this.resumeFrom) {
      const key = fileKey(cp.dev, cp.ino);
      if (seen.has(key) || this.files.has(key)) continue;
      const dir = dirname(cp.path);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.slice(0, MAX_ROTATION_SEARCH)) {
        const path = join(dir, name);
        const st = await stat(path).catch(() => null);
        if (st === null || !st.isFile() || fileKey(st.dev, st.ino) !== key) continue;
        const fh = await this.openFile(path);
        if (fh === null) break;
        const start = await this.checkpointStart(fh, cp, st.size);
        if (start === 0 && cp.offset > 0) {
          // Not the same content after all (an inode reused): nothing of ours to finish.
          await fh.close();
          break;
        }
        const head = { hash: cp.headHash, length: cp.headLength };
        const file = new TailedFile(key, st.dev, st.ino, path, fh, head, start, 0, this.sink, {
          maxLineBytes: this.options.maxLineBytes,
          readChunkBytes: this.options.readChunkBytes,
          now: this.now,
        });
        file.state = 'rotated';
        this.files.set(key, file);
        break;
      }
    }
  }

  private async readFile(f: TailedFile): Promise<void> {
    const fh = f.fh!;
    let st;
    try {
      st = await fh.stat();
    } catch (err) {
      this.sink.noteError('tail', `lost ${f.path}: ${(err as Error).message}`);
      await f.close();
      return;
    }
    const changed = st.size !== f.lastSize || st.mtimeMs !== f.lastMtimeMs;
    if (st.size < f.readPos) {
      f.restart((await headOf(fh, Math.min(this.options.fingerprintBytes, st.size))) ?? { hash: '', length: 0 });
    } else if (changed) {
      const { same, head } = await checkHead(fh, f.head, st.size, this.options.fingerprintBytes);
      if (same) f.head = head;
      else f.restart((await headOf(fh, Math.min(this.options.fingerprintBytes, st.size))) ?? { hash: '', length: 0 });
    }
    f.lastSize = st.size;
    f.lastMtimeMs = st.mtimeMs;
    while ((await f.readTo(st.size)) === 'full') {
      await this.queue.waitForSpace(this.abort.signal);
      if (this.abort.signal.aborted || this.queue.isClosed) return;
    }
    if (f.state !== 'rotated') return;
    f.quietPolls = changed ? 0 : f.quietPolls + 1;
    if (f.quietPolls >= QUIET_POLLS_BEFORE_CLOSE && f.flushPartial()) {
      const end = f.readPos;
      await f.close();
      f.readPos = end;
    }
  }

  /** Closed files leave once all their lines are committed; until then their checkpoint matters. */
  private forgetFinished(): void {
    for (const [key, f] of this.files) {
      if (f.state === 'closed' && f.committed >= f.lineStart) this.files.delete(key);
    }
  }

  private refreshWatchers(): void {
    const dirs = new Set<string>(this.options.paths.map(globRoot));
    for (const f of this.files.values()) if (f.fh !== null) dirs.add(dirname(f.path));
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.hint());
        // A watch is only a hint: when it fails, polling alone still finds everything.
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // The folder does not exist (yet) or cannot be watched; polling covers it.
      }
    }
  }
}

/** The offset just past the last newline in the file's final 64 KiB, so reading starts on a line. */
async function lastLineEnd(fh: FileHandle, size: number): Promise<number> {
  const window = Math.min(size, 64 * 1024);
  if (window === 0) return 0;
  const buf = Buffer.alloc(window);
  const { bytesRead } = await fh.read(buf, 0, window, size - window);
  const i = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
  return i === -1 ? size : size - window + i + 1;
}
