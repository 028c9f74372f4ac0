/**
 * Every contract method against hostile input, through the real dispatcher and engine with a case
 * open: wrong types, huge strings and arrays, prototype-pollution keys, extra keys, unknown method
 * names. Each call must come back as an envelope with a code from the closed set, never as an
 * internal error, never as a throw, and must not pollute Object.prototype.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methods } from '../../src-shared/contract';
import { ERROR_CODES, type Envelope } from '../../src-shared/envelope';
import { TestEngine, tempDir } from '../../src-main/engine/test-support';

const HUGE = 'x'.repeat(10 * 1024 * 1024);
const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};
/** Values for a field whatever its type: each one is wrong, oversized or booby-trapped. */
const HOSTILE_VALUES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['2^53+2', 2 ** 53 + 2],
  ['empty string', ''],
  ['NUL', 'a\0b'],
  ['10 MB string', HUGE],
  ['lone surrogate', '\ud800'],
  ['array of 100k', Array.from({ length: 100_000 }, (_, i) => i)],
  ['empty array', []],
  ['empty object', {}],
  ['10k-deep object', deep(10_000)],
  ['__proto__ object', JSON.parse('{"__proto__":{"polluted":"yes"}}')],
  ['constructor.prototype', { constructor: { prototype: { polluted: 'yes' } } }],
  ['function-like string', 'constructor'],
];
/** Whole inputs, whatever the method. */
const HOSTILE_INPUTS: [string, unknown][] = [
  ['a number', 42],
  ['a string', 'hello'],
  ['an array', [1, 2]],
  ['null', null],
  ['a 10 MB string', HUGE],
  ['__proto__ key', JSON.parse('{"__proto__":{"polluted":"yes"},"name":"x","path":"x"}')],
  ['constructor key', JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}')],
  ['an extra key', { surprise: 1 }],
  ['10k-deep object', { a: deep(10_000) }],
];

let engine: TestEngine;
let cwd: string;
beforeAll(async () => {
  // Methods that write files take relative paths too: keep whatever they write in a temp folder.
  cwd = process.cwd();
  const dir = tempDir('vigil-hostile-');
  mkdirSync(join(dir, 'work'));
  process.chdir(join(dir, 'work'));
  engine = new TestEngine(dir);
  await engine.call('cases.create', { name: 'hostile', path: join(dir, 'hostile.vigil') });
});
afterAll(async () => {
  await engine.link.close();
  process.chdir(cwd);
});

/** The keys of a method's input object, through wrappers (refine, default, optional). */
function fieldsOf(schema: z.ZodType): string[] {
  let s: unknown = schema;
  for (let i = 0; i < 10 && s; i++) {
    if (s instanceof z.ZodObject) return Object.keys(s.shape);
    const def = (s as { def?: { in?: unknown; innerType?: unknown; schema?: unknown } }).def;
    s = def?.innerType ?? def?.in ?? def?.schema;
  }
  return [];
}

const problems: string[] = [];
function check(what: string, reply: Envelope<unknown>): void {
  if (typeof reply !== 'object' || reply === null || typeof reply.ok !== 'boolean') {
    problems.push(`${what}: not an envelope`);
    return;
  }
  if (reply.ok) return;
  const { code, message } = reply.error;
  if (!(ERROR_CODES as readonly string[]).includes(code)) problems.push(`${what}: code ${code} is not in the closed set`);
  if (code === 'internal') problems.push(`${what}: internal error: ${message.slice(0, 300)}`);
  if (typeof message !== 'string' || message.length === 0) problems.push(`${what}: no message`);
  else if (message.length > 10_000) problems.push(`${what}: the message echoes the input (${message.length} chars)`);
}

function unpolluted(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

const NAMES = Object.keys(methods) as (keyof typeof methods)[];
// Methods whose success would pull the case from under the other calls or start listeners on
// ports, when a whole input happens to be valid for them.
const DISRUPTIVE = new Set(['cases.close', 'cases.create', 'cases.open', 'collector.start']);

describe('the dispatcher against hostile input', () => {
  it(`answers every method (${NAMES.length}) with an envelope for every hostile whole input`, async () => {
    for (const name of NAMES) {
      for (const [label, input] of HOSTILE_INPUTS) {
        if (DISRUPTIVE.has(name) && label === '__proto__ key') continue;
        if (name === 'cases.close') continue;
        check(`${name} with ${label}`, await engine.raw(name, input));
      }
    }
    unpolluted();
    expect(problems).toEqual([]);
  });

  it('answers every field of every method with an envelope for every hostile value', async () => {
    let calls = 0;
    for (const name of NAMES) {
      for (const field of fieldsOf(methods[name].input as z.ZodType)) {
        for (const [label, value] of HOSTILE_VALUES) {
          // An empty config is valid and would start listeners on the default ports.
          if (name === 'collector.start' && label === 'empty object') continue;
          check(`${name}.${field} = ${label}`, await engine.raw(name, { [field]: value }));
          calls++;
        }
      }
    }
    await engine.raw('collector.stop', {});
    console.log(`[hostile] ${calls} calls with hostile field values`);
    expect(calls).toBeGreaterThan(500);
    unpolluted();
    expect(problems).toEqual([]);
  });

  it('refuses extra keys on every method whose empty input is valid', async () => {
    const open: string[] = [];
    for (const name of NAMES) {
      if (DISRUPTIVE.has(name)) continue;
      if (!methods[name].input.safeParse({}).success) continue;
      const reply = await engine.raw(name, { unexpectedKey: 1 });
      if (reply.ok || reply.error.code !== 'invalid_input') open.push(name);
    }
    expect(open).toEqual([]);
  });

  it('refuses unknown methods, including names that exist on every object', async () => {
    const names: unknown[] = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', ' cases.create', 'CASES.CREATE', 'cases.create\0', 'cases', 'x'.repeat(1_000_000), 42, null, undefined, {}, ['cases.create']];
    for (const n of names) {
      const reply = await engine.raw(n as string, {});
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('unknown_method');
        expect(reply.error.message.length).toBeLessThan(300);
      }
    }
    unpolluted();
  });

  it('keeps a __proto__ key inside a free-form record from reaching any prototype', async () => {
    const reply = await engine.raw('collector.start', { config: JSON.parse('{"__proto__":{"polluted":"yes","udp":{"port":1}},"tcp":{"enabled":false},"udp":{"enabled":false}}') });
    check('collector.start with __proto__ in config', reply);
    await engine.raw('collector.stop', {});
    unpolluted();
    expect(problems).toEqual([]);
  });
});
