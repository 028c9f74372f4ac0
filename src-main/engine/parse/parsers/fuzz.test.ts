/**
 * Hostile input: random bytes, invalid UTF-8, 1-10 MB lines, deep JSON and mutated valid lines.
 * Every parser must return an event or null without throwing, and a source parser must give
 * exactly one event per line. Each loop runs for a small fixed time budget; a hang shows up as
 * the test timeout.
 */
import { describe, expect, test } from 'vitest';
import { LineSplitter } from '../lines';
import { createParseContext, type LineParser } from './context';
import { createParser, LOG_FORMATS } from './index';
import { parseSyslog5424 } from './syslog5424';
import { parseSyslog3164 } from './syslog3164';
import { parseAccess } from './access';
import { createJsonParser } from './jsonl';
import { validateMapping } from './json-mapping';
import { parseRaw } from './raw';

const BUDGET_MS = 700;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const PARSERS: [string, LineParser][] = [
  ['syslog5424', parseSyslog5424],
  ['syslog3164', (l, c) => parseSyslog3164(l, c, 'syslog')],
  ['auth', (l, c) => parseSyslog3164(l, c, 'auth')],
  ['access', parseAccess],
  ['jsonl', createJsonParser()],
  ['jsonl-custom', createJsonParser({ mapping: validateMapping({ base: 'otel', fields: { user: ['a.b.c', 'x'] } }) })],
  ['raw', parseRaw],
];
const SOURCE_PARSERS = LOG_FORMATS.map((f) => [f, createParser(f)] as const);

const SEEDS = [
  'Mar 27 13:08:09 ip-10-77-20-248 sshd[1361]: Failed password for invalid user admin from 24.151.103.17 port 54259 ssh2',
  'Mar 27 13:08:09 ip-10-77-20-248 sshd[1361]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root',
  'Mar 27 13:08:09 h sudo:   ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/bin/su',
  'Mar 27 13:08:09 h sshd[1]: message repeated 5 times: [ Failed password for root from 218.60.136.106 port 56338 ssh2]',
  'Mar 27 13:08:09 h useradd[9]: new user: name=x, UID=1001, GID=1001, home=/home/x, shell=/bin/bash',
  'Mar 27 13:08:09 h su[5]: + /dev/pts/0 ubuntu:root',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication" eventID="1011"] msg',
  '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8',
  '2024-02-29T10:11:12.345678+01:00 web1 sshd[77]: Accepted publickey for ann from 10.0.0.5 port 5000 ssh2',
  'www.example.com:443 192.0.2.7 - alice [01/Jan/2024:12:00:00 +0100] "GET /a?b=\\"c HTTP/2.0" 304 - "-" "Mozilla/5.0" 0.004',
  '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /x.png HTTP/1.1" 200 203023 "http://s.com/" "Mozilla/5.0 (Macintosh)"',
  '{"@timestamp":"2024-05-01T10:20:30.123Z","host":{"name":"web-1"},"source":{"ip":"1.2.3.4"},"http":{"response":{"status_code":403}}}',
  '{"timeUnixNano":"1714558830123456789","severityNumber":17,"body":{"stringValue":"x"},"attributes":[{"key":"k","value":{"kvlistValue":{"values":[]}}}]}',
  '{"resourceLogs":[{"resource":{"attributes":[]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"}}]}]}]}',
];

/** Runs `make` for the budget; every line goes through every parser and every source parser. */
function hammer(make: (rnd: () => number) => string, seed: number): number {
  const rnd = prng(seed);
  const ctx = createParseContext('fuzz', { referenceTime: Date.UTC(2024, 0, 1) });
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < BUDGET_MS) {
    const line = make(rnd);
    check(line, ctx);
    n++;
  }
  return n;
}

function check(line: string, ctx: ReturnType<typeof createParseContext>): void {
  for (const [name, parse] of PARSERS) {
    let ev;
    try {
      ev = parse(line, ctx);
    } catch (e) {
      throw new Error(`${name} threw on ${JSON.stringify(line.slice(0, 200))}: ${(e as Error).stack}`);
    }
    if (ev !== null) expect(ev.raw).toBe(line);
  }
  for (const [name, parse] of SOURCE_PARSERS) {
    const ev = parse(line, ctx);
    if (ev === null || ev.raw !== line || typeof ev.message !== 'string') {
      throw new Error(`source parser ${name} gave no proper event for ${JSON.stringify(line.slice(0, 200))}`);
    }
  }
}

function randomBytes(rnd: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function mutate(rnd: () => number, s: string): string {
  const chars = [...s];
  const edits = 1 + Math.floor(rnd() * 6);
  const pool = ' []{}":=<>\\/.-0123456789aZ\u00e9\ufffd\u0000\t';
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (chars.length + 1));
    const op = Math.floor(rnd() * 4);
    const c = pool[Math.floor(rnd() * pool.length)]!;
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, c);
    else if (op === 2) chars[at] = c;
    else chars.splice(at, Math.floor(rnd() * 20));
  }
  return chars.join('');
}

describe('fuzz: parsers never throw', () => {
  test('random bytes decoded as UTF-8', () => {
    expect(hammer((rnd) => randomBytes(rnd, Math.floor(rnd() * 300)).toString('utf8').replace(/\n/g, ' '), 1)).toBeGreaterThan(0);
  });

  test('invalid UTF-8 after a valid header', () => {
    expect(hammer((rnd) => {
      const head = SEEDS[Math.floor(rnd() * SEEDS.length)]!.slice(0, Math.floor(rnd() * 60));
      return Buffer.concat([Buffer.from(head), randomBytes(rnd, 40)]).toString('utf8');
    }, 2)).toBeGreaterThan(0);
  });

  test('random mutations of valid lines', () => {
    expect(hammer((rnd) => mutate(rnd, SEEDS[Math.floor(rnd() * SEEDS.length)]!), 3)).toBeGreaterThan(0);
  });

  test('valid prefixes with every possible cut', () => {
    const rnd = prng(4);
    const ctx = createParseContext('fuzz');
    for (const seed of SEEDS) for (let i = 0; i <= seed.length; i++) check(seed.slice(0, i), ctx);
    expect(rnd()).toBeGreaterThanOrEqual(0);
  });

  test('1-10 MB lines', () => {
    const ctx = createParseContext('fuzz');
    const mb = 1024 * 1024;
    const big = [
      'Mar 27 13:08:09 h sshd[1]: Failed password for ' + 'x from '.repeat(mb / 7) + '1.2.3.4 port 22 ssh2',
      'Mar 27 13:08:09 h sshd[1]: pam_unix(sshd:auth): authentication failure; ' + 'a= '.repeat(mb),
      'Mar 27 13:08:09 ' + 'h'.repeat(3 * mb) + ' app: x',
      'Mar 27 13:08:09 h ' + 'a'.repeat(2 * mb) + ': x',
      '<1>1 - - - - - ' + '[a b="'.repeat(mb / 6),
      '<1>1 - - - - - [x ' + 'k="v" '.repeat(mb / 6) + ']',
      '1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "' + '\\"'.repeat(2 * mb) + ' 200 1',
      '1.2.3.4 ' + '- '.repeat(mb) + '[01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1',
      '{"a":"' + 'x'.repeat(10 * mb) + '"}',
      '{' + '"k":1,'.repeat(mb / 6) + '"z":2}',
      ' '.repeat(5 * mb),
      '\ufffd'.repeat(mb),
    ];
    for (const line of big) check(line, ctx);
  });

  test('deeply nested JSON (100k levels)', () => {
    const ctx = createParseContext('fuzz');
    check('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), ctx);
    check('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', ctx);
    check('{"attributes":' + '['.repeat(100_000) + ']'.repeat(100_000) + ',"body":1}', ctx);
    // Unbalanced: invalid JSON, so it must fall through to raw.
    const parse = createParser('jsonl');
    expect(parse('{"a":'.repeat(100_000), ctx).parser).toBe('raw');
  });
});

describe('fuzz: splitter + source parser give exactly one event per line', () => {
  test('random byte streams in random chunks', () => {
    const rnd = prng(5);
    const start = performance.now();
    const parse = createParser('auth');
    while (performance.now() - start < BUDGET_MS) {
      const data = randomBytes(rnd, Math.floor(rnd() * 4000));
      // Sprinkle newlines so there are many lines.
      for (let i = 0; i < data.length; i++) if (rnd() < 0.05) data[i] = 10;
      const splitter = new LineSplitter({ maxLineBytes: 1 + Math.floor(rnd() * 500) });
      const ctx = createParseContext('fuzz');
      let lines = 0;
      let events = 0;
      for (let i = 0; i < data.length; ) {
        const size = 1 + Math.floor(rnd() * 700);
        for (const l of splitter.feed(data.subarray(i, i + size))) {
          lines++;
          if (parse(l.text, ctx).raw === l.text) events++;
        }
        i += size;
      }
      for (const l of splitter.end()) {
        lines++;
        if (parse(l.text, ctx).raw === l.text) events++;
      }
      let newlines = 0;
      for (const b of data) if (b === 10) newlines++;
      const tail = data.length > 0 && data[data.length - 1] !== 10 ? 1 : 0;
      expect(lines).toBe(newlines + tail);
      expect(events).toBe(lines);
    }
  });
});
