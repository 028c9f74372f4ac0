/**
 * One followed file: reads complete lines from where it left off, and only ever advances past a
 * line once the queue took it, so a full queue costs a re-read later, never a lost line. A line
 * still being written (no newline yet) waits; only a file that has been rotated away and gone
 * quiet gives up its unterminated last line.
 */
import type { FileHandle } from 'node:fs/promises';
import type { FileHead } from './file-identity';
import type { Recorder } from './recorder';

const LF = 0x0a;
const CR = 0x0d;

export type FollowState = 'active' | 'rotated' | 'closed';

export interface TailFileOptions {
  maxLineBytes: number;
  readChunkBytes: number;
  now: () => number;
}

export class TailedFile {
  fh: FileHandle | null;
  state: FollowState = 'active';
  /** Bumped whenever the content starts over, so cursors of the old content stop counting. */
  generation: number;
  /** Offset of the first byte not yet delivered. */
  lineStart: number;
  /** Offset of the next byte to read; bytes in between sit in `partial`. */
  readPos: number;
  /** The offset every line before which has been committed by the consumer. */
  committed: number;
  lastSize = -1;
  lastMtimeMs = -1;
  /** Polls in a row a rotated file did not grow. */
  quietPolls = 0;
  lines = 0;
  truncations = 0;
  private partial: Buffer[] = [];
  private partialLength = 0;
  private discarding = false;
  private readonly buf: Buffer;

  constructor(
    readonly key: string,
    readonly dev: number,
    readonly ino: number,
    public path: string,
    fh: FileHandle,
    public head: FileHead,
    start: number,
    generation: number,
    private readonly sink: Recorder,
    private readonly options: TailFileOptions,
  ) {
    this.fh = fh;
    this.lineStart = start;
    this.readPos = start;
    this.committed = start;
    this.generation = generation;
    this.buf = Buffer.allocUnsafe(options.readChunkBytes);
  }

  /** The content was replaced (truncation, copytruncate, rewrite): read it from its start. */
  restart(head: FileHead): void {
    this.generation++;
    this.truncations++;
    this.head = head;
    this.lineStart = 0;
    this.readPos = 0;
    this.committed = 0;
    this.resetPartial();
  }

  private resetPartial(): void {
    this.partial = [];
    this.partialLength = 0;
    this.discarding = false;
  }

  /** Reads up to `size`; 'full' when the queue refused a line (call again once it has room). */
  async readTo(size: number): Promise<'eof' | 'full'> {
    const fh = this.fh;
    if (fh === null) return 'eof';
    while (this.readPos < size) {
      const want = Math.min(this.buf.length, size - this.readPos);
      const { bytesRead } = await fh.read(this.buf, 0, want, this.readPos);
      if (bytesRead === 0) break;
      const base = this.readPos;
      const receivedAt = this.options.now();
      let i = 0;
      while (i < bytesRead) {
        const j = this.buf.indexOf(LF, i);
        if (j === -1 || j >= bytesRead) {
          this.keepPartial(i, bytesRead);
          break;
        }
        const end = base + j + 1;
        if (this.discarding) {
          this.discarding = false;
        } else if (this.partialLength + (j - i) > this.options.maxLineBytes) {
          this.sink.drop('tail', 'oversize', this.path);
        } else {
          const line = this.lineText(i, j);
          if (line.length > 0 && !this.sink.push({ source: 'tail', line, receivedAt, sender: this.path, cursor: { key: this.key, generation: this.generation, offset: end } })) {
            // Back up to the start of the refused line; it is read again when there is room.
            this.readPos = this.lineStart;
            this.resetPartial();
            return 'full';
          }
          if (line.length > 0) this.lines++;
        }
        this.lineStart = end;
        this.partial = [];
        this.partialLength = 0;
        i = j + 1;
      }
      this.readPos = base + bytesRead;
    }
    return 'eof';
  }

  /** Delivers an unterminated last line; only for a file no one will write to again. */
  flushPartial(): boolean {
    if (this.discarding || this.partialLength === 0) return true;
    const text = Buffer.concat(this.partial).toString('utf8').replace(/\r$/, '');
    const msg = { source: 'tail' as const, line: text, receivedAt: this.options.now(), sender: this.path, cursor: { key: this.key, generation: this.generation, offset: this.readPos } };
    if (text.length > 0 && !this.sink.push(msg)) return false;
    if (text.length > 0) this.lines++;
    this.lineStart = this.readPos;
    this.resetPartial();
    return true;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    this.state = 'closed';
    this.resetPartial();
    // Unread partial bytes are dropped with the handle; `lineStart` still marks them as unread.
    this.readPos = this.lineStart;
    await fh?.close().catch(() => undefined);
  }

  private keepPartial(from: number, to: number): void {
    if (this.discarding) return;
    if (this.partialLength + (to - from) > this.options.maxLineBytes) {
      this.sink.drop('tail', 'oversize', this.path);
      this.discarding = true;
      this.partial = [];
      this.partialLength = 0;
      return;
    }
    // Copied: the read buffer is reused for the next chunk.
    this.partial.push(Buffer.from(this.buf.subarray(from, to)));
    this.partialLength += to - from;
  }

  private lineText(from: number, lf: number): string {
    let end = lf;
    if (this.partial.length === 0) {
      if (end > from && this.buf[end - 1] === CR) end--;
      return this.buf.toString('utf8', from, end);
    }
    const whole = Buffer.concat([...this.partial, this.buf.subarray(from, lf)]);
    const n = whole.length > 0 && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
    return whole.toString('utf8', 0, n);
  }
}
