/**
 * The fuzz loop, run in a child process so that a hang can be stopped and a crash seen: it prints
 * `{"start": n, "kind": k}` before each input and `{"done": n, "ms": t}` after it, so the parent's
 * watchdog knows which input hung. Ends with a summary line.
 *
 *   node --import tsx test/faults/fuzz-child.ts normalize|sigma SEED BUDGET_MS
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NormalizedEvent } from '../../src-shared/event';
import { LineSplitter } from '../../src-main/engine/parse/lines';
import { LOG_FORMATS, sniffFormat } from '../../src-main/engine/parse/sniff';
import { SourceNormalizer, newDrain, type FormatChoice } from '../../src-main/engine/pipeline/normalize';
import { SigmaEngine } from '../../src-main/engine/sigma';
import { ROOT } from '../paths';

const [target, seedArg, budgetArg] = process.argv.slice(2);
const seed = Number(seedArg) >>> 0;
const budgetMs = Number(budgetArg);
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

// mulberry32, as in support.ts (kept here so the child needs nothing from vitest).
let s = seed;
const rnd = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const bytes = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
};
const MB = 1024 * 1024;

function mutate(text: string, pool: string): string {
  const chars = [...text];
  const edits = 1 + int(8);
  for (let k = 0; k < edits; k++) {
    const at = int(chars.length + 1);
    const c = pick([...pool]);
    const op = int(5);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, c);
    else if (op === 2) chars[at] = c;
    else if (op === 3) chars.splice(at, int(30));
    else chars.splice(at, 0, chars.slice(int(chars.length), int(chars.length)).join('').repeat(1 + int(50)));
  }
  return chars.join('');
}

const LINES = [
  'Mar 27 13:08:09 ip-10-77-20-248 sshd[1361]: Failed password for invalid user admin from 24.151.103.17 port 54259 ssh2',
  'Mar 27 13:08:09 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root',
  'Mar 27 13:08:09 h sudo:   ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/bin/su',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication" eventID="1011"] msg',
  '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8',
  '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /x.png?a=1&b=%2e%2e/ HTTP/1.1" 200 203023 "http://s.com/" "Mozilla/5.0 (Macintosh)"',
  'www.example.com:443 2001:db8::7 - alice [01/Jan/2024:12:00:00 +0100] "GET /a?b=\\"c HTTP/2.0" 304 - "-" "curl/8" 0.004',
  '{"@timestamp":"2024-05-01T10:20:30.123Z","host":{"name":"web-1"},"source":{"ip":"1.2.3.4"},"user":{"name":"bob"},"message":"login failed"}',
  '{"timeUnixNano":"1714558830123456789","severityNumber":17,"body":{"stringValue":"x"},"attributes":[{"key":"k","value":{"intValue":"3"}}]}',
  '2024-02-29T10:11:12.345678+01:00 web1 kernel: [12345.678] usb 1-1: new device C:\\Windows\\x.exe e3b0c442-98fc-1c14-9afb-f4c8996fb924 0xdeadbeef',
];
const LINE_POOL = ' []{}":=<>\\/.-,;0123456789aZé\ufffd\u0000\t\r%@#!?*|&\'`';

/** One "file": bytes split into lines by the importer's splitter, or one huge line. */
function nextLineInput(): { kind: string; lines: string[] } {
  const r = int(100);
  if (r < 25) {
    const b = bytes(int(4096));
    for (let i = 0; i < b.length; i++) if (rnd() < 0.03) b[i] = 10;
    return { kind: 'random bytes', lines: split(b) };
  }
  if (r < 35) {
    const parts: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      parts.push(Buffer.from(pick(LINES).slice(0, int(80))));
      // Invalid UTF-8: stray continuation bytes, overlong forms, encoded surrogates, truncated sequences.
      parts.push(Buffer.from(pick([[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff, 0xfe]])));
      parts.push(Buffer.from(pick(LINES).slice(int(60)) + '\n'));
    }
    return { kind: 'invalid UTF-8', lines: split(Buffer.concat(parts)) };
  }
  if (r < 80) return { kind: 'mutated lines', lines: Array.from({ length: 50 }, () => mutate(pick(LINES), LINE_POOL)) };
  if (r < 88) {
    const n = 10_000 + int(100_000);
    return {
      kind: 'deep JSON',
      lines: [
        '{"a":'.repeat(n) + '1' + '}'.repeat(n),
        '{"message":' + '['.repeat(n) + ']'.repeat(n) + '}',
        '{"attributes":' + '['.repeat(n),
        '[' + '{"key":"a","value":{"kvlistValue":{"values":['.repeat(n >> 4) + ']}}}'.repeat(n >> 4) + ']',
      ],
    };
  }
  if (r < 96) {
    const unit = pick(['a ', '1.2.3.4 ', 'user=root ', '"', '\\', '[', '<1>', ':', '%41', 'aaaa', 'from 10.0.0.1 port 22 ', 'for invalid user ', '/..', 'x=y;', '\ufffd']);
    const prefix = pick(['', LINES[0]!.slice(0, 40), '<13>1 - - - - - ', '1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET ', '{"message":"']);
    return { kind: '1 MB line', lines: [prefix + unit.repeat(Math.ceil(MB / unit.length))] };
  }
  const unit = pick(['x', 'a ', '1.', '"\\', '{"k":1,', 'Failed password for ']);
  return { kind: '10 MB line', lines: [pick(LINES).slice(0, 30) + unit.repeat(Math.ceil((10 * MB) / unit.length))] };
}

function split(b: Buffer): string[] {
  const sp = new LineSplitter();
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 1 + int(700)) for (const l of sp.feed(b.subarray(i, i + 1 + int(700)))) out.push(l.text);
  for (const l of sp.end()) out.push(l.text);
  return out;
}

function runNormalize(): void {
  const drain = newDrain();
  const formats: FormatChoice[] = ['auto', ...LOG_FORMATS];
  let n = 0;
  const t0 = performance.now();
  let lines = 0;
  while (performance.now() - t0 < budgetMs) {
    const input = nextLineInput();
    const format = pick(formats);
    say({ start: n, kind: `${input.kind} as ${format}` });
    const t = performance.now();
    sniffFormat(input.lines, pick(['auth.log', 'x.log', '']));
    const norm = new SourceNormalizer(drain, { name: 'fuzz', format, head: input.lines.slice(0, 50), referenceTime: Date.UTC(2024, 0, 1) });
    for (const line of input.lines) {
      const out = norm.line(line);
      if (out.event.raw !== line || typeof out.event.message !== 'string' || typeof out.template !== 'string') {
        throw new Error(`bad event for ${JSON.stringify(line.slice(0, 200))}`);
      }
      lines++;
    }
    say({ done: n, kind: input.kind, ms: performance.now() - t });
    n++;
  }
  say({ summary: { inputs: n, lines } });
}

function ruleTexts(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.yml')) out.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(join(ROOT, 'resources', 'sigma'));
  return out;
}

function laughs(levels: number, width: number): string {
  let y = `l0: &l0 [${Array(width).fill('"lol"').join(', ')}]\n`;
  for (let i = 1; i < levels; i++) y += `l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]\n`;
  return `title: laughs\nlogsource: {product: linux}\ndetection:\n  sel: {message: x}\n  condition: sel\n${y}`;
}

function rule(detection: string, condition = 'sel'): string {
  return `title: fuzz\nid: 5b0e3d4c-0f51-4e8a-9d2c-${String(int(1e12)).padStart(12, '0')}\nlogsource: {product: linux, service: auth}\ndetection:\n${detection}\n  condition: ${condition}\nlevel: high\n`;
}

function nextRuleInput(real: string[]): { kind: string; text: string } {
  const r = int(100);
  if (r < 10) return { kind: 'random bytes', text: bytes(int(3000)).toString('utf8') };
  if (r < 60) return { kind: 'mutated rule', text: mutate(pick(real), ':- \n|*&!?{}[]"\'#%@,>`~\\') };
  if (r < 65) return { kind: 'billion laughs', text: laughs(8 + int(4), 8 + int(4)) };
  if (r < 70) {
    const n = 5000 + int(50_000);
    return { kind: 'deep YAML', text: pick(['[', '{a: ', '- ', '  '.repeat(1) + 'a:\n']).repeat(n) + 'x' };
  }
  if (r < 73) return { kind: 'huge file', text: rule(`  sel:\n    message|contains:\n${'      - "xxxxxxxxxxxxxxxxxxxxxxxx"\n'.repeat(120_000)}`) };
  if (r < 76) return { kind: 'many documents', text: `${pick(real)}\n---\n`.repeat(2000 + int(3000)) };
  if (r < 84) {
    const n = 1000 + int(20_000);
    return {
      kind: 'huge condition',
      text: rule('  sel: {message|contains: a}\n  sel2: {user: root}', pick(['sel and '.repeat(n) + 'sel', '('.repeat(n) + 'sel' + ')'.repeat(n), 'not '.repeat(n) + 'sel', '1 of sel* and '.repeat(n >> 2) + 'sel', '('.repeat(n)])),
    };
  }
  if (r < 92) {
    return {
      kind: 'pathological regex',
      text: rule(`  sel:\n    message|re: '${pick(['^(a+)+$', '(a|aa)+b', '(.*a){20}', '^(\\\\w+\\\\s?)*$', '(x+x+)+y', '[', '(?<=a)b', '\\\\1(a)', 'a{1000000}'])}'`),
    };
  }
  return {
    kind: 'wildcards and modifiers',
    text: rule(`  sel:\n    message|${pick(['contains', 'startswith', 'endswith', 'contains|all', 'base64offset|contains', 'wide|base64offset|contains', 'windash|contains', 'cidr', 'expand', 'fieldref', 'gt', 'exists'])}: '${pick(['*a*a*a*a*a*a*a*a*a*a*a*b', '?'.repeat(500), '%x%', '10.0.0.0/999', '', '\\\\*', '*'.repeat(1000)])}'`),
  };
}

function runSigma(): void {
  const real = ruleTexts();
  const drain = newDrain();
  const events: NormalizedEvent[] = [];
  const norm = new SourceNormalizer(drain, { name: 'fuzz', format: 'auto', head: [], referenceTime: Date.UTC(2024, 0, 1) });
  for (const l of [...LINES, 'Mar 27 13:08:09 h sshd[1]: ' + 'a'.repeat(50_000) + '!', 'Mar 27 13:08:09 h sshd[1]: Failed password for ' + 'x'.repeat(100_000) + ' from 1.2.3.4 port 1 ssh2']) {
    const e = norm.line(l).event;
    e.id = events.length + 1;
    events.push(e);
  }
  let n = 0;
  let loaded = 0;
  let failed = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    const input = nextRuleInput(real);
    say({ start: n, kind: input.kind });
    const t = performance.now();
    const engine = new SigmaEngine();
    const result = engine.loadText(input.text, `fuzz-${n}.yml`, 'fuzz');
    for (const f of result.failed) {
      if (f.reasons.length === 0 || f.reasons.some((r) => typeof r.reason !== 'string' || r.reason.length === 0)) throw new Error(`a failed rule without a reason: ${JSON.stringify(f).slice(0, 300)}`);
    }
    loaded += result.loaded.length;
    failed += result.failed.length;
    for (const e of events) engine.evaluate(e);
    engine.flush();
    say({ done: n, kind: input.kind, ms: performance.now() - t, loaded: result.loaded.length, failed: result.failed.length });
    n++;
  }
  say({ summary: { inputs: n, loaded, failed } });
}

try {
  say({ seed, target, budgetMs });
  if (target === 'normalize') runNormalize();
  else if (target === 'sigma') runSigma();
  else throw new Error(`unknown target ${target}`);
} catch (err) {
  say({ threw: (err as Error).stack ?? String(err) });
  process.exitCode = 2;
}
