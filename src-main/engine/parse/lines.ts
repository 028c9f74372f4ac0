import { isAscii } from 'node:buffer';

/** One line cut out of a byte stream. */
export interface Line {
  /** Decoded text without the terminator; invalid UTF-8 becomes U+FFFD. */
  text: string;
  /** Byte offset of the line's first byte in the stream. */
  offset: number;
  /** Byte offset just past the line terminator: where the next line starts (resume point). */
  end: number;
  /** The line was longer than the maximum; `text` holds only its first `maxLineBytes` bytes. */
  truncated: boolean;
}

export interface LineSplitterOptions {
  /** Longest line kept, in bytes; the rest of a longer line is skipped. Default 1 MiB. */
  maxLineBytes?: number;
  /** Byte offset of the first byte fed, when resuming mid-stream. Default 0. */
  startOffset?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const LF = 10;
const CR = 13;

/**
 * Streaming LF / CRLF line splitter over Buffers. Memory stays bounded by `maxLineBytes`
 * whatever the input: the part of an over-long line past the maximum is never buffered.
 * Empty lines are yielded too; the caller decides whether they matter.
 */
export class LineSplitter {
  private readonly max: number;
  /** Stream offset of the next byte to be fed. */
  private pos: number;
  /** Bytes of the current unfinished line carried over from earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Stream offset where the current unfinished line started. */
  private lineStart: number;
  /** The current line already passed the maximum: drop bytes until the next LF. */
  private skipping = false;
  private atStreamStart: boolean;
  private ended = false;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    this.max = max;
    this.pos = options.startOffset ?? 0;
    this.lineStart = this.pos;
    this.atStreamStart = this.pos === 0;
  }

  /** Splits a chunk; returns the lines it completed (possibly none). */
  feed(chunk: Buffer): Line[] {
    if (this.ended) throw new Error('LineSplitter.feed() after end()');
    const out: Line[] = [];
    if (chunk.length === 0) return out;
    let start = 0;
    if (this.atStreamStart) {
      this.atStreamStart = false;
      // A UTF-8 byte order mark belongs to the file, not to the first line's text.
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3;
    }
    const base = this.pos;
    let nl = chunk.indexOf(LF, start);

    // Finish the line carried over from earlier chunks.
    if (this.pendingBytes > 0 || this.skipping) {
      if (nl === -1) {
        this.carry(chunk, start, chunk.length);
        this.pos = base + chunk.length;
        return out;
      }
      this.carry(chunk, start, nl);
      out.push(this.flushPending(base + nl + 1));
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }

    // Lines that lie wholly inside this chunk. Pure-ASCII chunks (the common case) are decoded
    // once and cut as a string, which is several times faster than decoding line by line.
    if (nl !== -1) {
      const lastNl = chunk.lastIndexOf(LF);
      if (isAscii(chunk.subarray(start, lastNl))) {
        this.splitAscii(chunk, start, lastNl, base, out);
      } else {
        this.splitBytes(chunk, start, lastNl, base, out);
      }
      start = lastNl + 1;
    }

    this.lineStart = base + start;
    if (start < chunk.length) this.carry(chunk, start, chunk.length);
    this.pos = base + chunk.length;
    return out;
  }

  /** Flushes the last line when the stream did not end with a newline. */
  end(): Line[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.pendingBytes === 0 && !this.skipping) return [];
    return [this.flushPending(this.pos)];
  }

  /** Stream offset of the next byte expected by feed(). */
  get offset(): number {
    return this.pos;
  }

  /** Cuts [from, lastNl] (lastNl is an LF) of an ASCII chunk into lines. */
  private splitAscii(chunk: Buffer, from: number, lastNl: number, base: number, out: Line[]): void {
    const text = chunk.toString('latin1', from, lastNl + 1);
    const max = this.max;
    let s = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      let e = nl;
      if (e > s && text.charCodeAt(e - 1) === CR) e--;
      let truncated = false;
      if (e - s > max) {
        e = s + max;
        truncated = true;
      }
      out.push({ text: text.slice(s, e), offset: base + from + s, end: base + from + nl + 1, truncated });
      s = nl + 1;
      nl = text.indexOf('\n', s);
    }
  }

  /** Cuts [from, lastNl] of a chunk holding non-ASCII bytes into lines, decoding each as UTF-8. */
  private splitBytes(chunk: Buffer, from: number, lastNl: number, base: number, out: Line[]): void {
    const max = this.max;
    let s = from;
    while (s <= lastNl) {
      const nl = chunk.indexOf(LF, s);
      let e = nl;
      if (e > s && chunk[e - 1] === CR) e--;
      let truncated = false;
      if (e - s > max) {
        e = s + max;
        truncated = true;
      }
      out.push({ text: chunk.toString('utf8', s, e), offset: base + s, end: base + nl + 1, truncated });
      s = nl + 1;
    }
  }

  /** Keeps bytes [from, to) of the unfinished line, never more than the maximum (+1 for a CR). */
  private carry(chunk: Buffer, from: number, to: number): void {
    if (this.skipping || to <= from) return;
    // One byte beyond the maximum is kept so that a CR right at the limit can still be stripped.
    const room = this.max + 1 - this.pendingBytes;
    if (to - from > room) {
      to = from + room;
      this.skipping = true;
    }
    // Copy: the caller may reuse its chunk buffer after feed() returns.
    this.pending.push(Buffer.from(chunk.subarray(from, to)));
    this.pendingBytes += to - from;
  }

  private flushPending(end: number): Line {
    let bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let len = this.pendingBytes;
    let truncated = this.skipping;
    if (len > 0 && bytes[len - 1] === CR && !(truncated && len > this.max)) len--;
    if (len > this.max) {
      len = this.max;
      truncated = true;
    }
    if (len < bytes.length) bytes = bytes.subarray(0, len);
    const line: Line = { text: bytes.toString('utf8'), offset: this.lineStart, end, truncated };
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    this.lineStart = end;
    return line;
  }
}

/** Convenience for small inputs and tests: all lines of a whole buffer. */
export function splitLines(data: Buffer, options?: LineSplitterOptions): Line[] {
  const splitter = new LineSplitter(options);
  const lines = splitter.feed(data);
  for (const line of splitter.end()) lines.push(line);
  return lines;
}
