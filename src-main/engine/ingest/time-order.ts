/**
 * The members of a folder or archive in event-time order, so that one detection pass can follow
 * the import as it is stored. Rotated logs come newest first (`access.log`, `access.log.1`,
 * `access.log.2.gz` ...) and a folder lists files by name; read in that order, every member but
 * the first would arrive days "late".
 *
 * A survey reads each member's head and orders members by their first event time. A plain file on
 * disk is simply opened again afterwards; any other member (compressed, or inside a tar or zip,
 * which can only be read in their own order) is spooled decompressed to a folder of the import's
 * own while it is surveyed, and read from there. A lone file (plain, .gz or .bz2) has nothing to
 * order and is walked as it is.
 */
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { archiveKind, walkMembers, type Member, type WalkOptions } from './members';

/** How much of a member's start the survey reads: enough for the sniffer's fifty lines. */
const HEAD_BYTES = 64 * 1024;

/** When a member's events begin and end, as far as its first and last lines tell. */
export interface MemberSpan {
  name: string;
  first: number | null;
  last: number | null;
}

export interface TimeOrderOptions extends WalkOptions {
  /** A folder the import owns, for spooled members; removed by the caller when the import ends. */
  spoolDir: string;
  /** The first and last event times of a member (its head lines, its file's last line). */
  span(head: readonly string[], member: { name: string; mtime?: number; file: string }): { first: number | null; last: number | null };
  /** The members surveyed, oldest first, before any is read (not called for a lone file). */
  onSurveyed?(members: MemberSpan[]): void;
}

interface Surveyed extends MemberSpan {
  mtime?: number;
  /** Where its bytes are now: the original plain file, or the spooled copy. */
  file: string;
  /** The original plain file (its reads count as input progress; a spool was counted when written). */
  original: boolean;
}

/** True when `path` may hold several members whose order matters. */
export function needsOrdering(path: string): boolean {
  if (statSync(path).isDirectory()) return true;
  const kind = archiveKind(path);
  return kind === 'tar' || kind === 'tar.gz' || kind === 'tar.bz2' || kind === 'zip';
}

/**
 * The members of `path`, oldest first. Indices are positions in that order (stable for the same
 * content, so a resumed import skips the same members); `fromIndex` applies to them.
 */
export async function* walkInTimeOrder(path: string, opts: TimeOrderOptions): AsyncGenerator<Member> {
  if (!needsOrdering(path)) {
    yield* walkMembers(path, opts);
    return;
  }
  const surveyed = await survey(path, opts);
  surveyed.sort((a, b) => (a.first ?? Infinity) - (b.first ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  opts.onSurveyed?.(surveyed.map(({ name, first, last }) => ({ name, first, last })));
  for (let index = opts.fromIndex ?? 0; index < surveyed.length; index++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const s = surveyed[index]!;
    const stream = createReadStream(s.file, { highWaterMark: 1 << 20, signal: opts.signal });
    if (s.original && opts.onInputBytes) stream.on('data', (c: Buffer | string) => opts.onInputBytes!(c.length));
    yield { index, name: s.name, stream, file: s.file, ...(s.mtime !== undefined ? { mtime: s.mtime } : {}) };
  }
}

/** Read every member once: its head for its first time, and the whole of it into the spool unless it is a plain file. */
async function survey(path: string, opts: TimeOrderOptions): Promise<Surveyed[]> {
  mkdirSync(opts.spoolDir, { recursive: true });
  const out: Surveyed[] = [];
  // Progress counts the input as the survey reads it; a plain file counts when it is read for real.
  for await (const m of walkMembers(path, { ...opts, fromIndex: 0 })) {
    if (m.file) {
      const head = headOf(m.file);
      // Only the head was needed now; the file is opened again for the import (and counted then).
      await (m.stream as AsyncGenerator<Buffer>).return?.(undefined);
      out.push({ name: m.name, ...mtimeOf(m), file: m.file, original: true, ...opts.span(head, { ...m, file: m.file }) });
      continue;
    }
    const file = join(opts.spoolDir, `${String(out.length).padStart(6, '0')}.log`);
    const sink = createWriteStream(file);
    let head = '';
    try {
      for await (const chunk of m.stream) {
        if (head.length < HEAD_BYTES) head += chunk.toString('utf8', 0, Math.min(chunk.length, HEAD_BYTES));
        if (!sink.write(chunk)) await once(sink, 'drain');
      }
    } finally {
      sink.end();
      await once(sink, 'close');
    }
    out.push({ name: m.name, ...mtimeOf(m), file, original: false, ...opts.span(headLines(head), { ...m, file }) });
  }
  return out;
}

function mtimeOf(m: Member): { mtime?: number } {
  return m.mtime !== undefined ? { mtime: m.mtime } : {};
}

function headOf(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return headLines(buf.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

/** Whole lines of a head (the last, cut by the read, is dropped unless it is all there is). */
function headLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1) lines.pop();
  return lines.filter((l) => l.length > 0).slice(0, 50);
}

/** Remove an import's spool folder; safe to call when there is none. */
export function removeSpool(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
