/**
 * Conformance: one or more tests per value modifier, from the modifiers appendix and the rules
 * specification (General, String Wildcard, Escape Character, Special Field Values).
 */
import { describe, expect, it } from 'vitest';
import { SigmaEngine } from '../engine';
import { engineWith, ev, ruleYaml } from './helpers';
import type { NormalizedEvent } from '../../../../src-shared/event';

/** Does a one-selection rule with `selection` match an event carrying `fields`? */
function matches(selection: string, fields: NormalizedEvent['fields'] | NormalizedEvent, opts?: ConstructorParameters<typeof SigmaEngine>[0]): boolean {
  const engine = engineWith(ruleYaml(`selection:\n${selection.split('\n').map((l) => `    ${l}`).join('\n')}\ncondition: selection`), opts);
  const event = 'raw' in fields && 'logsource' in fields ? (fields as NormalizedEvent) : ev({ fields: fields as NormalizedEvent['fields'] });
  return engine.evaluate(event).length > 0;
}

function loadError(selection: string): string {
  const engine = new SigmaEngine();
  const res = engine.loadText(ruleYaml(`selection:\n${selection.split('\n').map((l) => `    ${l}`).join('\n')}\ncondition: selection`));
  expect(res.failed, 'rule should fail to load').toHaveLength(1);
  return res.failed[0]!.reasons.map((r) => `${r.field}: ${r.reason}`).join('\n');
}

describe('plain values (spec: General)', () => {
  it('matches whole values case-insensitively', () => {
    expect(matches("Image: 'C:\\Windows\\System32\\whoami.exe'", { Image: 'c:\\windows\\system32\\WHOAMI.EXE' })).toBe(true);
    expect(matches("Image: 'whoami.exe'", { Image: 'C:\\whoami.exe' })).toBe(false);
  });
  it('compares numbers as values', () => {
    expect(matches('EventID: 4624', { EventID: 4624 })).toBe(true);
    expect(matches('EventID: 4624', { EventID: '4624' })).toBe(true);
    expect(matches('EventID: 4624', { EventID: 46245 })).toBe(false);
  });
  it('a list of values is OR, a map is AND', () => {
    expect(matches('EventID:\n    - 517\n    - 1102', { EventID: 1102 })).toBe(true);
    expect(matches('EventLog: Security\nEventID: 517', { EventLog: 'security', EventID: 517 })).toBe(true);
    expect(matches('EventLog: Security\nEventID: 517', { EventLog: 'system', EventID: 517 })).toBe(false);
  });
  it('a missing field never matches a value', () => {
    expect(matches('Missing: foo', { Other: 'foo' })).toBe(false);
  });
});

describe('wildcards and escaping (spec: String Wildcard, Escape Character)', () => {
  it('* matches any run, ? exactly one character', () => {
    expect(matches("f: 'antivirus_V*.exe'", { f: 'antivirus_V21.2.1.exe' })).toBe(true);
    expect(matches("f: 'prog?.exe'", { f: 'progA.exe' })).toBe(true);
    expect(matches("f: 'prog?.exe'", { f: 'prog.exe' })).toBe(false);
    expect(matches("f: 'prog?.exe'", { f: 'progAB.exe' })).toBe(false);
    expect(matches("f: 'a*b*c'", { f: 'aXXbYYc' })).toBe(true);
    expect(matches("f: 'a*b*c'", { f: 'aXXcYYb' })).toBe(false);
  });
  it('\\* and \\? are literal wildcard characters', () => {
    expect(matches("f: 'a\\*b'", { f: 'a*b' })).toBe(true);
    expect(matches("f: 'a\\*b'", { f: 'aXb' })).toBe(false);
    expect(matches("f: 'what\\?'", { f: 'what?' })).toBe(true);
    expect(matches("f: 'what\\?'", { f: 'whatX' })).toBe(false);
  });
  it('a plain backslash may be single or double', () => {
    expect(matches("f: 'C:\\Windows'", { f: 'C:\\Windows' })).toBe(true);
    expect(matches("f: 'C:\\\\Windows'", { f: 'C:\\Windows' })).toBe(true);
  });
  it('\\\\* is a backslash followed by a wildcard', () => {
    expect(matches("f: 'dir\\\\*'", { f: 'dir\\anything' })).toBe(true);
    expect(matches("f: 'dir\\\\*'", { f: 'dirX' })).toBe(false);
  });
  it('\\\\\\* is a backslash and a plain star; four backslashes are two', () => {
    expect(matches("f: 'a\\\\\\*'", { f: 'a\\*' })).toBe(true);
    expect(matches("f: 'a\\\\\\*'", { f: 'a\\x' })).toBe(false);
    expect(matches("f: 'a\\\\\\\\b'", { f: 'a\\\\b' })).toBe(true);
  });
  it('many stars cannot make matching slow', () => {
    const t0 = Date.now();
    expect(matches(`f: '${'a*'.repeat(30)}b'`, { f: 'a'.repeat(20_000) })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('special values (spec: Special Field Values, Field Existence)', () => {
  it("'' matches only an empty value", () => {
    expect(matches("f: ''", { f: '' })).toBe(true);
    expect(matches("f: ''", { f: 'x' })).toBe(false);
    expect(matches("f: ''", {})).toBe(false);
  });
  it('null matches a missing or null field', () => {
    expect(matches('f: null', {})).toBe(true);
    expect(matches('f: null', { f: null })).toBe(true);
    expect(matches('f: null', { f: '' })).toBe(false);
  });
  it('null inside a list is invalid', () => {
    expect(loadError("f:\n    - ''\n    - null")).toMatch(/null cannot be part of a list/);
  });
  it('exists: true / false', () => {
    expect(matches('f|exists: true', { f: '' })).toBe(true);
    expect(matches('f|exists: true', { f: null })).toBe(true);
    expect(matches('f|exists: true', {})).toBe(false);
    expect(matches('f|exists: false', {})).toBe(true);
    expect(matches('f|exists: false', { f: 'x' })).toBe(false);
    expect(loadError('f|exists: maybe')).toMatch(/exists/);
  });
});

describe('generic modifiers', () => {
  it('contains', () => {
    expect(matches('f|contains: EVIL', { f: 'an evil thing' })).toBe(true);
    expect(matches('f|contains: evil', { f: 'an angel' })).toBe(false);
  });
  it('contains with many values uses the shared automaton and still answers per value', () => {
    const sel = 'f|contains:\n' + ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].map((w) => `    - ${w}`).join('\n');
    expect(matches(sel, { f: 'xx FOXTROT yy' })).toBe(true);
    expect(matches(sel, { f: 'golf hotel' })).toBe(false);
  });
  it('startswith / endswith', () => {
    expect(matches('f|startswith: adm', { f: 'ADMIN' })).toBe(true);
    expect(matches('f|startswith: adm', { f: 'badm' })).toBe(false);
    expect(matches("f|endswith: '\\cmd.exe'", { f: 'C:\\Windows\\CMD.exe' })).toBe(true);
    expect(matches("f|endswith: '\\cmd.exe'", { f: 'C:\\cmd.exe.bak' })).toBe(false);
  });
  it('contains keeps inner wildcards', () => {
    expect(matches("f|contains: 'a*c'", { f: 'xxabbbcxx' })).toBe(true);
    expect(matches("f|contains: 'a?c'", { f: 'xxabcxx' })).toBe(true);
    expect(matches("f|contains: 'a?c'", { f: 'xxabbcxx' })).toBe(false);
  });
  it('all turns the value list into AND', () => {
    const sel = "f|contains|all:\n    - ' -a '\n    - ' -b '";
    expect(matches(sel, { f: 'cmd -a -b x' })).toBe(true);
    expect(matches(sel, { f: 'cmd -a x' })).toBe(false);
  });
  it('all with a single value is rejected', () => {
    expect(loadError('f|contains|all: x')).toMatch(/all/);
  });
  it('cased matches case-sensitively', () => {
    expect(matches('f|cased: Admin', { f: 'Admin' })).toBe(true);
    expect(matches('f|cased: Admin', { f: 'admin' })).toBe(false);
    expect(matches('f|contains|cased: Evil', { f: 'so Evil' })).toBe(true);
    expect(matches('f|contains|cased: Evil', { f: 'so evil' })).toBe(false);
  });
  it('neq: the field differs from every value', () => {
    expect(matches('f|neq: a', { f: 'b' })).toBe(true);
    expect(matches('f|neq: a', { f: 'A' })).toBe(false);
    expect(matches('f|neq:\n    - a\n    - b', { f: 'b' })).toBe(false);
    expect(matches('f|neq:\n    - a\n    - b', { f: 'c' })).toBe(true);
  });
  it('unknown modifiers fail the rule with the modifier named', () => {
    expect(loadError("Image|foobar: '\\cmd.exe'")).toMatch(/detection\.selection\.Image\|foobar: unknown modifier 'foobar'/);
  });
});

describe('string modifiers', () => {
  it('windash: - / and the three dashes are interchangeable', () => {
    const sel = "f|windash|contains: ' -exec '";
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(matches(sel, { f: `x ${d}exec y` })).toBe(true);
    expect(matches(sel, { f: 'x +exec y' })).toBe(false);
    expect(matches("f|windash: '-a -b'", { f: '/a \u2013b' })).toBe(true);
  });
  it('re: a regular expression, case-sensitive by default, searched anywhere', () => {
    expect(matches("f|re: 'ab+c'", { f: 'xxabbbcxx' })).toBe(true);
    expect(matches("f|re: 'ab+c'", { f: 'xxABBCxx' })).toBe(false);
    expect(matches("f|re: '^ab$'", { f: 'ab' })).toBe(true);
    expect(matches("f|re: '^ab$'", { f: 'xab' })).toBe(false);
  });
  it('re|i, re|m, re|s', () => {
    expect(matches("f|re|i: 'ab+c'", { f: 'ABBC' })).toBe(true);
    expect(matches("f|re: '^b$'", { f: 'a\nb\nc' })).toBe(false);
    expect(matches("f|re|m: '^b$'", { f: 'a\nb\nc' })).toBe(true);
    expect(matches("f|re: 'a.b'", { f: 'a\nb' })).toBe(false);
    expect(matches("f|re|s: 'a.b'", { f: 'a\nb' })).toBe(true);
    expect(matches("f|re|i|m: '^B$'", { f: 'a\nb' })).toBe(true);
  });
  it('re rejects constructs RE2 cannot run in linear time, with the reason', () => {
    expect(loadError("f|re: '(?=a)b'")).toMatch(/lookaround and backreferences are not supported/);
    expect(loadError("f|re: '(a)\\1'")).toMatch(/not supported/);
    expect(loadError("f|re: '(?<!a)b'")).toMatch(/not supported/);
  });
  it('a catastrophic-backtracking pattern runs in linear time', () => {
    const t0 = Date.now();
    expect(matches("f|re: '^(a+)+$'", { f: `${'a'.repeat(5000)}!` })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('i, m and s are only valid after re', () => {
    expect(loadError('f|i: x')).toMatch(/only valid after 're'/);
  });
  it('re cannot follow a string modifier', () => {
    expect(loadError("f|contains|re: 'a'")).toMatch(/must apply to the plain value/);
  });
});

describe('encoding modifiers', () => {
  it('base64', () => {
    // "cmd" -> Y21k
    expect(matches('f|base64: cmd', { f: 'Y21k' })).toBe(true);
    expect(matches('f|base64|contains: cmd', { f: 'xxY21kxx' })).toBe(true);
    expect(matches('f|base64: cmd', { f: 'cmd' })).toBe(false);
  });
  it('base64offset finds the value at any byte offset of a base64 blob', () => {
    const value = 'http://evil';
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const blob = Buffer.from(`${prefix}${value} and more`).toString('base64');
      expect(matches(`f|base64offset|contains: '${value}'`, { f: blob }), `offset ${prefix.length}`).toBe(true);
    }
    expect(matches(`f|base64offset|contains: '${value}'`, { f: Buffer.from('http://good site').toString('base64') })).toBe(false);
  });
  it('base64 of a wildcard value is rejected', () => {
    expect(loadError("f|base64: 'a*'")).toMatch(/wildcards/);
  });
  it('utf16le / wide / utf16be / utf16 combined with base64', () => {
    const le = Buffer.from('cmd', 'utf16le').toString('base64');
    expect(matches('f|utf16le|base64: cmd', { f: le })).toBe(true);
    expect(matches('f|wide|base64: cmd', { f: le })).toBe(true);
    const be = Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64');
    expect(matches('f|utf16be|base64: cmd', { f: be })).toBe(true);
    const bom = Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64');
    expect(matches('f|utf16|base64: cmd', { f: bom })).toBe(true);
  });
  it('wide|base64offset|contains, the common PowerShell -enc pattern', () => {
    const blob = Buffer.from('IEX (New-Object Net.WebClient).DownloadString', 'utf16le').toString('base64');
    expect(matches("f|wide|base64offset|contains: 'Net.WebClient'", { f: `powershell -enc ${blob}` })).toBe(true);
  });
});

describe('numeric modifiers', () => {
  it('lt, lte, gt, gte', () => {
    expect(matches('n|lt: 10', { n: 9 })).toBe(true);
    expect(matches('n|lt: 10', { n: 10 })).toBe(false);
    expect(matches('n|lte: 10', { n: 10 })).toBe(true);
    expect(matches('n|gt: 10', { n: '11' })).toBe(true);
    expect(matches('n|gt: 10', { n: 10 })).toBe(false);
    expect(matches('n|gte: 10', { n: 10 })).toBe(true);
    expect(matches('n|gte: 10', { n: 'ten' })).toBe(false);
    expect(matches('n|gte: 10', {})).toBe(false);
  });
  it('a comparison needs a number', () => {
    expect(loadError('n|gt: ten')).toMatch(/needs a number/);
  });
});

describe('time modifiers', () => {
  const t = Date.UTC(2024, 2, 15, 13, 45); // Fri 15 Mar 2024 13:45 UTC, ISO week 11
  it('hour, minute, day, week, month, year extract from a date field', () => {
    expect(matches('ts|hour: 13', { ts: t })).toBe(true);
    expect(matches('ts|minute: 45', { ts: t })).toBe(true);
    expect(matches('ts|day: 15', { ts: t })).toBe(true);
    expect(matches('ts|week: 11', { ts: t })).toBe(true);
    expect(matches('ts|month: 3', { ts: '2024-03-15T13:45:00Z' })).toBe(true);
    expect(matches('ts|year: 2023', { ts: t })).toBe(false);
  });
  it('combine with comparisons (off-hours)', () => {
    expect(matches('ts|hour|gte: 20', { ts: Date.UTC(2024, 0, 1, 22) })).toBe(true);
    expect(matches('ts|hour|gte: 20', { ts: Date.UTC(2024, 0, 1, 9) })).toBe(false);
  });
});

describe('cidr', () => {
  it('IPv4', () => {
    expect(matches("ip|cidr: '10.0.0.0/8'", { ip: '10.1.2.3' })).toBe(true);
    expect(matches("ip|cidr: '10.0.0.0/8'", { ip: '11.1.2.3' })).toBe(false);
    expect(matches("ip|cidr: '172.16.0.0/12'", { ip: '172.31.255.255' })).toBe(true);
    expect(matches("ip|cidr: '172.16.0.0/12'", { ip: '172.32.0.1' })).toBe(false);
    expect(matches("ip|cidr: '0.0.0.0/0'", { ip: '8.8.8.8' })).toBe(true);
    expect(matches("ip|cidr: '10.0.0.0/8'", { ip: 'not an ip' })).toBe(false);
  });
  it('IPv6, including compressed forms and mapped IPv4', () => {
    expect(matches("ip|cidr: '2001:db8::/32'", { ip: '2001:DB8:0:0:1::1' })).toBe(true);
    expect(matches("ip|cidr: '2001:db8::/32'", { ip: '2001:db9::1' })).toBe(false);
    expect(matches("ip|cidr: 'fe80::/10'", { ip: 'fe80::1%eth0' })).toBe(true);
    expect(matches("ip|cidr: '::1/128'", { ip: '::1' })).toBe(true);
    expect(matches("ip|cidr: '192.168.0.0/16'", { ip: '::ffff:192.168.1.1' })).toBe(true);
  });
  it('a list is OR; a bad network fails the rule', () => {
    expect(matches("ip|cidr:\n    - '10.0.0.0/8'\n    - '192.168.0.0/16'", { ip: '192.168.3.4' })).toBe(true);
    expect(loadError("ip|cidr: '10.0.0.0/33'")).toMatch(/invalid CIDR/);
  });
  it('maps to src_ip for web events', () => {
    expect(matches("c-ip|cidr: '203.0.113.0/24'", ev({ src_ip: '203.0.113.7' }))).toBe(true);
  });
});

describe('expand (spec: Placeholders)', () => {
  const opts = { placeholders: { Administrators: ['root', 'adm_*'], Servers: ['srv*'] } };
  it('expands a placeholder into an OR of its values (which may hold wildcards)', () => {
    expect(matches('user|expand: "%Administrators%"', { user: 'root' }, opts)).toBe(true);
    expect(matches('user|expand: "%Administrators%"', { user: 'adm_bob' }, opts)).toBe(true);
    expect(matches('user|expand: "%Administrators%"', { user: 'bob' }, opts)).toBe(false);
  });
  it('keeps the text around placeholders and \\% as a literal percent', () => {
    expect(matches('h|expand: "\\\\%plain%Servers%"', { h: '%plainsrv01' }, opts)).toBe(true);
  });
  it('without expand, %name% is a literal value', () => {
    expect(matches('user: "%Administrators%"', { user: '%administrators%' }, opts)).toBe(true);
    expect(matches('user: "%Administrators%"', { user: 'root' }, opts)).toBe(false);
  });
  it('an unknown placeholder makes the rule fail to load (spec: must reject)', () => {
    const engine = new SigmaEngine();
    const res = engine.loadText(ruleYaml('selection:\n    user|expand: "%Nobody%"\ncondition: selection'));
    expect(res.failed[0]?.reasons[0]?.reason).toMatch(/placeholder %Nobody% has no values/);
  });
});

describe('fieldref', () => {
  it('compares two fields of the same event', () => {
    expect(matches('a|fieldref: b', { a: 'Bob', b: 'bob' })).toBe(true);
    expect(matches('a|fieldref: b', { a: 'bob', b: 'alice' })).toBe(false);
    expect(matches('a|fieldref: b', { a: 'bob' })).toBe(false);
  });
  it('with startswith / endswith / contains and neq', () => {
    expect(matches('a|fieldref|startswith: b', { a: 'bobby', b: 'bob' })).toBe(true);
    expect(matches('a|fieldref|endswith: b', { a: 'bobby', b: 'bob' })).toBe(false);
    expect(matches('a|fieldref|contains: b', { a: 'xbobx', b: 'bob' })).toBe(true);
    expect(matches('a|fieldref|neq: b', { a: 'bob', b: 'alice' })).toBe(true);
    expect(matches('a|fieldref|neq: b', { a: 'bob', b: 'bob' })).toBe(false);
  });
});
