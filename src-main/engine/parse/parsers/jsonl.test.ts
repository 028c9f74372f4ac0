import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createParseContext } from './context';
import { createJsonParser } from './jsonl';
import { JsonMappingError, loadMappingFile, validateMapping } from './json-mapping';

const ctx = createParseContext('app.jsonl', { referenceTime: Date.UTC(2024, 0, 1) });
const auto = createJsonParser();

describe('ECS', () => {
  test('nested ECS document', () => {
    const line = JSON.stringify({
      '@timestamp': '2024-05-01T10:20:30.123Z',
      message: 'GET /admin 403',
      host: { name: 'web-1', os: { family: 'debian' } },
      source: { ip: '198.51.100.4', port: 51234 },
      user: { name: 'ann' },
      event: { outcome: 'failure', action: 'http-request', dataset: 'nginx.access' },
      http: { request: { method: 'GET' }, response: { status_code: 403, body: { bytes: 153 } } },
      url: { path: '/admin' },
      user_agent: { original: 'curl/8.1' },
      log: { level: 'warn' },
      process: { pid: 42, name: 'nginx' },
      tags: ['a', 'b'],
    });
    const ev = auto(line, ctx)!;
    expect(ev).toMatchObject({
      parser: 'jsonl', ts: Date.UTC(2024, 4, 1, 10, 20, 30, 123), message: 'GET /admin 403', host: 'web-1',
      src_ip: '198.51.100.4', user: 'ann', outcome: 'failure', action: 'http-request', method: 'GET', status: 403,
      bytes: 153, path: '/admin', user_agent: 'curl/8.1', severity: 4, pid: 42, app: 'nginx', raw: line,
    });
    // Unmapped scalars stay, with dotted keys; mapped ones do not repeat.
    expect(ev.fields).toEqual({
      'host.os.family': 'debian', 'source.port': 51234, 'event.dataset': 'nginx.access', tags: '["a","b"]',
    });
  });

  test('flat dotted keys, as many shippers write ECS', () => {
    const ev = auto('{"@timestamp":"2024-05-01T10:20:30Z","host.name":"h","source.ip":"10.0.0.1","user.name":"bob","event.outcome":"success"}', ctx)!;
    expect(ev).toMatchObject({ host: 'h', src_ip: '10.0.0.1', user: 'bob', outcome: 'success', ts: Date.UTC(2024, 4, 1, 10, 20, 30) });
    expect(ev.fields).toEqual({});
  });

  test('generic app logs: epoch time, msg, pino level, zoneless time uses the default offset', () => {
    const pino = auto('{"level":50,"time":1714558830123,"pid":7,"hostname":"box","msg":"boom"}', ctx)!;
    expect(pino).toMatchObject({ severity: 3, ts: 1714558830123, pid: 7, host: 'box', message: 'boom' });
    const secs = auto('{"ts":1714558830,"msg":"x"}', ctx)!;
    expect(secs.ts).toBe(1714558830000);
    const local = auto('{"timestamp":"2024-05-01 10:00:00,5","message":"y"}', createParseContext('s', { tzOffsetMinutes: -300 }))!;
    expect(local.ts).toBe(Date.UTC(2024, 4, 1, 15, 0, 0, 500));
  });

  test('no message field: the message is the line', () => {
    const line = '{"a":1}';
    expect(auto(line, ctx)!.message).toBe(line);
  });

  test('status without outcome gives an outcome', () => {
    expect(auto('{"status":"502"}', ctx)!.outcome).toBe('failure');
    expect(auto('{"status":200}', ctx)!.outcome).toBe('success');
  });
});

describe('OpenTelemetry log records', () => {
  test('OTLP JSON record with AnyValue attributes and resource', () => {
    const line = JSON.stringify({
      timeUnixNano: '1714558830123456789',
      observedTimeUnixNano: '1714558831000000000',
      severityNumber: 17,
      severityText: 'ERROR',
      body: { stringValue: 'login failed' },
      attributes: [
        { key: 'enduser.id', value: { stringValue: 'carol' } },
        { key: 'client.address', value: { stringValue: '203.0.113.5' } },
        { key: 'http.response.status_code', value: { intValue: '401' } },
        { key: 'retry', value: { boolValue: true } },
        { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '2' }] } } },
      ],
      resource: { attributes: [{ key: 'host.name', value: { stringValue: 'api-1' } }, { key: 'service.name', value: { stringValue: 'auth-svc' } }] },
      traceId: '5b8efff798038103d269b633813fc60c',
    });
    const ev = auto(line, ctx)!;
    expect(ev).toMatchObject({
      ts: 1714558830123, severity: 3, message: 'login failed', user: 'carol', src_ip: '203.0.113.5', status: 401,
      outcome: 'failure', host: 'api-1', app: 'auth-svc',
    });
    expect(ev.fields).toMatchObject({ 'attributes.retry': true, 'attributes.tags': '["x",2]', traceId: '5b8efff798038103d269b633813fc60c' });
    expect(ev.fields['attributes.enduser.id']).toBeUndefined();
  });

  test('plain-object form and observed time fallback', () => {
    const ev = auto(JSON.stringify({
      observedTimeUnixNano: 1714558830000000000,
      severityText: 'WARN',
      body: 'disk almost full',
      attributes: { 'host.name': 'db-2', 'process.pid': 99 },
      resource: { 'service.name': 'pg' },
    }), ctx)!;
    expect(ev).toMatchObject({ ts: 1714558830000, severity: 4, message: 'disk almost full', host: 'db-2', app: 'pg', pid: 99 });
  });

  test('an export request line yields its first record and counts the rest', () => {
    const rec = (body: string) => ({ timeUnixNano: '1714558830000000000', severityNumber: 9, body: { stringValue: body } });
    const ev = auto(JSON.stringify({
      resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeLogs: [{ scope: { name: 'lib' }, logRecords: [rec('one'), rec('two')] }],
      }],
    }), ctx)!;
    expect(ev).toMatchObject({ message: 'one', app: 'svc', severity: 6 });
    expect(ev.fields.otel_records).toBe(2);
  });
});

describe('invalid input does not fit', () => {
  test.each(['', 'not json', '{"a":', '[1,2]', '"str"', '{"a":1} trailing', '{\u0000}'])('%j', (line) => {
    expect(auto(line, ctx)).toBeNull();
  });

  test('100k levels of nesting neither throw nor recurse', () => {
    const deepObj = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const ev = auto(deepObj, ctx)!;
    expect(ev.parser).toBe('jsonl');
    expect(Object.keys(ev.fields).length).toBe(0);
    const deepArr = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expect(auto(deepArr, ctx)!.parser).toBe('jsonl');
    const deepOtel = '{"body":' + '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(20_000) + '{"stringValue":"v"}' + '}]}}'.repeat(20_000) + ',"attributes":[]}';
    expect(auto(deepOtel, ctx)!.parser).toBe('jsonl');
  });
});

describe('custom mapping', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mapping-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  test('maps arbitrary keys with fallbacks, on top of a base', () => {
    const mapping = loadMappingFile(write('m.json', JSON.stringify({
      name: 'firewall',
      base: 'ecs',
      fields: {
        ts: 'when',
        src_ip: ['net.src', 'srcaddr'],
        user: 'actor.login',
        action: 'verdict',
        'logsource.product': 'vendor',
        'logsource.category': 'kind',
      },
    })));
    expect(mapping.fields.ts![0]).toBe('when');
    expect(mapping.fields.ts).toContain('@timestamp');
    const parse = createJsonParser({ mapping });
    const ev = parse('{"when":"2024-02-02T02:02:02Z","srcaddr":"192.0.2.9","actor":{"login":"dan"},"verdict":"deny","vendor":"acme","kind":"firewall","message":"m","extra":1}', ctx)!;
    expect(ev).toMatchObject({
      ts: Date.UTC(2024, 1, 2, 2, 2, 2), src_ip: '192.0.2.9', user: 'dan', action: 'deny', message: 'm',
      logsource: { product: 'acme', service: null, category: 'firewall' },
    });
    expect(ev.fields).toEqual({ extra: 1 });
  });

  test('otel severity scale in a custom mapping', () => {
    const parse = createJsonParser({ mapping: validateMapping({ fields: { severity: 'sev', message: 'text' }, severityScale: 'otel' }) });
    expect(parse('{"sev":21,"text":"t"}', ctx)!.severity).toBe(2);
  });

  test.each([
    ['[]', /must be a JSON object/],
    ['{"fields":{"usr":"u"}}', /fields."usr" is not a normalized field/],
    ['{"fields":{"user":""}}', /invalid path/],
    ['{"fields":{"user":"a..b"}}', /invalid path/],
    ['{"fields":{"user":[]}}', /non-empty array/],
    ['{"fields":{"user":[1]}}', /invalid path/],
    ['{"fields":{}}', /maps nothing/],
    ['{"base":"splunk","fields":{}}', /"base" must be/],
    ['{"fields":{"ts":"t"},"severityScale":"x"}', /"severityScale"/],
    ['{"fields":{"ts":"t"},"colour":"red"}', /unknown key "colour"/],
    ['{"fields":', /not valid JSON/],
  ])('bad mapping %s gives a clear error', (content, message) => {
    const p = write('bad.json', content);
    expect(() => loadMappingFile(p)).toThrow(JsonMappingError);
    expect(() => loadMappingFile(p)).toThrow(message);
    expect(() => loadMappingFile(p)).toThrow(p);
  });

  test('a missing file is a clear error', () => {
    expect(() => loadMappingFile(join(dir, 'nope.json'))).toThrow(/cannot read mapping file/);
  });
});
