/**
 * The protobuf bytes here are built by a tiny encoder written from the protobuf encoding spec
 * (varints, tags = field << 3 | wire type, length-delimited fields, little-endian fixed64), not by
 * a protobuf library, so the decoder is checked against the specification itself.
 */
import { describe, expect, it } from 'vitest';
import { createParseContext } from '../../parse/parsers/context';
import { createJsonParser } from '../../parse/parsers/jsonl';
import { decodeExportLogsRequest, encodeExportLogsResponse, encodeStatus, ProtobufError } from './otlp-protobuf';
import { otlpRequestToLines } from './otlp-records';

// --- a spec-level encoder for the test ---
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wire: number): number[] => varint(BigInt((field << 3) | wire));
const len = (field: number, payload: number[]): number[] => [...tag(field, 2), ...varint(BigInt(payload.length)), ...payload];
const str = (field: number, s: string): number[] => len(field, [...Buffer.from(s, 'utf8')]);
const vint = (field: number, n: bigint | number): number[] => [...tag(field, 0), ...varint(BigInt(n))];
function fixed64(field: number, n: bigint): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return [...tag(field, 1), ...b];
}
function double(field: number, x: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...tag(field, 1), ...b];
}
function fixed32(field: number, n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...tag(field, 5), ...b];
}
const kv = (key: string, value: number[]): number[] => [...str(1, key), ...len(2, value)];
const sv = (s: string): number[] => str(1, s);

const T = 1_700_000_000_123_456_789n;

function sampleRequest(): Buffer {
  const resource = [...len(1, kv('service.name', sv('checkout'))), ...len(1, kv('host.name', sv('web-01'))), ...vint(2, 0)];
  const scope = [...str(1, 'my.logger'), ...str(2, '1.2.3')];
  const record1 = [
    ...fixed64(1, T),
    ...fixed64(11, T + 5n),
    ...vint(2, 17), // ERROR
    ...str(3, 'ERROR'),
    ...len(5, sv('payment failed for alice')),
    ...len(6, kv('enduser.id', sv('alice'))),
    ...len(6, kv('http.response.status_code', vint(3, 502))),
    ...len(6, kv('retry', vint(2, 1))),
    ...len(6, kv('ratio', double(4, 0.25))),
    ...len(6, kv('neg', vint(3, -5n))),
    ...len(6, kv('tags', len(5, [...len(1, sv('a')), ...len(1, vint(3, 2))]))),
    ...len(6, kv('ctx', len(6, len(1, kv('k', sv('v')))))),
    ...len(6, kv('raw', str(7, '\x00\x01'))),
    ...fixed32(8, 1),
    ...len(9, [...Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex')]),
    ...len(10, [...Buffer.from('1112131415161718', 'hex')]),
    ...str(12, 'payment.failed'),
    // An unknown field of each wire type must be skipped.
    ...vint(99, 7),
    ...fixed64(98, 1n),
    ...str(97, 'future'),
    ...fixed32(96, 3),
  ];
  const record2 = [...fixed64(1, 0n), ...len(5, sv('no timestamp here'))];
  const scopeLogs = [...len(1, scope), ...len(2, record1), ...len(2, record2), ...str(3, 'https://schema')];
  const resourceLogs = [...len(1, resource), ...len(2, scopeLogs)];
  return Buffer.from(len(1, resourceLogs));
}

describe('OTLP protobuf decoding', () => {
  it('decodes every LogRecord field and AnyValue kind into the OTLP/JSON form', () => {
    const req = decodeExportLogsRequest(sampleRequest());
    // The decoded shape is plain JSON, checked field by field below; typing each level adds nothing.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rl = req.resourceLogs[0] as Record<string, any>;
    expect(rl.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'checkout' } },
      { key: 'host.name', value: { stringValue: 'web-01' } },
    ]);
    const sl = rl.scopeLogs[0];
    expect(sl.scope).toEqual({ name: 'my.logger', version: '1.2.3' });
    expect(sl.schemaUrl).toBe('https://schema');
    const r = sl.logRecords[0];
    expect(r.timeUnixNano).toBe(T.toString());
    expect(r.observedTimeUnixNano).toBe((T + 5n).toString());
    expect(r.severityNumber).toBe(17);
    expect(r.severityText).toBe('ERROR');
    expect(r.body).toEqual({ stringValue: 'payment failed for alice' });
    expect(r.flags).toBe(1);
    expect(r.traceId).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(r.spanId).toBe('1112131415161718');
    expect(r.eventName).toBe('payment.failed');
    const attrs = Object.fromEntries((r.attributes as { key: string; value: unknown }[]).map((a) => [a.key, a.value]));
    expect(attrs).toEqual({
      'enduser.id': { stringValue: 'alice' },
      'http.response.status_code': { intValue: '502' },
      retry: { boolValue: true },
      ratio: { doubleValue: 0.25 },
      neg: { intValue: '-5' },
      tags: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } },
      ctx: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
      raw: { bytesValue: Buffer.from('\x00\x01').toString('base64') },
    });
  });

  it('refuses truncated, mistyped and too deeply nested input with a clear error', () => {
    const good = sampleRequest();
    expect(() => decodeExportLogsRequest(good.subarray(0, good.length - 3))).toThrow(ProtobufError);
    expect(() => decodeExportLogsRequest(Buffer.from([...tag(1, 0), 1]))).toThrow(/wire type 0, expected 2/);
    expect(() => decodeExportLogsRequest(Buffer.from(tag(5, 3)))).toThrow(/groups/);
    let v = sv('deep');
    for (let i = 0; i < 40; i++) v = len(5, len(1, v));
    const deep = len(1, len(2, len(2, len(5, v))));
    expect(() => decodeExportLogsRequest(Buffer.from(deep))).toThrow(/nested deeper/);
    expect(decodeExportLogsRequest(Buffer.alloc(0))).toEqual({ resourceLogs: [] });
  });

  it('encodes the replies OTLP/HTTP expects', () => {
    expect(encodeExportLogsResponse(0, '')).toHaveLength(0);
    expect([...encodeExportLogsResponse(2, 'x')]).toEqual(len(1, [...vint(1, 2), ...str(2, 'x')]));
    expect([...encodeStatus(8, 'full')]).toEqual([...vint(1, 8), ...str(2, 'full')]);
  });
});

describe('OTLP records to lines', () => {
  const parse = createJsonParser();
  const ctx = createParseContext('otlp');

  it('emits one line per record that the JSON-lines parser maps as an OTel record', () => {
    const received = 1_800_000_000_000;
    const { lines, rejected } = otlpRequestToLines(decodeExportLogsRequest(sampleRequest()), received);
    expect(rejected).toBe(0);
    expect(lines).toHaveLength(2);
    const ev = parse(lines[0]!, ctx)!;
    expect(ev.message).toBe('payment failed for alice');
    expect(ev.ts).toBe(Number(T / 1_000_000n));
    expect(ev.severity).toBe(3);
    expect(ev.app).toBe('checkout');
    expect(ev.host).toBe('web-01');
    expect(ev.user).toBe('alice');
    expect(ev.status).toBe(502);
    // A zero timestamp falls back to the receive time rather than 1970.
    const ev2 = parse(lines[1]!, ctx)!;
    expect(ev2.message).toBe('no timestamp here');
    expect(ev2.ts).toBe(received);
    expect(ev2.host).toBe('web-01');
  });

  it('treats the protobuf and the JSON encodings of a request alike', () => {
    const json = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'web-01' } }] },
          scopeLogs: [{ scope: { name: 'my.logger', version: '1.2.3' }, logRecords: [{ timeUnixNano: T.toString(), severityNumber: 17, body: { stringValue: 'payment failed for alice' } }] }],
        },
      ],
    };
    const fromJson = parse(otlpRequestToLines(json, 0).lines[0]!, ctx)!;
    const fromProto = parse(otlpRequestToLines(decodeExportLogsRequest(sampleRequest()), 0).lines[0]!, ctx)!;
    for (const k of ['message', 'ts', 'severity', 'app', 'host'] as const) expect(fromJson[k]).toEqual(fromProto[k]);
  });

  it('counts records that are not objects', () => {
    const out = otlpRequestToLines({ resourceLogs: [{ scopeLogs: [{ logRecords: [1, { body: { stringValue: 'x' } }] }] }] }, 0);
    expect(out.rejected).toBe(1);
    expect(out.lines).toHaveLength(1);
    expect(() => otlpRequestToLines([], 0)).toThrow(/resourceLogs/);
  });
});
