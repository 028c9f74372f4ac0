import { describe, expect, it } from 'vitest';
import { isVariableToken, MAX_TOKEN_LENGTH, maskMessage, maskToken } from './mask';

function mask(token: string): [string, string[]] {
  const found: string[] = [];
  return [maskToken(token, found), found];
}

describe('maskToken', () => {
  it.each([
    // [token, masked, values]
    ['10.0.0.7', '<IP>', ['10.0.0.7']],
    ['10.0.0.7:22', '<IP>', ['10.0.0.7:22']],
    ['rhost=183.62.140.253', 'rhost=<IP>', ['183.62.140.253']],
    ['[10.1.2.3]', '[<IP>]', ['10.1.2.3']],
    ['/10.251.42.84:50010', '/<IP>', ['10.251.42.84:50010']],
    ['2001:db8::1', '<IP>', ['2001:db8::1']],
    ['[2001:db8::1]:443', '[<IP>]:<NUM>', ['2001:db8::1', '443']],
    ['fe80::1%eth0', '<IP>', ['fe80::1%eth0']],
    ['::ffff:1.2.3.4', '<IP>', ['::ffff:1.2.3.4']],
    ['00:1a:2b:3c:4d:5e', '<MAC>', ['00:1a:2b:3c:4d:5e']],
    ['00-1A-2B-3C-4D-5E', '<MAC>', ['00-1A-2B-3C-4D-5E']],
    ['550e8400-e29b-41d4-a716-446655440000', '<UUID>', ['550e8400-e29b-41d4-a716-446655440000']],
    ['0x1F', '<HEX>', ['0x1F']],
    ['0x14ed93111f20027', '<HEX>', ['0x14ed93111f20027']],
    ['QuorumServer@6cb8bf1c', 'QuorumServer@<HEX>', ['6cb8bf1c']],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', '<HEX>', ['da39a3ee5e6b4b0d3255bfef95601890afd80709']],
    ['42', '<NUM>', ['42']],
    ['-31,', '<NUM>,', ['-31']],
    ['3.14', '<NUM>', ['3.14']],
    ['12ms', '<NUM>', ['12ms']],
    ['3.5GB', '<NUM>', ['3.5GB']],
    ['80%', '<NUM>', ['80%']],
    ['uid=0', 'uid=<NUM>', ['0']],
    ['blk_-1608999687919862906', 'blk_<NUM>', ['-1608999687919862906']],
    ['audit(1122475266.428:2):', 'audit(<NUM>:<NUM>):', ['1122475266.428', '2']],
    ['/var/log/auth.log', '<PATH>', ['/var/log/auth.log']],
    ['/etc/hosts.', '<PATH>.', ['/etc/hosts']],
    ["'/dev/vcs2'", "'<PATH>'", ['/dev/vcs2']],
    ['C:\\Windows\\System32\\cmd.exe', '<PATH>', ['C:\\Windows\\System32\\cmd.exe']],
    ['https://Example.com:8443/a?b=1', '<URL>', ['https://Example.com:8443/a?b=1']],
    ['hdfs://10.10.34.11:9000/pjhe/test.txt', '<URL>', ['hdfs://10.10.34.11:9000/pjhe/test.txt']],
    ['bob@example.com', '<EMAIL>', ['bob@example.com']],
    ['(bhcompile@bugs.build.redhat.com)', '(<EMAIL>)', ['bhcompile@bugs.build.redhat.com']],
    ['2015-07-29', '<DATE>', ['2015-07-29']],
    ['2015-07-29T19:04:12.123Z', '<TS>', ['2015-07-29T19:04:12.123Z']],
    ['2015-07-29T19:04:12+02:00', '<TS>', ['2015-07-29T19:04:12+02:00']],
    ['19:04:12', '<TIME>', ['19:04:12']],
    ['19:04:12,345', '<TIME>', ['19:04:12,345']],
  ])('%s → %s', (token, masked, values) => {
    expect(mask(token)).toEqual([masked, values]);
  });

  it.each([
    'sshd',
    'ssh2',
    'tty2',
    '[preauth]',
    'v1.2.3.4',
    'workerEnv.init()',
    'pam_unix(sshd:auth):',
    'and/or',
    'deadbeef',
    'Jul',
    '<*>',
  ])('leaves %s alone', (token) => {
    expect(mask(token)).toEqual([token, []]);
  });

  it('rejects addresses that only look like one', () => {
    expect(mask('300.1.1.1')[0]).toBe('<NUM>'); // a dotted number, not an IP
    expect(mask('1.2.3.4.5')[0]).toBe('<NUM>');
    expect(mask('12:30:45')[0]).toBe('<TIME>'); // not IPv6
    expect(mask('1:2:3')[0]).not.toContain('<IP>');
    expect(mask('2nd')[0]).toBe('2nd');
  });

  it('masks over-long tokens whole', () => {
    const blob = 'A'.repeat(MAX_TOKEN_LENGTH + 1);
    expect(mask(blob)).toEqual(['<LONG>', [blob]]);
  });
});

describe('maskMessage', () => {
  it('tokenises on any whitespace run and keeps values per token', () => {
    const m = maskMessage('Failed password for root from 10.0.0.1\tport 22  ssh2');
    expect(m.tokens).toEqual(['Failed', 'password', 'for', 'root', 'from', '10.0.0.1', 'port', '22', 'ssh2']);
    expect(m.masked.join(' ')).toBe('Failed password for root from <IP> port <NUM> ssh2');
    expect(m.values[5]).toEqual(['10.0.0.1']);
    expect(m.values[7]).toEqual(['22']);
    expect(m.values[0]).toEqual([]);
  });

  it('handles empty and blank messages', () => {
    expect(maskMessage('').tokens).toEqual([]);
    expect(maskMessage('  \t ').tokens).toEqual([]);
  });

  it('folds the tail of a message beyond maxTokens into one wildcard token', () => {
    const m = maskMessage('a b c d e f', 3);
    expect(m.tokens).toEqual(['a', 'b', 'c d e f']);
    expect(m.masked).toEqual(['a', 'b', '<*>']);
    expect(m.values[2]).toEqual(['c d e f']);
  });
});

describe('isVariableToken', () => {
  it('is true for digits and placeholders only', () => {
    expect(isVariableToken('rhost=<IP>')).toBe(true);
    expect(isVariableToken('<*>')).toBe(true);
    expect(isVariableToken('ssh2')).toBe(true);
    expect(isVariableToken('<root>')).toBe(false);
    expect(isVariableToken('sshd')).toBe(false);
  });
});
