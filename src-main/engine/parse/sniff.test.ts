import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { splitLines } from './lines';
import { createParseContext, createParser, parseLine, sniffFormat, validateMapping } from './sniff';

const firstLines = (rel: string) => splitLines(readFileSync(join(SHARED_DATA, rel))).slice(0, 50).map((l) => l.text);

describeShared('sniffFormat on real files', [join(SHARED_DATA, 'elastic'), join(SHARED_DATA, 'loghub-2k')], () => {
  test.each([
    ['elastic/auth.log', 'auth'],
    ['elastic/apache_access.log', 'access'],
    ['loghub-2k/OpenSSH/OpenSSH_2k.log', 'auth'],
    ['loghub-2k/Linux/Linux_2k.log', 'auth'],
    ['loghub-2k/HDFS/HDFS_2k.log', 'raw'],
    ['loghub-2k/Spark/Spark_2k.log', 'raw'],
    ['loghub-2k/Zookeeper/Zookeeper_2k.log', 'raw'],
    // An Apache error log: read as one, its times and levels kept.
    ['loghub-2k/Apache/Apache_2k.log', 'weberror'],
  ])('%s is %s', (rel, format) => {
    expect(sniffFormat(firstLines(rel), rel)).toBe(format);
  });
});

describe('sniffFormat on fixtures', () => {
  const syslog = ['Mar  1 10:00:00 h kernel: a', 'Mar  1 10:00:01 h dhclient[5]: b', 'Mar  1 10:00:02 h sshd[9]: Server listening on :: port 22.'];
  test('plain syslog vs an auth log', () => {
    expect(sniffFormat(syslog, '/var/log/syslog')).toBe('syslog3164');
    expect(sniffFormat(syslog, '/var/log/auth.log')).toBe('auth');
    expect(sniffFormat(syslog, 'logs/secure-20240101')).toBe('auth');
    expect(sniffFormat(['Mar  1 10:00:00 h sudo:  a : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls'], 'x.log')).toBe('auth');
  });
  test('5424, JSON lines, raw, empty', () => {
    expect(sniffFormat(['<34>1 2024-01-01T00:00:00Z h app - - - hi', '', '<34>1 - h app - - - x'], 'a')).toBe('syslog5424');
    expect(sniffFormat(['{"message":"a"}', '{"message":"b"}', 'oops'], 'a.json')).toBe('jsonl');
    expect(sniffFormat(['hello', 'world'], 'a.txt')).toBe('raw');
    expect(sniffFormat([], 'a.txt')).toBe('raw');
    expect(sniffFormat([], 'auth.log')).toBe('auth');
  });
  test('a few stray matches do not make a format', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    lines.push('{"a":1}');
    expect(sniffFormat(lines, 'x')).toBe('raw');
  });
});

describe('createParser', () => {
  const ctx = () => createParseContext('src', { referenceTime: Date.UTC(2024, 5, 1) });

  test('falls back from the chosen format to the others, then raw', () => {
    const parse = createParser('access');
    const c = ctx();
    expect(parse('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1', c).parser).toBe('access');
    expect(parse('Mar  1 10:00:00 h sshd[1]: Invalid user x from 1.2.3.4', c).parser).toBe('auth');
    expect(parse('Mar  1 10:00:00 h kernel: x', c).logsource.service).toBe('syslog');
    expect(parse('<34>1 2024-01-01T00:00:00Z h app - - - hi', c).parser).toBe('syslog5424');
    expect(parse('{"message":"j"}', c).parser).toBe('jsonl');
    const raw = parse('just words', c);
    expect(raw).toMatchObject({ parser: 'raw', message: 'just words', raw: 'just words', ts: null, source: 'src' });
  });

  test('auth format gives non-auth apps the auth service', () => {
    expect(createParser('auth')('Mar  1 10:00:00 h kernel: x', ctx()).logsource.service).toBe('auth');
  });

  test('raw format still recognises structured lines', () => {
    expect(createParser('raw')('Mar  1 10:00:00 h kernel: x', ctx()).parser).toBe('syslog3164');
  });

  test('a custom JSON mapping is used', () => {
    const parse = createParser('jsonl', { jsonMapping: validateMapping({ fields: { user: 'who' } }) });
    expect(parse('{"who":"zed"}', ctx()).user).toBe('zed');
  });

  test('parseLine is the one-call entry point', () => {
    expect(parseLine('hello', ctx()).parser).toBe('raw');
    expect(parseLine('Mar  1 10:00:00 h su[1]: Successful su for root by ann', ctx(), 'auth').action).toBe('su');
  });
});
