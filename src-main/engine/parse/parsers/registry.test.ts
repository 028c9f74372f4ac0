/**
 * A new log format is a parser and a line in the registry: here a trivial `ts=… level=… msg=…`
 * format (logfmt-like) joins a copy of the registry, and the sniffer, a source's parser and its
 * fallbacks all use it, while the formats already there read their lines as before.
 */
import { describe, expect, it } from 'vitest';
import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { LogFormat } from '../../../../src-shared/formats';
import { createParseContext, type ParseContext } from './context';
import { createParser } from './index';
import { FORMAT_PARSERS, type FormatRegistry } from './registry';
import { sniffFormat } from '../sniff';

/** The new format's whole parser: a line of key=value pairs with a ts and a msg. */
function parseKv(line: string, ctx: ParseContext): NormalizedEvent | null {
  const m = /^ts=(\S+) level=(\w+) msg="([^"]*)"$/.exec(line);
  if (!m) return null;
  const ts = Date.parse(m[1]!);
  if (Number.isNaN(ts)) return null;
  const ev = emptyEvent(line, ctx.source);
  ev.ts = ts;
  ev.message = m[3]!;
  ev.fields.level = m[2]!;
  ev.parser = 'kv';
  return ev;
}

// The one registry line (a real format also adds its name to src-shared/formats.ts).
const WITH_KV = { ...FORMAT_PARSERS, ['kv' as LogFormat]: { make: () => parseKv } } as FormatRegistry;
const KV = 'kv' as LogFormat;

const kvLines = ['ts=2026-12-07T10:00:00Z level=info msg="started"', 'ts=2026-12-07T10:00:02Z level=warn msg="slow disk"'];
const authLine = 'Dec  7 10:00:03 web1 sshd[411]: Failed password for root from 203.0.113.9 port 52114 ssh2';

describe('the format registry', () => {
  it('sniffs, parses and falls back through a format added with one line', () => {
    expect(sniffFormat(kvLines, 'app.log')).toBe('raw');
    expect(sniffFormat(kvLines, 'app.log', WITH_KV)).toBe(KV);
    const ctx = createParseContext('app.log', { referenceTime: Date.UTC(2026, 11, 8) });
    const parse = createParser(KV, {}, WITH_KV);
    expect(parse(kvLines[1]!, ctx)).toMatchObject({ parser: 'kv', message: 'slow disk', fields: { level: 'warn' }, ts: Date.UTC(2026, 11, 7, 10, 0, 2) });
    // A line of another format in the same source still finds its parser; nothing fits: raw.
    expect(parse(authLine, ctx)).toMatchObject({ parser: 'auth', src_ip: '203.0.113.9', user: 'root' });
    expect(parse('just words', ctx)).toMatchObject({ parser: 'raw', ts: null });
    // And the other formats' sources read the new format's lines as it does.
    expect(createParser('access', {}, WITH_KV)(kvLines[0]!, ctx)).toMatchObject({ parser: 'kv' });
  });

  it('keeps a narrower reading (auth of syslog) for the files that call for it', () => {
    const syslog = 'Dec  7 10:00:04 web1 kernel: [ 12.345678] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex';
    expect(sniffFormat([authLine, authLine, syslog], 'messages')).toBe('auth');
    expect(sniffFormat([syslog, syslog, authLine], 'messages')).toBe('syslog3164');
    expect(sniffFormat([syslog, syslog, authLine], '/var/log/secure')).toBe('auth');
    expect(sniffFormat([], 'auth.log.1')).toBe('auth');
    expect(sniffFormat([], 'app.log')).toBe('raw');
  });
});
