import { describe, expect, it } from 'vitest';
import { emptyResult, SyslogFrameDecoder, type DecodeResult } from './framing';

function feed(decoder: SyslogFrameDecoder, chunks: (string | Buffer)[], end = false): DecodeResult {
  const out = emptyResult();
  for (const c of chunks) decoder.push(typeof c === 'string' ? Buffer.from(c) : c, out);
  if (end) decoder.end(out);
  return out;
}

function bytewise(s: string): Buffer[] {
  return [...Buffer.from(s)].map((b) => Buffer.from([b]));
}

const M1 = '<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - su root failed on /dev/pts/8';
const M2 = '<13>Oct 11 22:14:15 host app[1]: second é message';

describe('SyslogFrameDecoder', () => {
  it('decodes octet counting with multi-byte characters counted in bytes', () => {
    const d = new SyslogFrameDecoder(65536);
    const wire = `${Buffer.byteLength(M1)} ${M1}${Buffer.byteLength(M2)} ${M2}`;
    const out = feed(d, [wire]);
    expect(d.framing).toBe('octet-counting');
    expect(out.frames).toEqual([M1, M2]);
    expect(out.malformed + out.oversize).toBe(0);
  });

  it('decodes non-transparent framing, CRLF and blank lines', () => {
    const d = new SyslogFrameDecoder(65536);
    const out = feed(d, [`${M1}\r\n\n${M2}\n`]);
    expect(d.framing).toBe('non-transparent');
    expect(out.frames).toEqual([M1, M2]);
  });

  it('reassembles frames written one byte at a time, in both framings', () => {
    const octet = `${Buffer.byteLength(M1)} ${M1}${Buffer.byteLength(M2)} ${M2}`;
    expect(feed(new SyslogFrameDecoder(65536), bytewise(octet)).frames).toEqual([M1, M2]);
    expect(feed(new SyslogFrameDecoder(65536), bytewise(`${M1}\n${M2}\n`)).frames).toEqual([M1, M2]);
  });

  it('takes thousands of frames merged into one chunk', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `<14>msg number ${i}`);
    const octet = lines.map((l) => `${Buffer.byteLength(l)} ${l}`).join('');
    expect(feed(new SyslogFrameDecoder(65536), [octet]).frames).toEqual(lines);
    expect(feed(new SyslogFrameDecoder(65536), [lines.join('\n') + '\n']).frames).toEqual(lines);
  });

  it('waits for the space after a length before deciding the framing', () => {
    const d = new SyslogFrameDecoder(65536);
    expect(feed(d, ['1', '6']).frames).toEqual([]);
    expect(d.framing).toBeNull();
    const out = feed(d, [' <13>hello wor', 'ld!']);
    expect(d.framing).toBe('octet-counting');
    expect(out.frames).toEqual(['<13>hello world!']);
  });

  it('treats a line starting with digits but no space as non-transparent', () => {
    const d = new SyslogFrameDecoder(65536);
    expect(feed(d, ['2024-01-01 plain line\n']).frames).toEqual(['2024-01-01 plain line']);
    expect(d.framing).toBe('non-transparent');
  });

  it('tolerates a newline after each octet-counted frame', () => {
    const out = feed(new SyslogFrameDecoder(65536), ['5 <1>ab\n5 <1>cd\n']);
    expect(out.frames).toEqual(['<1>ab', '<1>cd']);
  });

  it('skips an oversize octet frame by its length and keeps the stream', () => {
    const big = 'x'.repeat(300);
    const out = feed(new SyslogFrameDecoder(100), bytewise(`300 ${big}5 <1>ok`));
    expect(out.oversize).toBe(1);
    expect(out.frames).toEqual(['<1>ok']);
    expect(out.fatal).toBeNull();
  });

  it('skips an oversize line up to its newline and keeps the stream', () => {
    const out = feed(new SyslogFrameDecoder(100), [`<1>${'y'.repeat(150)}`, `${'y'.repeat(150)}\n<1>next\n`, `<1>${'z'.repeat(101)}\n<1>last\n`]);
    expect(out.oversize).toBe(2);
    expect(out.frames).toEqual(['<1>next', '<1>last']);
  });

  it('declares a corrupt octet count unrecoverable and keeps what came before', () => {
    const out = feed(new SyslogFrameDecoder(65536), ['5 <1>ok5 <1>ok', 'xx <1>bad']);
    expect(out.frames).toEqual(['<1>ok', '<1>ok']);
    expect(out.malformed).toBe(1);
    expect(out.fatal).toMatch(/expected a decimal length/);
    expect(feed(new SyslogFrameDecoder(65536), ['5 <1>ok', '1234567890123 x']).fatal).toMatch(/too many digits/);
  });

  it('delivers an unterminated last line at end and counts a cut octet frame', () => {
    expect(feed(new SyslogFrameDecoder(65536), ['<1>a\n<1>b'], true).frames).toEqual(['<1>a', '<1>b']);
    const cut = feed(new SyslogFrameDecoder(65536), ['10 <1>ab'], true);
    expect(cut.frames).toEqual([]);
    expect(cut.malformed).toBe(1);
  });

  it('never throws on binary garbage', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const out = feed(new SyslogFrameDecoder(512), [garbage, garbage], true);
    expect(out.frames.length + out.oversize + out.malformed).toBeGreaterThan(0);
  });
});
