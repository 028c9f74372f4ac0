import { describe, expect, test } from 'vitest';
import { LineSplitter, splitLines, type Line } from './lines';

/** Feeds `data` in pieces cut at `cuts` and collects every line. */
function splitInPieces(data: Buffer, pieceSize: number, maxLineBytes?: number): Line[] {
  const s = new LineSplitter(maxLineBytes === undefined ? {} : { maxLineBytes });
  const out: Line[] = [];
  for (let i = 0; i < data.length; i += pieceSize) out.push(...s.feed(data.subarray(i, i + pieceSize)));
  out.push(...s.end());
  return out;
}

/** Reference split: slow, obviously right. */
function reference(data: Buffer): { text: string; offset: number; end: number }[] {
  const out: { text: string; offset: number; end: number }[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i === data.length && start === data.length) break;
    if (i === data.length || data[i] === 10) {
      let e = i;
      if (e > start && data[e - 1] === 13) e--;
      out.push({ text: data.subarray(start, e).toString('utf8'), offset: start, end: Math.min(i + 1, data.length) });
      start = i + 1;
    }
  }
  return out;
}

describe('LineSplitter', () => {
  test('LF, CRLF, empty lines and byte offsets', () => {
    const lines = splitLines(Buffer.from('a\r\nbb\n\nccc\r\n'));
    expect(lines).toEqual([
      { text: 'a', offset: 0, end: 3, truncated: false },
      { text: 'bb', offset: 3, end: 6, truncated: false },
      { text: '', offset: 6, end: 7, truncated: false },
      { text: 'ccc', offset: 7, end: 12, truncated: false },
    ]);
  });

  test('missing final newline is flushed by end()', () => {
    const s = new LineSplitter();
    expect(s.feed(Buffer.from('one\ntwo'))).toEqual([{ text: 'one', offset: 0, end: 4, truncated: false }]);
    expect(s.end()).toEqual([{ text: 'two', offset: 4, end: 7, truncated: false }]);
    expect(s.end()).toEqual([]);
    expect(() => s.feed(Buffer.from('x'))).toThrow();
  });

  test('a CR and its LF in different chunks', () => {
    const s = new LineSplitter();
    expect(s.feed(Buffer.from('abc\r'))).toEqual([]);
    expect(s.feed(Buffer.from('\ndef'))).toEqual([{ text: 'abc', offset: 0, end: 5, truncated: false }]);
    expect(s.end()[0]!.text).toBe('def');
  });

  test('a lone CR inside a line is kept', () => {
    expect(splitLines(Buffer.from('a\rb\n'))[0]!.text).toBe('a\rb');
  });

  test('UTF-8 BOM at the start is dropped, offsets stay byte offsets', () => {
    const lines = splitLines(Buffer.from('\ufeffhé\nx\n'));
    expect(lines[0]).toEqual({ text: 'hé', offset: 3, end: 7, truncated: false });
    expect(lines[1]).toEqual({ text: 'x', offset: 7, end: 9, truncated: false });
  });

  test('invalid UTF-8 becomes replacement characters, never throws', () => {
    const data = Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82]);
    const lines = splitLines(data);
    expect(lines.map((l) => l.text)).toEqual(['a\ufffd\ufffd', '\ufffd(', '\ufffd']);
  });

  test('a multi-byte character cut by a chunk boundary decodes whole', () => {
    const data = Buffer.from('née\nçà\n');
    for (let size = 1; size <= data.length; size++) {
      expect(splitInPieces(data, size).map((l) => l.text)).toEqual(['née', 'çà']);
    }
  });

  test('over-long line inside one chunk is truncated and flagged', () => {
    const lines = splitLines(Buffer.from('0123456789\nab\n'), { maxLineBytes: 4 });
    expect(lines).toEqual([
      { text: '0123', offset: 0, end: 11, truncated: true },
      { text: 'ab', offset: 11, end: 14, truncated: false },
    ]);
  });

  test('over-long line across chunks: truncated, rest skipped, next line intact', () => {
    const data = Buffer.from(`${'x'.repeat(100)}\r\nnext\n${'y'.repeat(7)}`);
    for (const size of [1, 3, 7, 64]) {
      const lines = splitInPieces(data, size, 5);
      expect(lines).toEqual([
        { text: 'xxxxx', offset: 0, end: 102, truncated: true },
        { text: 'next', offset: 102, end: 107, truncated: false },
        { text: 'yyyyy', offset: 107, end: 114, truncated: true },
      ]);
    }
  });

  test('a line of exactly the maximum, with CRLF, is not truncated', () => {
    const data = Buffer.from('abcde\r\nfg\n');
    for (const size of [1, 2, 6, 100]) {
      expect(splitInPieces(data, size, 5)[0]).toEqual({ text: 'abcde', offset: 0, end: 7, truncated: false });
    }
  });

  test('memory stays bounded on a 10 MB line without newline', () => {
    const s = new LineSplitter({ maxLineBytes: 1024 });
    const piece = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 160; i++) expect(s.feed(piece)).toEqual([]);
    // Internal state: no more than max + 1 bytes ever held.
    expect((s as unknown as { pendingBytes: number }).pendingBytes).toBeLessThanOrEqual(1025);
    const [last] = s.end();
    expect(last!.text.length).toBe(1024);
    expect(last!.truncated).toBe(true);
    expect(last!.end).toBe(160 * 64 * 1024);
  });

  test('default maximum is 1 MiB', () => {
    const lines = splitLines(Buffer.from(`${'z'.repeat(1024 * 1024 + 10)}\nok\n`));
    expect(lines[0]!.text.length).toBe(1024 * 1024);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[1]!.text).toBe('ok');
  });

  test('startOffset continues byte offsets when resuming', () => {
    const s = new LineSplitter({ startOffset: 1000 });
    expect(s.feed(Buffer.from('a\nb\n'))).toEqual([
      { text: 'a', offset: 1000, end: 1002, truncated: false },
      { text: 'b', offset: 1002, end: 1004, truncated: false },
    ]);
    expect(s.offset).toBe(1004);
  });

  test('the caller may reuse its chunk buffer after feed()', () => {
    const s = new LineSplitter();
    const buf = Buffer.from('abc');
    s.feed(buf);
    buf.fill(0x7a);
    s.feed(Buffer.from('\n'));
    expect(s.end()).toEqual([]);
    const t = new LineSplitter();
    const b2 = Buffer.from('abc');
    t.feed(b2);
    b2.fill(0x7a);
    expect(t.feed(Buffer.from('d\n'))[0]!.text).toBe('abcd');
  });

  test('random data in random pieces matches the reference split', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = [0x0a, 0x0d, 0x41, 0x62, 0xc3, 0xa9, 0xff, 0x20, 0xe2, 0x82, 0xac];
    for (let round = 0; round < 200; round++) {
      const len = Math.floor(rnd() * 300);
      const data = Buffer.from(Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]!));
      const size = 1 + Math.floor(rnd() * 40);
      const got = splitInPieces(data, size).map(({ text, offset, end }) => ({ text, offset, end }));
      expect(got).toEqual(reference(data));
    }
  });
});
