import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bunzip2, Bzip2Error } from './bzip2';

/** The reference encoder: Debian's bzip2 (installed by .ci/run). */
const hasBzip2 = spawnSync('bzip2', ['--help'], { stdio: 'ignore' }).status === 0;
const compress = (data: Buffer, level = 9): Buffer => execFileSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 1 << 30 });

/** Feeds `data` in pieces of `piece` bytes and collects what comes out. */
async function decode(data: Buffer, piece = 1 << 20): Promise<Buffer> {
  async function* pieces() {
    for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
  }
  const out: Buffer[] = [];
  for await (const c of bunzip2(pieces())) out.push(c);
  return Buffer.concat(out);
}

function logText(lines: number): Buffer {
  let s = '';
  for (let i = 0; i < lines; i++) s += `Mar 27 13:${String(i % 60).padStart(2, '0')}:00 web-1 sshd[${i}]: Failed password for user${i % 97} from 10.0.${i % 255}.${i % 13} port ${i} ssh2\n`;
  return Buffer.from(s);
}

describe.skipIf(!hasBzip2)('bunzip2 against the reference bzip2', () => {
  it('decodes log text at every block size, in any piece size', async () => {
    const text = logText(30_000);
    for (const level of [1, 5, 9]) {
      const packed = compress(text, level);
      for (const piece of [1 << 20, 4096, 7]) {
        if (piece === 7 && level !== 1) continue;
        expect((await decode(packed, piece)).equals(text), `level ${level} piece ${piece}`).toBe(true);
      }
    }
  });

  it('decodes random bytes, empty input, one byte and every run length around the run-length stage', async () => {
    const random = randomBytes(2_500_000);
    expect((await decode(compress(random))).equals(random)).toBe(true);
    expect(await decode(compress(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
    expect((await decode(compress(Buffer.from('x')))).toString()).toBe('x');
    const parts: Buffer[] = [];
    for (const n of [1, 2, 3, 4, 5, 6, 254, 255, 256, 258, 259, 260, 261, 1000, 70_000]) parts.push(Buffer.alloc(n, 0x61 + (n % 20)), Buffer.from('|'));
    const runs = Buffer.concat(parts);
    expect((await decode(compress(runs), 3)).equals(runs)).toBe(true);
  });

  it('decodes streams written one after another (pbzip2, cat a.bz2 b.bz2) and ignores trailing garbage', async () => {
    const a = logText(5000);
    const b = Buffer.from('second stream\n');
    const both = Buffer.concat([compress(a, 1), compress(b, 9)]);
    expect((await decode(both, 1000)).equals(Buffer.concat([a, b]))).toBe(true);
    expect((await decode(Buffer.concat([compress(b), Buffer.from('\0\0\0garbage')]))).equals(b)).toBe(true);
  });

  it('says a truncated stream ends early, wherever it is cut', async () => {
    const packed = compress(logText(2000));
    for (const cut of [0, 3, 10, 40, packed.length >> 1, packed.length - 5, packed.length - 1]) {
      await expect(decode(packed.subarray(0, cut)), `cut at ${cut}`).rejects.toThrow(/unexpected end/);
    }
  });

  it('refuses damaged data with a Bzip2Error, never hangs or crashes', async () => {
    const packed = compress(logText(3000));
    await expect(decode(Buffer.from('BZh0 not really'))).rejects.toThrow(Bzip2Error);
    await expect(decode(Buffer.from('hello world, plain text'))).rejects.toThrow(/not bzip2 data/);
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const bad = Buffer.from(packed);
      const at = 10 + ((i * 7919) % (bad.length - 10));
      bad[at] = bad[at]! ^ (1 << (i % 8));
      try {
        await decode(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(Bzip2Error);
        refused++;
      }
    }
    // Every flipped bit is caught by a CRC if not sooner.
    expect(refused).toBe(200);
  });

  it('stops when its consumer stops: a bomb costs one piece, and the input is closed', async () => {
    // 180 MB of zeros is a few hundred bytes of bzip2: four blocks of ~45 MB each.
    const bomb = compress(Buffer.alloc(180 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1000);
    let closed = false;
    async function* input() {
      try {
        yield bomb;
      } finally {
        closed = true;
      }
    }
    let got = 0;
    for await (const piece of bunzip2(input())) {
      expect(piece.length).toBeLessThanOrEqual(64 * 1024);
      got += piece.length;
      if (got >= 1024 * 1024) break;
    }
    expect(got).toBe(1024 * 1024);
    expect(closed).toBe(true);
  });
});
