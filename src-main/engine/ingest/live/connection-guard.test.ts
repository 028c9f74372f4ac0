import { describe, expect, it } from 'vitest';
import { senderKey } from './connection-guard';

describe('senderKey', () => {
  it('counts an IPv4 address on its own and an IPv6 address by its /64, whatever its spelling', () => {
    expect(senderKey('203.0.113.7')).toBe('203.0.113.7');
    expect(senderKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(senderKey('2001:db8:1:2::1')).toBe('2001:0db8:0001:0002::/64');
    expect(senderKey('2001:db8:1:2:ffff:1:2:3')).toBe(senderKey('2001:0DB8:0001:0002::9'));
    expect(senderKey('2001:db8:1:3::1')).not.toBe(senderKey('2001:db8:1:2::1'));
    expect(senderKey('unknown')).toBe('unknown');
  });
});
