/** OTLP/HTTP and webhook receivers over real HTTP on loopback. */
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createParseContext } from '../../parse/parsers/context';
import { createJsonParser } from '../../parse/parsers/jsonl';
import { Collector } from './collector';
import { listenerAddress, takeLines } from './live-test-support';
import { decodeExportLogsRequest } from './otlp-protobuf';

let collector: Collector | null = null;
afterEach(async () => {
  await collector?.stop();
  collector = null;
});

async function start(config: Record<string, unknown>): Promise<Collector> {
  collector = new Collector();
  await collector.start({ udp: { enabled: false }, tcp: { enabled: false }, ...config });
  return collector;
}

function url(c: Collector, source: string, path: string): string {
  return `http://${listenerAddress(c, source)}${path}`;
}

// A minimal OTLP request in protobuf, by hand (tag bytes: field << 3 | wire type).
function protoRequest(body: string): Buffer {
  const b = Buffer.from(body);
  const anyValue = Buffer.concat([Buffer.from([0x0a, b.length]), b]); // AnyValue.string_value
  const record = Buffer.concat([Buffer.from([0x2a, anyValue.length]), anyValue]); // LogRecord.body
  const key = Buffer.from('service.name');
  const val = Buffer.from([0x0a, 3, ...Buffer.from('api')]);
  const kv = Buffer.concat([Buffer.from([0x0a, key.length]), key, Buffer.from([0x12, val.length]), val]);
  const resource = Buffer.concat([Buffer.from([0x0a, kv.length]), kv]);
  const scopeLogs = Buffer.concat([Buffer.from([0x12, record.length]), record]);
  const rl = Buffer.concat([Buffer.from([0x0a, resource.length]), resource, Buffer.from([0x12, scopeLogs.length]), scopeLogs]);
  return Buffer.concat([Buffer.from([0x0a, rl.length]), rl]);
}

const jsonRequest = (...bodies: string[]): string =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeLogs: [{ logRecords: bodies.map((b) => ({ timeUnixNano: '1700000000000000000', body: { stringValue: b } })) }],
      },
    ],
  });

describe('OTLP/HTTP receiver', () => {
  const parse = createJsonParser();
  const ctx = createParseContext('otlp');

  it('takes protobuf, JSON and gzip-compressed requests, one line per record', async () => {
    const c = await start({ otlp: { enabled: true, port: 0 } });
    expect(decodeExportLogsRequest(protoRequest('x')).resourceLogs).toHaveLength(1);
    const r1 = await fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: protoRequest('from protobuf') });
    expect(r1.status).toBe(200);
    expect(r1.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await r1.arrayBuffer()).byteLength).toBe(0);
    const r2 = await fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonRequest('json a', 'json b') });
    expect(r2.status).toBe(200);
    expect(await r2.json()).toEqual({});
    const r3 = await fetch(url(c, 'otlp', '/v1/logs'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      body: gzipSync(protoRequest('gzipped')),
    });
    expect(r3.status).toBe(200);
    const got = await takeLines(c, 4);
    const events = got.map((m) => parse(m.line, ctx)!);
    expect(events.map((e) => e.message)).toEqual(['from protobuf', 'json a', 'json b', 'gzipped']);
    expect(events.every((e) => e.app === 'api')).toBe(true);
    expect(got[0]!.sender).toBe('127.0.0.1');
    expect(got.every((m) => m.source === 'otlp')).toBe(true);
  });

  it('answers bad requests with the right status and a Status body', async () => {
    const c = await start({ otlp: { enabled: true, port: 0 } });
    const post = (headers: Record<string, string>, body: string | Buffer, path = '/v1/logs') => fetch(url(c, 'otlp', path), { method: 'POST', headers, body });
    const bad = await post({ 'content-type': 'application/x-protobuf' }, Buffer.from([0x0a, 0x50, 0x01]));
    expect(bad.status).toBe(400);
    expect(Buffer.from(await bad.arrayBuffer()).toString()).toContain('not an OTLP logs request');
    const badJson = await post({ 'content-type': 'application/json' }, '{nope');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toMatch(/not valid JSON/);
    expect((await post({ 'content-type': 'text/plain' }, 'x')).status).toBe(415);
    expect((await post({ 'content-type': 'application/json', 'content-encoding': 'br' }, 'x')).status).toBe(415);
    expect((await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip')).status).toBe(400);
    expect((await post({ 'content-type': 'application/json' }, '{}', '/v1/traces')).status).toBe(404);
    expect((await fetch(url(c, 'otlp', '/v1/logs'))).status).toBe(405);
  });

  it('refuses a gzip bomb and an oversized body without buffering it', async () => {
    const c = await start({ otlp: { enabled: true, port: 0, maxBodyBytes: 64 * 1024 } });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const r = await fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(r.status).toBe(413);
    const big = await fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(100 * 1024) });
    expect(big.status).toBe(413);
  });

  it('answers 429 with Retry-After when the queue cannot take the whole request', async () => {
    const c = await start({ otlp: { enabled: true, port: 0 }, queue: { maxMessages: 3 } });
    const post = (n: number) =>
      fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonRequest(...Array.from({ length: n }, (_, i) => `r${i}`)) });
    expect((await post(2)).status).toBe(200);
    const full = await post(2);
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('1');
    expect((await post(10)).status).toBe(413);
    expect(c.takeBatch(10).map((m) => JSON.parse(m.line).body.stringValue)).toEqual(['r0', 'r1']);
    expect(c.stats().listeners[0]!.drops.queueFull).toBe(2);
  });

  it('checks a bearer token when one is configured', async () => {
    const token = 'otlp-token-0123456789';
    const c = await start({ otlp: { enabled: true, port: 0, auth: { kind: 'bearer', token } } });
    const post = (auth?: string) =>
      fetch(url(c, 'otlp', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: jsonRequest('t') });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer wrong')).status).toBe(401);
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect(c.stats().listeners[0]!.unauthorized).toBe(2);
  });
});

describe('webhook receiver', () => {
  const secret = 'webhook-secret-0123456789';
  const sign = (body: string | Buffer): string => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

  it('takes one object, an array, or JSON lines', async () => {
    const c = await start({ webhook: { enabled: true, port: 0 } });
    const post = (body: string) => fetch(url(c, 'webhook', '/webhook'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await (await post('{"msg":"one"}')).json()).toEqual({ accepted: 1, malformed: 0 });
    expect((await post('[{"msg":"two"},{"msg":"three"},"raw line"]')).status).toBe(200);
    const jl = await post('{"msg":"four"}\n\n{"msg":"five"}\nnot json\n');
    expect(await jl.json()).toEqual({ accepted: 2, malformed: 1 });
    expect((await post('   ')).status).toBe(400);
    expect((await post('not json at all')).status).toBe(400);
    const got = await takeLines(c, 6);
    expect(got.map((m) => m.line)).toEqual(['{"msg":"one"}', '{"msg":"two"}', '{"msg":"three"}', 'raw line', '{"msg":"four"}', '{"msg":"five"}']);
    expect(c.stats().listeners[0]!.drops.malformed).toBe(2);
  });

  it('accepts a correct bearer token and refuses a wrong or missing one', async () => {
    const token = 'hook-token-0123456789';
    const c = await start({ webhook: { enabled: true, port: 0, auth: { kind: 'bearer', token } } });
    const post = (headers: Record<string, string>) => fetch(url(c, 'webhook', '/webhook'), { method: 'POST', headers, body: '{"a":1}' });
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: string }).error).toMatch(/missing "Authorization: Bearer/);
    expect((await post({ authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect(c.takeBatch(10)).toHaveLength(1);
  });

  it('checks an HMAC-SHA256 signature over the raw body in the configured header', async () => {
    const c = await start({ webhook: { enabled: true, port: 0, auth: { kind: 'hmac', secret, header: 'X-Signature' } } });
    const post = (body: string | Buffer, headers: Record<string, string>) => fetch(url(c, 'webhook', '/webhook'), { method: 'POST', headers, body });
    const body = '{"event":"login","user":"alice"}';
    expect((await post(body, { 'x-signature': sign(body) })).status).toBe(200);
    expect((await post(body, { 'x-signature': createHmac('sha256', secret).update(body).digest('base64') })).status).toBe(200);
    expect((await post(body + ' ', { 'x-signature': sign(body) })).status).toBe(401);
    expect((await post(body, { 'x-signature': sign('{"event":"other"}') })).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': sign(body) })).status).toBe(401);
    expect((await post(body, { 'x-signature': 'nonsense' })).status).toBe(401);
    // Signed over the compressed bytes or over the JSON, either way it is the sender's.
    const gz = gzipSync(body);
    expect((await post(gz, { 'x-signature': sign(gz), 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post(gz, { 'x-signature': sign(body), 'content-encoding': 'gzip' })).status).toBe(200);
    expect(c.takeBatch(10)).toHaveLength(4);
    expect(c.stats().listeners[0]!.unauthorized).toBe(4);
  });

  it('is off by default, on loopback by default, and refuses to be exposed without auth', async () => {
    const c = new Collector();
    const stats = await c.start({ udp: { enabled: false }, tcp: { enabled: false } });
    expect(stats.listeners).toEqual([]);
    await c.stop();
    await expect(c.start({ webhook: { enabled: true, host: '0.0.0.0' } })).rejects.toThrow(/needs auth/);
    await expect(c.start({ otlp: { enabled: true, host: '::' } })).rejects.toThrow(/needs auth/);
    collector = await start({ webhook: { enabled: true, port: 0 } });
    expect(listenerAddress(collector, 'webhook')).toMatch(/^127\.0\.0\.1:/);
  });
});
