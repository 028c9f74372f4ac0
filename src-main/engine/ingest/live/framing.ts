/**
 * RFC 6587 frame decoding for one syslog stream (TCP or TLS). The framing is chosen once per
 * connection from its first bytes: `<digits> SP` is octet counting (the only framing RFC 5425
 * allows over TLS), anything else is non-transparent framing with LF as the trailer. Input may
 * arrive one byte at a time or as thousands of frames in one chunk; both paths avoid re-copying
 * the data already buffered.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const NUL = 0x00;
const ZERO = 0x30;
const NINE = 0x39;
/** MSG-LEN digits before the header is declared corrupt; 9 digits is already ~1 GB. */
const MAX_LEN_DIGITS = 9;

export type Framing = 'octet-counting' | 'non-transparent';

/** What one `push` produced; the caller owns `frames` and the counters are per call. */
export interface DecodeResult {
  frames: string[];
  oversize: number;
  malformed: number;
  /** Set when the stream cannot be framed any further; the caller should close it. */
  fatal: string | null;
}

export function emptyResult(): DecodeResult {
  return { frames: [], oversize: 0, malformed: 0, fatal: null };
}

function isSlack(b: number): boolean {
  return b === LF || b === CR || b === SP || b === NUL;
}

function isDigit(b: number): boolean {
  return b >= ZERO && b <= NINE;
}

/** Text of a frame without trailing CR/LF/NUL (senders differ in what they leave inside). */
function frameText(parts: Buffer[], tail: Buffer | null): string {
  let buf: Buffer;
  if (parts.length === 0) buf = tail ?? Buffer.alloc(0);
  else buf = Buffer.concat(tail === null ? parts : [...parts, tail]);
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === LF || buf[end - 1] === CR || buf[end - 1] === NUL)) end--;
  return buf.toString('utf8', 0, end);
}

export class SyslogFrameDecoder {
  private mode: Framing | null = null;
  private failed: string | null = null;
  /** Bytes of the frame being assembled (or of the undecided prefix while detecting). */
  private parts: Buffer[] = [];
  private partsLength = 0;
  // Octet counting.
  private inHeader = true;
  private msgLen = 0;
  private lenDigits = 0;
  private remaining = 0;
  private skipping = false;
  // Non-transparent framing: an oversize frame is skipped up to its trailer.
  private discarding = false;

  constructor(private readonly maxFrameBytes: number) {}

  get framing(): Framing | null {
    return this.mode;
  }

  /** True while part of a frame has arrived and its end has not (or an oversize one is skipped). */
  get midFrame(): boolean {
    if (this.failed !== null) return false;
    if (this.mode === null) return this.partsLength > 0;
    if (this.mode === 'octet-counting') return !this.inHeader || this.lenDigits > 0;
    return this.partsLength > 0 || this.discarding;
  }

  push(chunk: Buffer, out: DecodeResult = emptyResult()): DecodeResult {
    if (this.failed !== null || chunk.length === 0) return out;
    if (this.mode === null) {
      const decided = this.detect(chunk);
      if (decided === null) return out;
      chunk = decided;
    }
    if (this.mode === 'octet-counting') this.pushOctet(chunk, out);
    else this.pushLines(chunk, out);
    return out;
  }

  /** The peer closed: a last line without trailer is still a line; a cut octet frame is not. */
  end(out: DecodeResult = emptyResult()): DecodeResult {
    if (this.failed !== null) return out;
    if (this.mode === 'non-transparent' && !this.discarding && this.partsLength > 0) {
      const text = frameText(this.parts, null);
      if (text.length > 0) out.frames.push(text);
    } else if (this.mode === 'octet-counting' && (!this.inHeader || this.lenDigits > 0) && !this.skipping) {
      out.malformed++;
    } else if (this.mode === null && this.partsLength > 0) {
      // Only a few digits ever arrived: treat them as a line rather than lose them.
      const text = frameText(this.parts, null).trim();
      if (text.length > 0) out.frames.push(text);
    }
    this.parts = [];
    this.partsLength = 0;
    return out;
  }

  /**
   * Buffers bytes until the framing is clear; returns everything seen so far once decided.
   * Octet counting needs `[1-9][0-9]* SP`; a run of digits still waiting for its SP is undecided.
   */
  private detect(chunk: Buffer): Buffer | null {
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    const seen = this.parts.length === 1 ? chunk : Buffer.concat(this.parts);
    let i = 0;
    while (i < seen.length && isSlack(seen[i]!)) i++;
    if (i === seen.length) {
      this.parts = [];
      this.partsLength = 0;
      return null;
    }
    let mode: Framing = 'non-transparent';
    const first = seen[i]!;
    if (isDigit(first) && first !== ZERO) {
      let j = i;
      while (j < seen.length && j - i <= MAX_LEN_DIGITS && isDigit(seen[j]!)) j++;
      if (j === seen.length && j - i <= MAX_LEN_DIGITS) return null;
      if (seen[j] === SP) mode = 'octet-counting';
    }
    this.mode = mode;
    this.parts = [];
    this.partsLength = 0;
    return seen.subarray(i);
  }

  private fail(out: DecodeResult, why: string): void {
    this.failed = why;
    out.fatal = why;
    out.malformed++;
    this.parts = [];
    this.partsLength = 0;
  }

  private pushOctet(chunk: Buffer, out: DecodeResult): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inHeader) {
        const b = chunk[i]!;
        if (this.lenDigits === 0 && isSlack(b)) {
          i++; // Some senders put LF after an octet-counted frame; it belongs to no frame.
        } else if (isDigit(b) && !(this.lenDigits === 0 && b === ZERO)) {
          this.msgLen = this.msgLen * 10 + (b - ZERO);
          if (++this.lenDigits > MAX_LEN_DIGITS) return this.fail(out, 'octet-counting frame length has too many digits');
          i++;
        } else if (b === SP && this.lenDigits > 0) {
          this.inHeader = false;
          this.remaining = this.msgLen;
          this.skipping = this.msgLen > this.maxFrameBytes;
          if (this.skipping) out.oversize++;
          this.msgLen = 0;
          this.lenDigits = 0;
          i++;
        } else {
          return this.fail(out, `octet-counting frame: expected a decimal length then a space, found byte 0x${b.toString(16).padStart(2, '0')}`);
        }
        continue;
      }
      const take = Math.min(this.remaining, n - i);
      if (!this.skipping) {
        if (take === this.remaining && this.parts.length === 0) {
          out.frames.push(frameText([], chunk.subarray(i, i + take)));
        } else {
          this.parts.push(chunk.subarray(i, i + take));
          this.partsLength += take;
        }
      }
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        if (this.parts.length > 0) {
          out.frames.push(frameText(this.parts, null));
          this.parts = [];
          this.partsLength = 0;
        }
        this.inHeader = true;
        this.skipping = false;
      }
    }
  }

  private pushLines(chunk: Buffer, out: DecodeResult): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const j = chunk.indexOf(LF, i);
      if (j === -1) {
        if (this.discarding) return;
        if (this.partsLength + (n - i) > this.maxFrameBytes) {
          out.oversize++;
          this.discarding = true;
          this.parts = [];
          this.partsLength = 0;
          return;
        }
        this.parts.push(chunk.subarray(i));
        this.partsLength += n - i;
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.partsLength + (j - i) > this.maxFrameBytes) {
        out.oversize++;
      } else {
        const text = frameText(this.parts, chunk.subarray(i, j));
        if (text.length > 0) out.frames.push(text);
      }
      this.parts = [];
      this.partsLength = 0;
      i = j + 1;
    }
  }
}
