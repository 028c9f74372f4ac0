/**
 * Read a file as lines with their byte offsets, chunk by chunk, never holding more than one chunk
 * plus one partial line. CRLF endings and a missing final newline are handled here.
 */
import { createReadStream } from 'node:fs';

export interface LineBatch {
  lines: string[];
  /** Byte offset just past the last complete line in this batch: a safe resume point. */
  endOffset: number;
}

const MAX_LINE_BYTES = 1 << 20;

export async function* readLineBatches(path: string, startOffset = 0, signal?: AbortSignal): AsyncGenerator<LineBatch> {
  const stream = createReadStream(path, { start: startOffset, highWaterMark: 1 << 20, signal });
  let carry: Buffer | null = null;
  /** Absolute file offset of the first byte of `carry` (or of the next chunk when there is none). */
  let base = startOffset;
  let skipping = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      if (skipping) skipping = false;
      else lines.push(decodeLine(buf, start, nl));
      start = nl + 1;
    }
    base += start;
    carry = start < buf.length ? buf.subarray(start) : null;
    if (carry && (skipping || carry.length > MAX_LINE_BYTES)) {
      // An over-long line keeps its head; the rest is dropped up to the next newline.
      if (!skipping) lines.push(decodeLine(carry, 0, MAX_LINE_BYTES));
      skipping = true;
      base += carry.length;
      carry = null;
    }
    if (lines.length > 0) yield { lines, endOffset: base };
  }
  if (carry && carry.length > 0) {
    yield { lines: [decodeLine(carry, 0, carry.length)], endOffset: base + carry.length };
  }
}

function decodeLine(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === 13) end -= 1;
  return buf.toString('utf8', start, end);
}
