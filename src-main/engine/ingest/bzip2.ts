/**
 * A bzip2 decoder that can stop. It pulls compressed bytes only as it needs them and hands out
 * what it decodes in small pieces, so a caller that stops asking (a decompression-bomb guard, a
 * cancelled import) stops it between two pieces: memory is one block's tables (~4 MB) plus one
 * piece, whatever the data claims to expand to. A bzip2 block of repeated bytes is 40-odd bytes
 * that expand to 45 MB, so a decoder that writes out whole blocks, or every block of an input
 * chunk, before anyone can look at the output cannot be guarded.
 *
 * The format (Julian Seward's bzip2 1.0): a stream is `BZh` and a level 1-9 (block size in 100k
 * units), blocks, and an end-of-stream record with a CRC of the block CRCs; streams may follow one
 * another (pbzip2). A block is a CRC, an origin pointer, the byte values in use, 2-6 Huffman tables
 * chosen per 50 symbols, and the symbols: move-to-front indexes with zero runs in bijective base 2.
 * Undoing the move-to-front gives the Burrows-Wheeler transform of the block, inverting it gives
 * the block's bytes, and those still carry bzip2's first run-length stage (four equal bytes and a
 * repeat count). Randomised blocks, written only by bzip2 0.9.0 and older, are refused.
 */

/** Decoded bytes per piece handed out. */
const PIECE_BYTES = 64 * 1024;
const MAX_GROUPS = 6;
const MAX_CODE_LENGTH = 20;
const GROUP_SIZE = 50;
/** bzip2 1.0.8 reads up to this many selectors and ignores any beyond (CVE-2019-12900). */
const MAX_SELECTORS = 18002;

/** The input ran out in the middle of something; the caller fetches more and tries again. */
const NEED_INPUT = Symbol('need input');

export class Bzip2Error extends Error {
  override readonly name = 'Bzip2Error';
}

/** CRC-32 as bzip2 computes it: polynomial 0x04C11DB7, most significant bit first. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Reads bits most significant first from a buffer that grows at its end and is cut at its start. */
class BitReader {
  buf: Buffer = Buffer.alloc(0);
  /** Next byte of `buf` to take into the accumulator. */
  byte = 0;
  /** Up to 31 bits not yet read, in the low `live` bits of `acc`. */
  acc = 0;
  live = 0;

  get bytesLeft(): number {
    return this.buf.length - this.byte;
  }

  /** Whole bytes not yet read, counting those in the accumulator. */
  get available(): number {
    return this.bytesLeft + (this.live >> 3);
  }

  bits(n: number): number {
    while (this.live < n) {
      if (this.byte >= this.buf.length) throw NEED_INPUT;
      this.acc = ((this.acc << 8) | this.buf[this.byte++]!) >>> 0;
      this.live += 8;
    }
    this.live -= n;
    return (this.acc >>> this.live) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.live === 0) {
      if (this.byte >= this.buf.length) throw NEED_INPUT;
      this.acc = this.buf[this.byte++]!;
      this.live = 8;
    }
    this.live--;
    return (this.acc >>> this.live) & 1;
  }

  /** The next 20 bits without taking them. */
  peek20(): number {
    while (this.live < 20) {
      if (this.byte >= this.buf.length) throw NEED_INPUT;
      this.acc = ((this.acc << 8) | this.buf[this.byte++]!) >>> 0;
      this.live += 8;
    }
    return (this.acc >>> (this.live - 20)) & 0xfffff;
  }

  skip(n: number): void {
    this.live -= n;
  }

  /** Drops whole bits up to the next byte boundary. */
  align(): void {
    this.live -= this.live % 8;
  }

  save(): [number, number, number] {
    return [this.byte, this.acc, this.live];
  }

  restore([byte, acc, live]: [number, number, number]): void {
    this.byte = byte;
    this.acc = acc;
    this.live = live;
  }

  append(chunk: Buffer): void {
    // Keep only what is not yet read: the buffer never holds more than about one block.
    const rest = this.buf.subarray(this.byte);
    this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.byte = 0;
  }

  /** The unread bytes (the accumulator's whole bytes first): where a following stream starts. */
  peekBytes(n: number): number[] {
    const out: number[] = [];
    for (let l = this.live - 8; l >= 0 && out.length < n; l -= 8) out.push((this.acc >>> l) & 0xff);
    for (let i = this.byte; i < this.buf.length && out.length < n; i++) out.push(this.buf[i]!);
    return out;
  }
}

/**
 * One canonical Huffman code (codes in order of length, then symbol). Decoding peeks 20 bits and
 * finds the code's length by comparing against the last code of each length.
 */
interface HuffmanTable {
  /** The last code of each length, left-aligned to 20 bits (-1 when no code has that length). */
  limit: Int32Array;
  /** Per length: the code's rank among all codes is `code - base[len]`. */
  base: Int32Array;
  /** Symbols in code order. */
  symbols: Uint16Array;
  minLength: number;
  maxLength: number;
}

function huffmanTable(lengths: Uint8Array, alphaSize: number): HuffmanTable {
  const counts = new Int32Array(MAX_CODE_LENGTH + 1);
  let minLength = MAX_CODE_LENGTH;
  let maxLength = 0;
  for (let i = 0; i < alphaSize; i++) {
    const len = lengths[i]!;
    counts[len]!++;
    if (len > maxLength) maxLength = len;
    if (len < minLength) minLength = len;
  }
  const limit = new Int32Array(MAX_CODE_LENGTH + 1).fill(-1);
  const base = new Int32Array(MAX_CODE_LENGTH + 1);
  const offsets = new Int32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  let rank = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    const count = counts[len]!;
    base[len] = code - rank;
    if (count > 0) limit[len] = (code + count - 1) << (MAX_CODE_LENGTH - len);
    code = (code + count) << 1;
    rank += count;
    offsets[len + 1] = offsets[len]! + count;
  }
  const symbols = new Uint16Array(alphaSize);
  for (let i = 0; i < alphaSize; i++) symbols[offsets[lengths[i]!]!++] = i;
  return { limit, base, symbols, minLength, maxLength };
}

function decodeSymbol(r: BitReader, t: HuffmanTable): number {
  const v = r.peek20();
  for (let len = t.minLength; len <= t.maxLength; len++) {
    const last = t.limit[len]!;
    if (last >= 0 && v <= (last | ((1 << (MAX_CODE_LENGTH - len)) - 1))) {
      r.skip(len);
      return t.symbols[(v >>> (MAX_CODE_LENGTH - len)) - t.base[len]!]!;
    }
  }
  throw new Bzip2Error('a Huffman code in a block is not valid');
}

/** A decoded block: the inverse Burrows-Wheeler links in `tt`, walked from `origPtr`. */
interface Block {
  crc: number;
  origPtr: number;
  length: number;
}

/**
 * Reads one block after its magic number into `tt` (which it links for the inverse transform).
 * Throws NEED_INPUT when the buffered input ends first; the caller restores the reader and
 * retries with more.
 */
function readBlock(r: BitReader, tt: Uint32Array, maxLength: number): Block {
  const crc = ((r.bits(16) << 16) | r.bits(16)) >>> 0;
  if (r.bit()) throw new Bzip2Error('a randomised block (written by bzip2 0.9.0 or older) is not supported');
  const origPtr = r.bits(24);

  // The byte values in use, as 16 ranges of 16.
  const seqToUnseq = new Uint8Array(256);
  let inUse = 0;
  const ranges = r.bits(16);
  for (let i = 0; i < 16; i++) {
    if ((ranges & (0x8000 >> i)) === 0) continue;
    const bits = r.bits(16);
    for (let j = 0; j < 16; j++) if (bits & (0x8000 >> j)) seqToUnseq[inUse++] = i * 16 + j;
  }
  if (inUse === 0) throw new Bzip2Error('a block uses no byte values');
  const alphaSize = inUse + 2;

  const groups = r.bits(3);
  if (groups < 2 || groups > MAX_GROUPS) throw new Bzip2Error(`a block has ${groups} Huffman tables (2 to 6 are valid)`);
  const selectorCount = r.bits(15);
  if (selectorCount < 1) throw new Bzip2Error('a block has no table selectors');
  const selectorMtf = [0, 1, 2, 3, 4, 5];
  const selectors = new Uint8Array(Math.min(selectorCount, MAX_SELECTORS));
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (r.bit()) if (++j >= groups) throw new Bzip2Error('a table selector is out of range');
    const v = selectorMtf[j]!;
    for (; j > 0; j--) selectorMtf[j] = selectorMtf[j - 1]!;
    selectorMtf[0] = v;
    if (i < MAX_SELECTORS) selectors[i] = v;
  }

  const tables: HuffmanTable[] = [];
  const lengths = new Uint8Array(alphaSize);
  for (let t = 0; t < groups; t++) {
    let len = r.bits(5);
    for (let i = 0; i < alphaSize; i++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LENGTH) throw new Bzip2Error('a Huffman code length is out of range');
        if (!r.bit()) break;
        len += r.bit() ? -1 : 1;
      }
      lengths[i] = len;
    }
    tables.push(huffmanTable(lengths, alphaSize));
  }

  // Symbols: zero runs (RUNA, RUNB) and move-to-front indexes, up to end-of-block.
  const endOfBlock = inUse + 1;
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const byteCount = new Int32Array(256);
  let length = 0;
  let run = 0;
  let runWeight = 1;
  let selector = 0;
  let left = 0;
  let table = tables[0]!;
  for (;;) {
    if (left === 0) {
      if (selector >= selectors.length) throw new Bzip2Error('a block has more symbols than its selectors cover');
      table = tables[selectors[selector++]!]!;
      left = GROUP_SIZE;
    }
    left--;
    const sym = decodeSymbol(r, table);
    if (sym <= 1) {
      run += (sym + 1) * runWeight;
      runWeight <<= 1;
      if (run > maxLength) throw new Bzip2Error('a block is longer than its header allows');
      continue;
    }
    if (run > 0) {
      const b = seqToUnseq[mtf[0]!]!;
      if (length + run > maxLength) throw new Bzip2Error('a block is longer than its header allows');
      byteCount[b]! += run;
      tt.fill(b, length, length + run);
      length += run;
      run = 0;
      runWeight = 1;
    }
    if (sym === endOfBlock) break;
    const index = sym - 1;
    if (index >= inUse) throw new Bzip2Error('a move-to-front index is out of range');
    const v = mtf[index]!;
    mtf.copyWithin(1, 0, index);
    mtf[0] = v;
    const b = seqToUnseq[v]!;
    if (length >= maxLength) throw new Bzip2Error('a block is longer than its header allows');
    byteCount[b]!++;
    tt[length++] = b;
  }
  if (origPtr >= length) throw new Bzip2Error('a block points outside itself');

  // Link each position to the next for the inverse transform: the byte stays in the low 8 bits.
  const start = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    start[i] = sum;
    sum += byteCount[i]!;
  }
  for (let i = 0; i < length; i++) tt[start[tt[i]! & 0xff]!++]! |= i << 8;
  return { crc, origPtr, length };
}

/**
 * Walks a linked block and undoes the first run-length stage, a piece at a time. `crc` is the
 * CRC of what it has written so far, final once `done`.
 */
class BlockWriter {
  private pos: number;
  private k = 0;
  private last = -1;
  private same = 0;
  /** Copies of `last` still owed from a run-length count. */
  private owed = 0;
  private state = 0xffffffff;

  constructor(
    private readonly tt: Uint32Array,
    private readonly block: Block,
  ) {
    this.pos = tt[block.origPtr]! >>> 8;
  }

  get done(): boolean {
    return this.k >= this.block.length && this.owed === 0;
  }

  get crc(): number {
    return ~this.state >>> 0;
  }

  /** Fills `out` from its start; returns how many bytes it wrote. */
  fill(out: Buffer): number {
    const { tt } = this;
    const length = this.block.length;
    let { pos, k, last, same, owed, state: crc } = this;
    let n = 0;
    const end = out.length;
    while (n < end) {
      if (owed > 0) {
        const take = Math.min(owed, end - n);
        for (let i = 0; i < take; i++) crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]!;
        out.fill(last, n, n + take);
        n += take;
        owed -= take;
        continue;
      }
      if (k >= length) break;
      const entry = tt[pos]!;
      const b = entry & 0xff;
      pos = entry >>> 8;
      k++;
      if (same === 4) {
        // The byte after four equal ones is how many more of them follow.
        owed = b;
        same = 0;
        continue;
      }
      if (b === last) same++;
      else {
        last = b;
        same = 1;
      }
      crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!;
      out[n++] = b;
    }
    this.pos = pos;
    this.k = k;
    this.last = last;
    this.same = same;
    this.owed = owed;
    this.state = crc >>> 0;
    return n;
  }
}

/**
 * Decodes bzip2 data (one stream or several in a row) read from `input`. Output comes in pieces of
 * at most 64 KiB, and input is read only as decoding needs it: a consumer that stops iterating
 * stops the decoder there, and the input's iterator is closed. Damage throws a Bzip2Error; input
 * that ends early throws one saying "unexpected end".
 */
export async function* bunzip2(input: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<Buffer> {
  const source = input[Symbol.asyncIterator]();
  const r = new BitReader();
  let ended = false;
  let tt: Uint32Array | null = null;

  /** Reads more input; false at its end. */
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await source.next();
    if (next.done) {
      ended = true;
      return false;
    }
    r.append(Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value));
    return true;
  };

  /**
   * Runs `read` over the buffered input; when the input runs out first, fetches at least as much
   * again as was buffered (so a block is retried a few times at most) and runs it again.
   */
  const attempt = async <T>(read: () => T, what: string): Promise<T> => {
    for (;;) {
      const at = r.save();
      try {
        return read();
      } catch (err) {
        if (err !== NEED_INPUT) throw err;
        r.restore(at);
      }
      const had = r.bytesLeft;
      const target = had + Math.max(had, 64 * 1024);
      while (r.bytesLeft < target && (await more()));
      if (r.bytesLeft === had) throw new Bzip2Error(`unexpected end of bzip2 data in ${what}`);
    }
  };

  try {
    let streams = 0;
    for (;;) {
      // A stream header, or the end: only the first stream is required; bytes after the last
      // stream that do not start another are ignored, as bzip2 itself does.
      if (streams > 0) {
        while (r.available < 3 && (await more()));
        const head = r.peekBytes(3);
        if (head[0] !== 0x42 || head[1] !== 0x5a || head[2] !== 0x68) return;
      }
      const level = await attempt(() => {
        if (r.bits(8) !== 0x42 || r.bits(8) !== 0x5a || r.bits(8) !== 0x68) throw new Bzip2Error('not bzip2 data (no BZh header)');
        const digit = r.bits(8) - 0x30;
        if (digit < 1 || digit > 9) throw new Bzip2Error('not bzip2 data (bad block size in the header)');
        return digit;
      }, 'the stream header');
      streams++;
      const maxLength = level * 100_000;
      if (tt === null || tt.length < maxLength) tt = new Uint32Array(maxLength);
      let combined = 0;
      for (;;) {
        const magic = await attempt(() => [r.bits(24), r.bits(24)], 'a block header');
        if (magic[0] === 0x314159 && magic[1] === 0x265359) {
          const table: Uint32Array = tt;
          const block = await attempt(() => readBlock(r, table, maxLength), 'a block');
          const writer = new BlockWriter(table, block);
          while (!writer.done) {
            const piece = Buffer.allocUnsafe(PIECE_BYTES);
            const n = writer.fill(piece);
            if (n > 0) yield n === PIECE_BYTES ? piece : piece.subarray(0, n);
          }
          if (writer.crc !== block.crc) throw new Bzip2Error('a block fails its CRC check: the data is damaged');
          combined = (((combined << 1) | (combined >>> 31)) ^ block.crc) >>> 0;
        } else if (magic[0] === 0x177245 && magic[1] === 0x385090) {
          const crc = await attempt(() => ((r.bits(16) << 16) | r.bits(16)) >>> 0, 'the end of a stream');
          if (crc !== combined) throw new Bzip2Error('the stream fails its CRC check: the data is damaged');
          r.align();
          break;
        } else {
          throw new Bzip2Error('a block header is missing: the data is damaged');
        }
      }
    }
  } finally {
    await source.return?.();
  }
}
