/**
 * Parse throughput, printed rather than asserted (the test machine is shared and noisy).
 * Run with: VIGIL_PARSE_BENCH=1 npx vitest run src-main/engine/parse/parsers/throughput
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SHARED_DATA, hasSharedData } from '../../../../test/paths';
import { LineSplitter } from '../lines';
import { createParser, createParseContext, sniffFormat } from '../sniff';

const TARGET_LINES = 1_000_000;
const CHUNK = 64 * 1024;

function repeated(file: string): Buffer {
  const one = readFileSync(join(SHARED_DATA, file));
  const body = one[one.length - 1] === 10 ? one : Buffer.concat([one, Buffer.from('\n')]);
  const perCopy = body.toString('latin1').split('\n').length - 1;
  return Buffer.concat(Array.from({ length: Math.ceil(TARGET_LINES / perCopy) }, () => body));
}

function measure(file: string): void {
  const data = repeated(file);
  // Split alone.
  let t0 = performance.now();
  let lines = 0;
  const splitter = new LineSplitter();
  for (let i = 0; i < data.length; i += CHUNK) lines += splitter.feed(data.subarray(i, i + CHUNK)).length;
  lines += splitter.end().length;
  const splitMs = performance.now() - t0;

  const texts: string[] = [];
  const s2 = new LineSplitter();
  for (let i = 0; i < data.length; i += CHUNK) for (const l of s2.feed(data.subarray(i, i + CHUNK))) texts.push(l.text);
  const format = sniffFormat(texts.slice(0, 50), file);
  const parse = createParser(format);
  // Warm up, then parse only.
  const warm = createParseContext(file, { referenceTime: Date.UTC(2017, 5, 1) });
  for (let i = 0; i < 20_000; i++) parse(texts[i]!, warm);
  // Best of three, on CPU time: the shared machine's wall clock includes other people's work.
  let parseRate = 0;
  let parsed = 0;
  for (let round = 0; round < 3; round++) {
    const ctx = createParseContext(file, { referenceTime: Date.UTC(2017, 5, 1) });
    const c0 = process.cpuUsage();
    parsed = 0;
    for (const t of texts) if (parse(t, ctx).parser !== 'raw') parsed++;
    const cu = process.cpuUsage(c0);
    parseRate = Math.max(parseRate, texts.length / ((cu.user + cu.system) / 1e6));
  }

  // Split + parse end to end.
  const ctx3 = createParseContext(file, { referenceTime: Date.UTC(2017, 5, 1) });
  t0 = performance.now();
  const s3 = new LineSplitter();
  let n3 = 0;
  for (let i = 0; i < data.length; i += CHUNK) for (const l of s3.feed(data.subarray(i, i + CHUNK))) { parse(l.text, ctx3); n3++; }
  const bothMs = performance.now() - t0;

  const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} lines/s`;
  console.log(
    `${file} (${format}, ${lines.toLocaleString('en-US')} lines, ${(data.length / 1e6).toFixed(0)} MB): ` +
      `split ${rate(lines, splitMs)}; parse ${Math.round(parseRate).toLocaleString('en-US')} lines/s (CPU time, best of 3); split+parse ${rate(n3, bothMs)}`,
  );
  expect(parsed).toBe(texts.length);
}

describe.skipIf(!process.env.VIGIL_PARSE_BENCH || !hasSharedData)('parse throughput', () => {
  test('auth.log ~1M lines', () => measure('elastic/auth.log'), 120_000);
  test('apache_access.log ~1M lines', () => measure('elastic/apache_access.log'), 120_000);
});
