/** Field mapping (taxonomy -> NormalizedEvent) and logsource dispatch. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attackFromTags } from '../attack';
import { SigmaEngine } from '../engine';
import { resolveField } from '../field-mapping';
import { eventSources, logsourceApplies, normalizeRuleLogsource } from '../logsource';
import { checkRulePack } from '../rules-check';
import { auth, engineWith, ev, web } from './helpers';

describe('field mapping', () => {
  const e = web('/a/b.php?x=1', { method: 'POST', status: 403, user_agent: 'UA/1', src_ip: '1.2.3.4', user: 'bob', fields: { referrer: 'http://r', vhost: 'example.org' } });
  it.each([
    ['c-ip', '1.2.3.4'],
    ['cs-method', 'POST'],
    ['cs-uri-query', '/a/b.php?x=1'],
    ['cs-uri-stem', '/a/b.php'],
    ['c-uri', '/a/b.php?x=1'],
    ['c-uri-extension', 'php'],
    ['sc-status', 403],
    ['cs-user-agent', 'UA/1'],
    ['c-useragent', 'UA/1'],
    ['cs-username', 'bob'],
    ['cs-referer', 'http://r'],
    ['cs-host', 'example.org'],
    ['sc-bytes', 512],
  ])('%s', (name, value) => {
    expect(resolveField(name)(e)).toBe(value);
  });
  it('auth fields: User, ProcessName/Image, pid, keywords', () => {
    const a = auth('Accepted password for root', { user: 'root', app: 'sshd', pid: 42 });
    expect(resolveField('User')(a)).toBe('root');
    expect(resolveField('ProcessName')(a)).toBe('sshd');
    expect(resolveField('Image')(a)).toBe('sshd');
    expect(resolveField('ProcessId')(a)).toBe(42);
    // The raw syslog line ends with the message, so searching it alone covers both.
    expect(resolveField(null)(a)).toBe(a.raw);
    expect(resolveField(null)(ev({ message: 'm', raw: '{"msg":"m","x":1}' }))).toEqual(['m', '{"msg":"m","x":1}']);
  });
  it('a field the event carries under the Sigma name wins; unmapped names read fields, case-insensitively as a fallback', () => {
    const j = ev({ app: 'bash', fields: { Image: '/usr/bin/curl', CommandLine: 'curl x', ParentImage: '/bin/sh' } });
    expect(resolveField('Image')(j)).toBe('/usr/bin/curl');
    expect(resolveField('CommandLine')(j)).toBe('curl x');
    expect(resolveField('parentimage')(j)).toBe('/bin/sh');
    expect(resolveField('Nope')(j)).toBeUndefined();
  });
  it('null columns read as missing', () => {
    expect(resolveField('c-ip')(ev())).toBeUndefined();
  });
});

describe('logsource dispatch', () => {
  const applies = (rule: Parameters<typeof normalizeRuleLogsource>[0], e: ReturnType<typeof ev>) => logsourceApplies(normalizeRuleLogsource(rule), eventSources(e.logsource, e.app));
  const authEv = auth('x', { app: 'sshd' });
  const webEv = web('/');
  it('missing rule parts are wildcards', () => {
    expect(applies({ product: 'linux' }, authEv)).toBe(true);
    expect(applies({}, webEv)).toBe(true);
  });
  it('auth.log lines meet sshd, auth and linux rules, not process_creation or auditd', () => {
    expect(applies({ product: 'linux', service: 'sshd' }, authEv)).toBe(true);
    expect(applies({ product: 'linux', service: 'auth' }, authEv)).toBe(true);
    expect(applies({ product: 'linux', category: 'process_creation' }, authEv)).toBe(false);
    expect(applies({ product: 'linux', service: 'auditd' }, authEv)).toBe(false);
    expect(applies({ product: 'linux', service: 'sudo' }, authEv)).toBe(false);
    expect(applies({ product: 'linux', service: 'sudo' }, auth('x', { app: 'sudo' }))).toBe(true);
    expect(applies({ product: 'windows' }, authEv)).toBe(false);
  });
  it('web access lines meet webserver rules, not proxy rules', () => {
    expect(applies({ category: 'webserver' }, webEv)).toBe(true);
    expect(applies({ category: 'proxy' }, webEv)).toBe(false);
    expect(applies({ service: 'apache' }, webEv)).toBe(true);
    expect(applies({ service: 'nginx' }, webEv)).toBe(false);
  });
  it('synonyms', () => {
    expect(applies({ product: 'linux', service: 'auth' }, ev({ logsource: { product: 'Ubuntu', service: 'secure', category: null } }))).toBe(true);
    expect(applies({ category: 'webserver' }, ev({ logsource: { product: 'nginx', service: 'access_log', category: 'web' } }))).toBe(true);
  });
  it('an event with no logsource meets every rule', () => {
    expect(applies({ product: 'windows', category: 'process_creation' }, ev())).toBe(true);
  });
  it('the engine only evaluates rules whose logsource applies', () => {
    const engine = engineWith('title: W\nlogsource:\n    product: windows\ndetection:\n    k:\n        - secret\n    condition: k\n');
    expect(engine.evaluate(auth('a secret'))).toEqual([]);
    expect(engine.evaluate(ev({ message: 'a secret' }))).toHaveLength(1);
  });
});

describe('ATT&CK tags', () => {
  it('techniques, sub-techniques, tactics (v1 underscores and v2 dashes), groups, software', () => {
    expect(attackFromTags(['attack.t1110', 'attack.t1110.001', 'attack.credential-access', 'attack.privilege_escalation', 'attack.g0032', 'attack.s0154', 'cve.2021-44228'])).toEqual({
      techniques: ['T1110', 'T1110.001'],
      tactics: [
        { id: 'TA0006', name: 'Credential Access' },
        { id: 'TA0004', name: 'Privilege Escalation' },
      ],
      groups: ['G0032'],
      software: ['S0154'],
    });
  });
});

describe('engine façade', () => {
  const yaml = 'title: K\nid: 11111111-1111-4111-8111-111111111111\nauthor: Someone\nlevel: low\nlogsource:\n    product: linux\ndetection:\n    k:\n        - needle\n    condition: k\n';
  it('enable/disable and hit counts', () => {
    const engine = engineWith(yaml);
    const e = auth('a needle');
    expect(engine.evaluate(e)[0]).toMatchObject({ ruleId: '11111111-1111-4111-8111-111111111111', title: 'K', author: 'Someone', level: 'low', eventId: e.id, kind: 'rule' });
    expect(engine.setEnabled('11111111-1111-4111-8111-111111111111', false)).toBe(true);
    expect(engine.evaluate(e)).toEqual([]);
    engine.setEnabled('11111111-1111-4111-8111-111111111111', true);
    engine.evaluate(e);
    expect(engine.hitCounts()).toEqual({ '11111111-1111-4111-8111-111111111111': 2 });
    expect(engine.rules()[0]).toMatchObject({ hits: 2, enabled: true, kind: 'rule' });
    expect(engine.setEnabled('nope', false)).toBe(false);
  });
  it('errors() accumulates failures across loads', () => {
    const engine = new SigmaEngine();
    engine.loadText('title: broken\n', 'a.yml');
    engine.loadText('title: also\nlogsource: {}\n', 'b.yml');
    expect(engine.errors().map((f) => f.file)).toEqual(['a.yml', 'b.yml']);
  });
  it('a meta filter narrows the rules it names', () => {
    const engine = new SigmaEngine();
    engine.loadText(`${yaml}---\ntitle: Not from backup host\nlogsource:\n    product: linux\nfilter:\n    rules:\n        - 11111111-1111-4111-8111-111111111111\n    selection:\n        host: backup01\n    condition: not selection\n`, 'f.yml');
    expect(engine.evaluate(auth('a needle', { host: 'web01' }))).toHaveLength(1);
    expect(engine.evaluate(auth('a needle', { host: 'backup01' }))).toHaveLength(0);
  });
});

describe('rule packs', () => {
  it('load from a folder recursively, ignoring other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
    writeFileSync(join(dir, 'a_rule_file.yml'), 'title: A\nlogsource:\n    product: linux\ndetection:\n    k: [x]\n    condition: k\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignore me');
    const r = await checkRulePack(dir);
    expect(r.summary).toMatchObject({ loaded: 1, failed: 0 });
  });
  it('load from a zip, and report unsafe member names and oversize files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-zip-'));
    const zip = join(dir, 'pack.zip');
    writeFileSync(zip, buildZip([
      ['rules/good_rule_one.yml', 'title: Z\nlogsource:\n    product: linux\ndetection:\n    k: [x]\n    condition: k\n'],
      ['rules/bad_rule_one.yml', 'title: Bad\nlogsource:\n    product: linux\ndetection:\n    k:\n        f|nope: x\n    condition: k\n'],
      ['../evil.yml', 'title: E\n'],
      ['big.yml', `title: big\n#${'x'.repeat(3 * 1024 * 1024)}\n`],
    ]));
    const r = await checkRulePack(zip);
    expect(r.loaded.map((x) => x.title)).toEqual(['Z']);
    const why = r.failed.map((f) => `${f.file}: ${f.reasons[0]!.reason}`);
    expect(why).toEqual(
      expect.arrayContaining([
        "rules/bad_rule_one.yml: unknown modifier 'nope'",
        expect.stringMatching(/^\.\.\/evil\.yml: unsafe path/),
        expect.stringMatching(/^big\.yml: file is larger than/),
      ]),
    );
  });
});

/** A minimal stored (uncompressed) zip writer, enough for tests. */
function buildZip(entries: [string, string][]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    locals.push(local, nameBuf, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
