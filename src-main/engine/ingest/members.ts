/**
 * What an import reads: the members of a file, folder or archive, one at a time, as decompressed
 * byte streams. Nothing is extracted to disk and no archive is read whole into memory. Every
 * member that cannot be read says why and the rest of the import goes on.
 */
import { closeSync, createReadStream, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { bunzip2 } from './bzip2';
import { planFolder } from './rotation';

export type ArchiveKind = 'plain' | 'gzip' | 'bzip2' | 'tar' | 'tar.gz' | 'tar.bz2' | 'zip';

export interface Member {
  /** Position in the walk; stable for the same input, so an import can resume at a member. */
  index: number;
  /** What an analyst sees: `logs.tar.gz!var/log/auth.log`, `folder/app.log`. */
  name: string;
  /** Decompressed bytes; read it to the end (or stop iterating) before taking the next member. */
  stream: AsyncIterable<Buffer>;
  /**
   * When the member was last written, as its container records it (the file's time, a tar or zip
   * entry's, a gzip header's), epoch ms: no yearless line of it is dated later.
   */
  mtime?: number;
  /** The member's path on disk when it is a plain file there (its end can be read first). */
  file?: string;
}

export interface MemberSkip {
  index: number;
  name: string;
  reason: string;
}

export interface WalkLimits {
  /** Refuse to inflate more than this many bytes from one archive (zip bombs). */
  maxInflatedBytes: number;
  /** Refuse members whose inflated/compressed ratio exceeds this once past `ratioGraceBytes`. */
  maxRatio: number;
  ratioGraceBytes: number;
}

export const DEFAULT_LIMITS: WalkLimits = { maxInflatedBytes: 64 * 1024 ** 3, maxRatio: 200, ratioGraceBytes: 64 * 1024 ** 2 };

export interface WalkOptions {
  signal?: AbortSignal;
  limits?: WalkLimits;
  /** Called with the number of bytes of the input files read so far (compressed), for progress. */
  onInputBytes?: (delta: number) => void;
  /** Called for each member skipped, with why. */
  onSkip?: (skip: MemberSkip) => void;
  /** Members before this index are not opened (resume). */
  fromIndex?: number;
}

export function archiveKind(name: string): ArchiveKind {
  const n = name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar.bz2') || n.endsWith('.tbz2') || n.endsWith('.tbz')) return 'tar.bz2';
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.gz')) return 'gzip';
  if (n.endsWith('.bz2')) return 'bzip2';
  return 'plain';
}

/** Total bytes of input the walk will read (files on disk), for progress and ETA. */
export function inputSize(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return listFolder(path).reduce((sum, f) => sum + statSync(f).size, 0);
}

/**
 * Regular files under a folder, sorted, without following symlinks out of it. `onOther` hears of
 * every entry left out (a symlink, a socket, a device) so the import can say so.
 */
export function listFolder(dir: string, onOther?: (path: string, what: string) => void): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
      else onOther?.(p, entry.isSymbolicLink() ? 'a symbolic link; links are never followed' : 'not a regular file');
    }
  };
  walk(dir);
  return out;
}

/**
 * Walk the members of `path` in a fixed order. The consumer must read each member's stream to the
 * end (or destroy it) before asking for the next.
 */
export async function* walkMembers(path: string, opts: WalkOptions = {}): AsyncGenerator<Member> {
  const counter = { next: 0 };
  const st = lstatSync(path);
  if (st.isDirectory()) {
    const listed = listFolder(path, (p, what) => opts.onSkip?.({ index: -1, name: relative(path, p), reason: `${what}; skipped` }));
    const nameOf = (file: string) => relative(path, file) || basename(file);
    // Rotated logs (messages, messages.1 ...) oldest first, each dated no later than the next began.
    const plan = planFolder(
      listed.filter((f) => notALogReason(nameOf(f)) === null),
      nameOf,
      { mtime: (f) => (archiveKind(f) === 'gzip' ? gzipMtime(f) : null) ?? fileMtime(f), lastLine: lastLineOf, isGzip: (f) => archiveKind(f) === 'gzip', isPlain: (f) => archiveKind(f) === 'plain' },
    );
    for (const file of listed) skipNotALog(nameOf(file), opts);
    for (const file of plan.files) {
      const display = nameOf(file);
      yield* tolerant(walkFile(file, display, counter, opts, plan.reference.get(file)), display, opts);
    }
  } else {
    // A lone file that cannot be opened at all (not a zip, say) fails the import with that reason.
    yield* tolerant(walkFile(path, basename(path), counter, opts), basename(path), opts, true);
  }
}

/**
 * With an `onSkip` listener, a damaged file or member (truncated, a bomb, not an archive at all)
 * ends with a note instead of an error: whatever was read before the damage is kept and the walk
 * goes on with the next file. Without one, the error is thrown as before. Cancelling always throws.
 */
async function* tolerant(members: AsyncGenerator<Member>, display: string, opts: WalkOptions, failIfUnopened = false): AsyncGenerator<Member> {
  const onSkip = opts.onSkip;
  if (!onSkip) {
    yield* members;
    return;
  }
  /** Each damage is told once, whether the member's stream or the archive walk saw it first. */
  const told = new WeakSet<object>();
  const tell = (index: number, name: string, err: unknown, afterData: boolean) => {
    if (typeof err === 'object' && err !== null) {
      if (told.has(err)) return;
      told.add(err);
    }
    const reason = damageReason(err, name === display ? [display] : [name, display]);
    onSkip({ index, name, reason: afterData ? `${reason}; the lines before the damage were imported` : reason });
  };
  let opened = false;
  try {
    for await (const m of members) {
      opened = true;
      yield { ...m, stream: endOnDamage(m, opts, tell) };
    }
  } catch (err) {
    if (opts.signal?.aborted || (failIfUnopened && !opened)) throw err;
    tell(-1, display, err, false);
  }
}

async function* endOnDamage(m: Member, opts: WalkOptions, tell: (index: number, name: string, err: unknown, afterData: boolean) => void): AsyncGenerator<Buffer> {
  let any = false;
  try {
    for await (const chunk of m.stream) {
      any = true;
      yield chunk;
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    tell(m.index, m.name, err, any);
  }
}

/** The error's message without the member or file name it starts with (the note already names it). */
function damageReason(err: unknown, names: string[]): string {
  const message = (err as Error)?.message ?? String(err);
  for (const n of names) if (message.startsWith(`${n} `)) return message.slice(n.length + 1);
  return message;
}

/** `reference`, when given, replaces the file's own time as the time no yearless line is dated after. */
async function* walkFile(file: string, display: string, counter: { next: number }, opts: WalkOptions, reference?: number): AsyncGenerator<Member> {
  const kind = archiveKind(file);
  if (kind === 'zip') {
    yield* walkZip(file, display, counter, opts);
    return;
  }
  if (kind === 'plain') {
    const index = counter.next++;
    if (index < (opts.fromIndex ?? 0)) return;
    // Opened when first read: a consumer that only wants the file's name and time opens nothing.
    const mtime = reference ?? fileMtime(file);
    yield { index, name: display, stream: readWhenIterated(file, opts), file, ...(mtime === null ? {} : { mtime }) };
    return;
  }
  const raw = countingRead(file, opts);
  if (kind === 'gzip' || kind === 'bzip2') {
    const index = counter.next++;
    if (index < (opts.fromIndex ?? 0)) {
      raw.destroy();
      return;
    }
    const stream = inflate(kind, raw, display, opts.limits ?? DEFAULT_LIMITS);
    forwardErrors(raw, stream);
    const mtime = reference ?? (kind === 'gzip' ? gzipMtime(file) : null) ?? fileMtime(file);
    yield { index, name: display, stream, ...(mtime === null ? {} : { mtime }) };
    return;
  }
  const body = kind === 'tar' ? raw : inflate(kind === 'tar.gz' ? 'gzip' : 'bzip2', raw, display, opts.limits ?? DEFAULT_LIMITS);
  forwardErrors(raw, body);
  const extract = tar.extract();
  body.on('error', (err) => extract.destroy(err));
  body.pipe(extract);
  let entries = 0;
  for await (const entry of extract) {
    entries++;
    const header = entry.header;
    const name = `${display}!${header.name}`;
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      if (header.type === 'symlink' || header.type === 'link') {
        opts.onSkip?.({ index: -1, name, reason: `a ${header.type} inside the archive; links are never followed` });
      }
      await drain(entry);
      continue;
    }
    const unsafe = unsafeMemberPath(header.name);
    if (unsafe) {
      opts.onSkip?.({ index: -1, name, reason: unsafe });
      await drain(entry);
      continue;
    }
    if (skipNotALog(name, opts)) {
      await drain(entry);
      continue;
    }
    const index = counter.next++;
    const inner = archiveKind(header.name);
    const mtime = header.mtime instanceof Date && header.mtime.getTime() > 0 ? { mtime: header.mtime.getTime() } : {};
    if (index < (opts.fromIndex ?? 0)) {
      await drain(entry);
    } else if (inner === 'gzip' || inner === 'bzip2') {
      yield { index, name, stream: inflate(inner, Readable.from(entry), name, opts.limits ?? DEFAULT_LIMITS), ...mtime };
    } else if (inner !== 'plain') {
      opts.onSkip?.({ index, name, reason: 'an archive inside an archive; extract it and import it on its own' });
      await drain(entry);
    } else {
      yield { index, name, stream: entry as AsyncIterable<Buffer>, ...mtime };
    }
    // Whatever the consumer left unread must still be consumed for tar-stream to move on.
    await drain(entry);
  }
  if (entries === 0) opts.onSkip?.({ index: -1, name: display, reason: 'the archive holds no files' });
}

/**
 * Nothing is ever extracted to disk, so a member path cannot escape anywhere; still, an absolute
 * or `..` path is a sign of a hostile archive, and the analyst should hear of it, not import it.
 */
function unsafeMemberPath(path: string): string | null {
  const p = path.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p)) return 'an absolute path inside the archive (path traversal); refused';
  if (p.split('/').includes('..')) return 'a path with ../ inside the archive (path traversal); refused';
  return null;
}

async function* walkZip(file: string, display: string, counter: { next: number }, opts: WalkOptions): AsyncGenerator<Member> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // Names are decoded here rather than by yauzl, which rejects the whole archive over one bad name.
    // Sizes are checked here too, member by member: yauzl's own check ends the whole walk at the
    // first stored member whose sizes disagree, losing the good members after it.
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: false }, (err, z) => (err ? reject(zipError(err, display)) : resolve(z!))),
  );
  let inflated = 0;
  let seen = 0;
  try {
    const entries = zipEntries(zip);
    for await (const entry of entries) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      seen++;
      const fileName = zipFileName(entry);
      if (fileName.endsWith('/')) continue;
      const name = `${display}!${fileName}`;
      const unsafe = unsafeMemberPath(fileName);
      if (unsafe) {
        opts.onSkip?.({ index: -1, name, reason: unsafe });
        continue;
      }
      if (((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) {
        opts.onSkip?.({ index: -1, name, reason: 'a symlink inside the archive; links are never followed' });
        continue;
      }
      if (skipNotALog(name, opts)) continue;
      const index = counter.next++;
      if (index < (opts.fromIndex ?? 0)) {
        opts.onInputBytes?.(entry.compressedSize);
        continue;
      }
      if ((entry.generalPurposeBitFlag & 0x1) !== 0) {
        opts.onSkip?.({ index, name, reason: 'encrypted; Vigil does not take passwords for archives' });
        opts.onInputBytes?.(entry.compressedSize);
        continue;
      }
      if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
        opts.onSkip?.({ index, name, reason: `damaged: it is stored uncompressed, yet its sizes disagree (${entry.compressedSize} and ${entry.uncompressedSize} bytes); skipped` });
        opts.onInputBytes?.(entry.compressedSize);
        continue;
      }
      const ratio = entry.compressedSize > 0 ? entry.uncompressedSize / entry.compressedSize : 0;
      if (entry.uncompressedSize > limits.ratioGraceBytes && ratio > limits.maxRatio) {
        opts.onSkip?.({ index, name, reason: `would inflate ${Math.round(ratio)}x (${entry.uncompressedSize} bytes): refused as a likely zip bomb` });
        opts.onInputBytes?.(entry.compressedSize);
        continue;
      }
      inflated += entry.uncompressedSize;
      if (inflated > limits.maxInflatedBytes) throw new Error(`${display} inflates to more than ${limits.maxInflatedBytes} bytes: refused as a likely zip bomb`);
      let stream: Readable;
      try {
        stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))));
      } catch (err) {
        opts.onSkip?.({ index, name, reason: `cannot be read: ${(err as Error).message}` });
        continue;
      }
      // Progress in compressed bytes, spread over the entry as it inflates.
      // The entry must inflate to exactly the size its header declares: the bomb check above
      // trusted that size, so a member that lies is cut at the first byte past it.
      const declared = entry.uncompressedSize;
      const perByte = declared > 0 ? entry.compressedSize / declared : 0;
      let reported = 0;
      const counted = stream.pipe(
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            if (reported + chunk.length > declared) {
              return cb(new Error(`${name} inflates past the ${declared} bytes its header declares: damaged, or a zip bomb; refused`));
            }
            const due = Math.floor((reported + chunk.length) * perByte) - Math.floor(reported * perByte);
            reported += chunk.length;
            if (due > 0) opts.onInputBytes?.(due);
            cb(null, chunk);
          },
          flush(cb) {
            cb(reported < declared ? new Error(`${name} ends after ${reported} of the ${declared} bytes its header declares: damaged`) : null);
          },
        }),
      );
      forwardErrors(stream, counted);
      const inner = archiveKind(fileName);
      const modified = entry.getLastModDate().getTime();
      const mtime = Number.isFinite(modified) && modified > 0 ? { mtime: modified } : {};
      if (inner === 'gzip' || inner === 'bzip2') yield { index, name, stream: inflate(inner, counted, name, limits), ...mtime };
      else if (inner !== 'plain') {
        opts.onSkip?.({ index, name, reason: 'an archive inside an archive; extract it and import it on its own' });
        counted.resume();
        continue;
      } else yield { index, name, stream: counted, ...mtime };
    }
    if (seen === 0) opts.onSkip?.({ index: -1, name: display, reason: 'the archive holds no files' });
  } finally {
    zip.close();
  }
}

/** The entry's name as the archive means it (UTF-8 when flagged, CP437 otherwise); never throws. */
function zipFileName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
}

function zipEntries(zip: yauzl.ZipFile): AsyncIterable<yauzl.Entry> {
  return {
    [Symbol.asyncIterator]() {
      return {
        next: () =>
          new Promise<IteratorResult<yauzl.Entry>>((resolve, reject) => {
            const cleanup = () => {
              zip.off('entry', onEntry);
              zip.off('end', onEnd);
              zip.off('error', onError);
            };
            const onEntry = (e: yauzl.Entry) => (cleanup(), resolve({ value: e, done: false }));
            const onEnd = () => (cleanup(), resolve({ value: undefined, done: true }));
            const onError = (err: Error) => (cleanup(), reject(err));
            zip.once('entry', onEntry);
            zip.once('end', onEnd);
            zip.once('error', onError);
            zip.readEntry();
          }),
      };
    },
  };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    /* discard */
  }
}

function zipError(err: Error, display: string): Error {
  return new Error(`${display} is not a readable zip archive: ${err.message}`);
}

/**
 * `compressed` inflated, under the bomb guard. The bzip2 decoder reads only as it needs and hands
 * out 64 KiB at a time, so the guard can stop it between two pieces (see bzip2.ts).
 */
function inflate(kind: 'gzip' | 'bzip2', compressed: Readable, display: string, limits: WalkLimits): Readable {
  let read = 0;
  let out: Readable;
  if (kind === 'gzip') {
    compressed.on('data', (c: Buffer) => (read += c.length));
    out = compressed.pipe(createGunzip());
    compressed.on('error', (err) => out.destroy(err));
  } else {
    const counted = (async function* () {
      for await (const c of compressed) {
        read += (c as Buffer).length;
        yield c as Buffer;
      }
    })();
    out = Readable.from(bunzip2(counted), { objectMode: false, highWaterMark: 64 * 1024 });
  }
  return guarded(out, compressed, display, limits, () => read);
}

function forwardErrors(from: Readable, to: Readable): void {
  if (from !== to) from.on('error', (err) => to.destroy(err));
}

async function* readWhenIterated(file: string, opts: WalkOptions): AsyncGenerator<Buffer> {
  yield* countingRead(file, opts) as AsyncIterable<Buffer>;
}

function countingRead(file: string, opts: WalkOptions): Readable {
  const s = createReadStream(file, { highWaterMark: 1 << 20, signal: opts.signal });
  if (opts.onInputBytes) s.on('data', (chunk: Buffer | string) => opts.onInputBytes!(chunk.length));
  return s;
}

/**
 * Inflation guard for every compressed stream (a .gz or .bz2 file or member, a tarball): refuses to produce more
 * than the limits allow relative to what was read, so a bomb stops early with a clear error.
 */
function guarded(inflated: Readable, raw: Readable, display: string, limits: WalkLimits, inputBytes: () => number): Readable {
  let outBytes = 0;
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  inflated.on('data', (c: Buffer) => {
    outBytes += c.length;
    const tooBig = outBytes > limits.maxInflatedBytes;
    if (tooBig || (outBytes > limits.ratioGraceBytes && outBytes / Math.max(1, inputBytes()) > limits.maxRatio)) {
      const err = new Error(
        tooBig
          ? `${display} inflates to more than ${limits.maxInflatedBytes} bytes: refused as a likely decompression bomb`
          : `${display} inflates ${Math.round(outBytes / Math.max(1, inputBytes()))}x: refused as a likely decompression bomb`,
      );
      raw.destroy();
      inflated.destroy();
      out.destroy(err);
      return;
    }
    if (!out.write(c)) {
      inflated.pause();
      out.once('drain', () => inflated.resume());
    }
  });
  inflated.on('end', () => out.end());
  inflated.on('error', (err) => out.destroy(decompressError(err, display)));
  out.on('close', () => {
    if (!inflated.destroyed && !inflated.readableEnded) inflated.destroy();
  });
  return out;
}

function decompressError(err: Error, display: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) return new Error(`${display} is truncated: the compressed data ends early`);
  return new Error(`${display} cannot be decompressed: ${err.message}`);
}

/**
 * Files that sit beside logs in folders and archives but are not logs: licences, read-me files,
 * documents, pictures, programs. Said and skipped rather than parsed into message-only events.
 * A file the analyst names on its own is always imported.
 */
const NOT_A_LOG_NAME = /^(readme|licen[cs]e|copying|notice|authors|changelog|contributing|copyright|patents)(-[a-z0-9.-]+)?(\.(md|markdown|txt|rst|html?))?$/i;
/** Names that say log whatever else they say (`notice.log`, `license-server.log.1`). */
const LOG_NAME = /\.(log|jsonl|ndjson)(\.\d+)?(\.(gz|bz2))?$/i;
const NOT_A_LOG_EXT = /\.(md|markdown|rst|pdf|docx?|odt|png|jpe?g|gif|svg|ico|html?|css|js|py|sh|exe|dll|so|dylib|class|jar)$/i;

export function notALogReason(name: string): string | null {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('!'), name.lastIndexOf('\\')) + 1);
  if (LOG_NAME.test(base)) return null;
  if (NOT_A_LOG_NAME.test(base)) return 'not a log (a licence, read-me or similar document); skipped';
  if (NOT_A_LOG_EXT.test(base)) return 'not a log (a document, picture or program, by its name); skipped';
  return null;
}

function skipNotALog(name: string, opts: WalkOptions): boolean {
  const why = notALogReason(name);
  if (why) opts.onSkip?.({ index: -1, name, reason: why });
  return why !== null;
}

/** A file's own time, or null. */
function fileMtime(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** The MTIME of a gzip file's header (the original file's time, as gzip and logrotate keep it), or null. */
function gzipMtime(file: string): number | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(10);
    if (readSync(fd, head, 0, 10, 0) < 10 || head[0] !== 0x1f || head[1] !== 0x8b) return null;
    const seconds = head.readUInt32LE(4);
    return seconds > 0 ? seconds * 1000 : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The last non-empty line of a plain file on disk, from its last 64 KB; null when there is none. */
export function lastLineOf(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    const lines = buf.toString('utf8').split(/\r?\n/);
    for (let i = lines.length - 1; i > (n < size ? 0 : -1); i--) if (lines[i]!.trim().length > 0) return lines[i]!;
    return null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
