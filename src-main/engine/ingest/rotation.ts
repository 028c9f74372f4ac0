/**
 * Rotated logs as logrotate leaves them: the live file (`messages`), then `messages.1`,
 * `messages.2.gz` ... newest first, or dated (`messages-20050621`). Syslog stamps carry no year,
 * and a copied folder gives every file the same time, so a file's own time cannot date it alone:
 * an old Red Hat host's `messages.33` (May) would be dated after `messages` (January), in the
 * year after its real one. A rotation is a chain instead: each older file ended no later than the
 * next newer one began, so no line of it is dated after that beginning (nor after its own time,
 * nor after the day in its name). Members of a rotation are also read oldest first.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { FUTURE_TOLERANCE_MS, yearlessStamp, type YearlessStamp } from '../parse/parsers/time';
import { rotationOf, type Rotated } from '../parse/log-names';

export { rotationOf };

const HEAD_BYTES = 64 * 1024;

/** One member as the chain sees it: its own time, and its first and last yearless stamps. */
export interface RotationMember {
  name: string;
  /** The member's own time (file, gzip header, archive entry), when known. */
  mtime: number | null;
  first: YearlessStamp | null;
  last: YearlessStamp | null;
}

/** Newest first: the live file, `.1`, `.2` ..., then dated members, latest day first. */
function newestFirst(a: Rotated, b: Rotated): number {
  if (a.n !== null && b.n !== null) return a.n - b.n;
  if (a.n !== null) return -1;
  if (b.n !== null) return 1;
  return (b.dayEnd ?? 0) - (a.dayEnd ?? 0);
}

const at = (year: number, s: YearlessStamp): number => Date.UTC(year, s.month, s.day) + s.secondOfDay * 1000;
const calendarKey = (s: YearlessStamp): number => (s.month * 32 + s.day) * 86_400 + s.secondOfDay;

/**
 * The time of a member's first line when no line of it may be dated after `reference` (the rule
 * the parsers follow: parse/parsers/time.ts), or null when it has no yearless first line.
 */
export function datedFirst(reference: number, first: YearlessStamp | null, last: YearlessStamp | null): number | null {
  if (first === null) return null;
  const limit = reference + FUTURE_TOLERANCE_MS;
  const anchor = last ?? first;
  let year = new Date(limit).getUTCFullYear() + 1;
  while (at(year, anchor) > limit) year--;
  if (last && calendarKey(last) < calendarKey(first)) year--;
  return at(year, first);
}

/**
 * Group members into rotations (only names that have a rotated sibling) and chain each one from
 * its live file back: a member's reference time is the least of its own time, the first line of
 * the next newer member, and the end of the day in its name. Returns the members whose
 * reference is earlier than their own time (the others keep theirs), and each rotation's members
 * oldest first.
 */
export function chainRotations(members: readonly RotationMember[], fallback: number): { reference: Map<string, number>; groups: string[][] } {
  const byBase = new Map<string, { m: RotationMember; r: Rotated }[]>();
  for (const m of members) {
    const r = rotationOf(m.name);
    const list = byBase.get(r.base);
    if (list) list.push({ m, r });
    else byBase.set(r.base, [{ m, r }]);
  }
  const reference = new Map<string, number>();
  const groups: string[][] = [];
  for (const list of byBase.values()) {
    if (list.length < 2 || !list.some((x) => x.r.n !== 0)) continue;
    list.sort((a, b) => newestFirst(a.r, b.r));
    let newerFirst = Infinity;
    for (const { m, r } of list) {
      const own = m.mtime ?? fallback;
      const ref = Math.min(own, newerFirst, r.dayEnd ?? Infinity);
      if (ref < own) reference.set(m.name, ref);
      const first = datedFirst(ref, m.first, m.last);
      if (first !== null) newerFirst = Math.min(newerFirst, first);
    }
    groups.push(list.map((x) => x.m.name).reverse());
  }
  return { reference, groups };
}

/** The first yearless stamp among the first lines of a plain or gzip file, or null. */
export function headStamp(file: string, gzip: boolean): YearlessStamp | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    // A gzip member's start inflates on its own (a sync flush takes what the bytes read allow).
    const text = gzip ? gunzipSync(buf.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8', 0, HEAD_BYTES) : buf.toString('utf8', 0, n);
    for (const line of text.split(/\r?\n/, 50)) {
      const s = yearlessStamp(line);
      if (s) return s;
    }
    return null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** How a folder's files are read: `files` in walk order, and the reference times the chain lowered. */
export interface FolderPlan {
  files: string[];
  reference: Map<string, number>;
}

/**
 * Plan a folder's walk: files of one rotation oldest first (where the live file stood in name
 * order), the others as listed, and the rotation chain's reference times. Reads a few KB of the
 * members of a rotation only (a head, and a plain file's last line).
 */
export function planFolder(
  files: readonly string[],
  nameOf: (file: string) => string,
  io: { mtime(file: string): number | null; lastLine(file: string): string | null; isGzip(file: string): boolean; isPlain(file: string): boolean },
): FolderPlan {
  const byName = new Map(files.map((f) => [nameOf(f), f]));
  const bases = new Map<string, number>();
  for (const name of byName.keys()) {
    const r = rotationOf(name);
    bases.set(r.base, (bases.get(r.base) ?? 0) + (r.n === 0 ? 0 : 1));
  }
  const rotating = (name: string) => (bases.get(rotationOf(name).base) ?? 0) > 0;
  const members: RotationMember[] = [];
  for (const [name, file] of byName) {
    if (!rotating(name)) continue;
    const plain = io.isPlain(file);
    const last = plain ? io.lastLine(file) : null;
    members.push({
      name,
      mtime: io.mtime(file),
      first: plain || io.isGzip(file) ? headStamp(file, !plain) : null,
      last: last === null ? null : yearlessStamp(last),
    });
  }
  if (members.length === 0) return { files: [...files], reference: new Map() };
  const { reference, groups } = chainRotations(members, Date.now());
  const groupOf = new Map<string, string[]>();
  for (const g of groups) for (const name of g) groupOf.set(name, g);
  const ordered: string[] = [];
  const placed = new Set<string[]>();
  for (const f of files) {
    const g = groupOf.get(nameOf(f));
    if (!g) ordered.push(f);
    else if (!placed.has(g)) {
      placed.add(g);
      for (const name of g) ordered.push(byName.get(name)!);
    }
  }
  const byFile = new Map<string, number>();
  for (const [name, ref] of reference) byFile.set(byName.get(name)!, ref);
  return { files: ordered, reference: byFile };
}
