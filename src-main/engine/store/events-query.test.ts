import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './events-query';

describe('toFtsQuery', () => {
  it('ANDs words and keeps IPs and phrases together', () => {
    expect(toFtsQuery('failed 10.0.0.1')).toBe('"failed" AND "10.0.0.1"');
    expect(toFtsQuery('"invalid user" admin')).toBe('"invalid user" AND "admin"');
  });

  it('makes a trailing * a prefix and takes FTS syntax literally', () => {
    expect(toFtsQuery('sshd*')).toBe('"sshd"*');
    expect(toFtsQuery('NEAR(a b) OR x"y')).toBe('"NEAR(a" AND "b)" AND "OR" AND "x""y"');
  });

  it('returns null when nothing searchable is left', () => {
    expect(toFtsQuery('   ')).toBeNull();
    expect(toFtsQuery('- * ""')).toBeNull();
  });
});
