import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLineBatches } from './line-reader';

async function readAll(path: string, start = 0) {
  const lines: string[] = [];
  let end = start;
  for await (const b of readLineBatches(path, start)) {
    lines.push(...b.lines);
    end = b.endOffset;
  }
  return { lines, end };
}

function file(content: string | Buffer): string {
  const p = join(mkdtempSync(join(tmpdir(), 'vigil-lines-')), 'f.log');
  writeFileSync(p, content);
  return p;
}

describe('readLineBatches', () => {
  it('handles CRLF and a missing final newline', async () => {
    const { lines, end } = await readAll(file('a\r\nb\r\nc'));
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(end).toBe(7);
  });

  it('keeps empty lines and resumes exactly at a reported offset', async () => {
    const content = 'one\n\nthree\nfour\n';
    const p = file(content);
    expect((await readAll(p)).lines).toEqual(['one', '', 'three', 'four']);
    expect((await readAll(p, 'one\n\n'.length)).lines).toEqual(['three', 'four']);
  });

  it('replaces invalid UTF-8 instead of failing', async () => {
    const { lines } = await readAll(file(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a, 0x63])));
    expect(lines).toEqual(['a\ufffd\ufffdb', 'c']);
  });

  it('cuts an over-long line at 1 MiB and goes on with the next line', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const { lines, end } = await readAll(file(`first\n${long}\nlast\n`));
    expect(lines.length).toBe(3);
    expect(lines[1]!.length).toBe(1024 * 1024);
    expect(lines[2]).toBe('last');
    expect(end).toBe(6 + long.length + 1 + 5);
  });

  it('reports offsets that always fall just after a newline', async () => {
    const content = Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const p = file(content);
    const buf = Buffer.from(content);
    let count = 0;
    for await (const b of readLineBatches(p)) {
      count += b.lines.length;
      expect(buf[b.endOffset - 1]).toBe(10);
    }
    expect(count).toBe(200_000);
  });
});
