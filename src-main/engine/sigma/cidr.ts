/** IPv4/IPv6 parsing into bigints and CIDR containment, for the cidr modifier. */

export interface Cidr {
  v6: boolean;
  network: bigint;
  mask: bigint;
}

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(input: string): bigint | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two 16-bit groups.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function parseIp(s: string): { v6: boolean; value: bigint } | null {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === null ? null : { v6: true, value: v };
  }
  const v = parseV4(t);
  return v === null ? null : { v6: false, value: v };
}

export function parseCidr(s: string): Cidr | null {
  const [addr, bitsText, extra] = s.trim().split('/');
  if (extra !== undefined || !addr) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const width = ip.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= width)) return null;
  const all = (1n << BigInt(width)) - 1n;
  const mask = bits === 0 ? 0n : (all << BigInt(width - bits)) & all;
  return { v6: ip.v6, network: ip.value & mask, mask };
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

export function cidrContains(c: Cidr, ipText: string): boolean {
  const ip = parseIp(ipText);
  if (!ip) return false;
  let value = ip.value;
  let v6 = ip.v6;
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d for IPv4 ranges.
  if (v6 && !c.v6 && value >> 32n === V4_MAPPED_PREFIX >> 32n) {
    value &= 0xffffffffn;
    v6 = false;
  }
  if (v6 !== c.v6) return false;
  return (value & c.mask) === c.network;
}
