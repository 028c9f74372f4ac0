/**
 * A hand-written decoder of the protobuf wire format for the OTLP logs request
 * (opentelemetry/proto/collector/logs/v1 ExportLogsServiceRequest and the messages it holds).
 * It yields the OTLP/JSON form (proto3 JSON mapping, with trace and span ids as hex as OTLP
 * specifies), so protobuf and JSON requests go through one path afterwards. Unknown fields are
 * skipped, as protobuf requires for forward compatibility.
 */

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/** AnyValue can nest arrays and maps; a hostile request must not exhaust the stack. */
const MAX_DEPTH = 32;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

type Json = Record<string, unknown>;

class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  private fail(what: string): never {
    throw new ProtobufError(`invalid protobuf at byte ${this.pos}: ${what}`);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a BigInt (int64/uint64 values may exceed 2^53). */
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end of its message');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A varint known to be small (tags, lengths, enums, counts); 32 bits suffice for all of them. */
  varint32(): number {
    let result = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end of its message');
      const b = this.buf[this.pos++]!;
      // Bits above 32 only carry the sign extension of negative int32 values; keep the low 32.
      if (i < 5) result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return i < 5 ? result % 2 ** 32 : result;
    }
    return this.fail('varint longer than 10 bytes');
  }

  tag(): { field: number; wire: number } {
    const t = this.varint32();
    const field = Math.floor(t / 8);
    if (field === 0) this.fail('field number 0');
    return { field, wire: t & 7 };
  }

  /** The bounds of a length-delimited field, checked against its enclosing message. */
  lengthDelimited(): [number, number] {
    const len = this.varint32();
    const start = this.pos;
    if (len > this.end - start) this.fail(`length ${len} runs past the end of its message`);
    this.pos = start + len;
    return [start, start + len];
  }

  fixed64(): bigint {
    if (this.end - this.pos < 8) this.fail('fixed64 runs past the end of its message');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getBigUint64(0, true);
  }

  double(): number {
    if (this.end - this.pos < 8) this.fail('double runs past the end of its message');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  fixed32(): number {
    if (this.end - this.pos < 4) this.fail('fixed32 runs past the end of its message');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getUint32(0, true);
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varintBig();
        return;
      case WIRE_I64:
        if (this.end - this.pos < 8) this.fail('fixed64 runs past the end of its message');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_I32:
        if (this.end - this.pos < 4) this.fail('fixed32 runs past the end of its message');
        this.pos += 4;
        return;
      default:
        this.fail(`wire type ${wire} (groups are not used by OTLP)`);
    }
  }

  /** A sub-reader over a length-delimited field. */
  sub(): Reader {
    const [start, end] = this.lengthDelimited();
    return new Reader(this.buf, start, end);
  }

  string(): string {
    const [start, end] = this.lengthDelimited();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start).toString('utf8');
  }

  bytes(): Buffer {
    const [start, end] = this.lengthDelimited();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start);
  }

  expect(wire: number, expected: number, field: string): boolean {
    if (wire === expected) return true;
    // A known field with an unexpected wire type is corrupt input, not a newer schema.
    return this.fail(`field ${field} has wire type ${wire}, expected ${expected}`);
  }
}

/** int64 from its two's-complement varint form. */
function signed64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

function anyValue(r: Reader, depth: number): Json {
  if (depth > MAX_DEPTH) throw new ProtobufError(`AnyValue nested deeper than ${MAX_DEPTH} levels`);
  let out: Json = {};
  while (!r.done) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LEN, 'AnyValue.string_value');
        out = { stringValue: r.string() };
        break;
      case 2:
        r.expect(wire, WIRE_VARINT, 'AnyValue.bool_value');
        out = { boolValue: r.varintBig() !== 0n };
        break;
      case 3:
        r.expect(wire, WIRE_VARINT, 'AnyValue.int_value');
        out = { intValue: signed64(r.varintBig()).toString() };
        break;
      case 4:
        r.expect(wire, WIRE_I64, 'AnyValue.double_value');
        out = { doubleValue: r.double() };
        break;
      case 5: {
        r.expect(wire, WIRE_LEN, 'AnyValue.array_value');
        const values: Json[] = [];
        const arr = r.sub();
        while (!arr.done) {
          const t = arr.tag();
          if (t.field === 1 && arr.expect(t.wire, WIRE_LEN, 'ArrayValue.values')) values.push(anyValue(arr.sub(), depth + 1));
          else arr.skip(t.wire);
        }
        out = { arrayValue: { values } };
        break;
      }
      case 6: {
        r.expect(wire, WIRE_LEN, 'AnyValue.kvlist_value');
        const values: Json[] = [];
        const list = r.sub();
        while (!list.done) {
          const t = list.tag();
          if (t.field === 1 && list.expect(t.wire, WIRE_LEN, 'KeyValueList.values')) values.push(keyValue(list.sub(), depth + 1));
          else list.skip(t.wire);
        }
        out = { kvlistValue: { values } };
        break;
      }
      case 7:
        r.expect(wire, WIRE_LEN, 'AnyValue.bytes_value');
        out = { bytesValue: r.bytes().toString('base64') };
        break;
      default:
        r.skip(wire);
    }
  }
  return out;
}

function keyValue(r: Reader, depth: number): Json {
  let key = '';
  let value: Json = {};
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && r.expect(wire, WIRE_LEN, 'KeyValue.key')) key = r.string();
    else if (field === 2 && r.expect(wire, WIRE_LEN, 'KeyValue.value')) value = anyValue(r.sub(), depth + 1);
    else r.skip(wire);
  }
  return { key, value };
}

/** Resource and InstrumentationScope share their attribute fields; scope adds name and version. */
function attributesHolder(r: Reader, withName: boolean): Json {
  const out: Json = {};
  const attributes: Json[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (withName && field === 1 && r.expect(wire, WIRE_LEN, 'InstrumentationScope.name')) out.name = r.string();
    else if (withName && field === 2 && r.expect(wire, WIRE_LEN, 'InstrumentationScope.version')) out.version = r.string();
    else if (field === (withName ? 3 : 1) && r.expect(wire, WIRE_LEN, 'attributes')) attributes.push(keyValue(r.sub(), 0));
    else if (field === (withName ? 4 : 2) && r.expect(wire, WIRE_VARINT, 'dropped_attributes_count')) out.droppedAttributesCount = r.varint32();
    else r.skip(wire);
  }
  if (attributes.length > 0) out.attributes = attributes;
  return out;
}

function logRecord(r: Reader): Json {
  const out: Json = {};
  const attributes: Json[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_I64, 'LogRecord.time_unix_nano');
        out.timeUnixNano = r.fixed64().toString();
        break;
      case 11:
        r.expect(wire, WIRE_I64, 'LogRecord.observed_time_unix_nano');
        out.observedTimeUnixNano = r.fixed64().toString();
        break;
      case 2:
        r.expect(wire, WIRE_VARINT, 'LogRecord.severity_number');
        out.severityNumber = r.varint32();
        break;
      case 3:
        r.expect(wire, WIRE_LEN, 'LogRecord.severity_text');
        out.severityText = r.string();
        break;
      case 5:
        r.expect(wire, WIRE_LEN, 'LogRecord.body');
        out.body = anyValue(r.sub(), 0);
        break;
      case 6:
        r.expect(wire, WIRE_LEN, 'LogRecord.attributes');
        attributes.push(keyValue(r.sub(), 0));
        break;
      case 7:
        r.expect(wire, WIRE_VARINT, 'LogRecord.dropped_attributes_count');
        out.droppedAttributesCount = r.varint32();
        break;
      case 8:
        r.expect(wire, WIRE_I32, 'LogRecord.flags');
        out.flags = r.fixed32();
        break;
      case 9:
        r.expect(wire, WIRE_LEN, 'LogRecord.trace_id');
        out.traceId = r.bytes().toString('hex');
        break;
      case 10:
        r.expect(wire, WIRE_LEN, 'LogRecord.span_id');
        out.spanId = r.bytes().toString('hex');
        break;
      case 12:
        r.expect(wire, WIRE_LEN, 'LogRecord.event_name');
        out.eventName = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  if (attributes.length > 0) out.attributes = attributes;
  return out;
}

function scopeLogs(r: Reader): Json {
  const out: Json = {};
  const logRecords: Json[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && r.expect(wire, WIRE_LEN, 'ScopeLogs.scope')) out.scope = attributesHolder(r.sub(), true);
    else if (field === 2 && r.expect(wire, WIRE_LEN, 'ScopeLogs.log_records')) logRecords.push(logRecord(r.sub()));
    else if (field === 3 && r.expect(wire, WIRE_LEN, 'ScopeLogs.schema_url')) out.schemaUrl = r.string();
    else r.skip(wire);
  }
  out.logRecords = logRecords;
  return out;
}

function resourceLogs(r: Reader): Json {
  const out: Json = {};
  const scopes: Json[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && r.expect(wire, WIRE_LEN, 'ResourceLogs.resource')) out.resource = attributesHolder(r.sub(), false);
    else if (field === 2 && r.expect(wire, WIRE_LEN, 'ResourceLogs.scope_logs')) scopes.push(scopeLogs(r.sub()));
    else if (field === 3 && r.expect(wire, WIRE_LEN, 'ResourceLogs.schema_url')) out.schemaUrl = r.string();
    else r.skip(wire);
  }
  out.scopeLogs = scopes;
  return out;
}

/** ExportLogsServiceRequest bytes to its OTLP/JSON form; throws ProtobufError on corrupt input. */
export function decodeExportLogsRequest(bytes: Uint8Array): { resourceLogs: Json[] } {
  const r = new Reader(bytes, 0, bytes.length);
  const out: Json[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && r.expect(wire, WIRE_LEN, 'ExportLogsServiceRequest.resource_logs')) out.push(resourceLogs(r.sub()));
    else r.skip(wire);
  }
  return { resourceLogs: out };
}

// The replies are tiny; encoding them by hand keeps the receiver free of a protobuf library.

function encodeVarint(n: number, out: number[]): void {
  let v = Math.floor(n);
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function encodeField(field: number, payload: Buffer, out: number[]): void {
  encodeVarint(field * 8 + WIRE_LEN, out);
  encodeVarint(payload.length, out);
  for (const b of payload) out.push(b);
}

/** ExportLogsServiceResponse, with partial_success only when records were rejected. */
export function encodeExportLogsResponse(rejected: number, message: string): Buffer {
  if (rejected === 0) return Buffer.alloc(0);
  const partial: number[] = [];
  encodeVarint(1 * 8 + WIRE_VARINT, partial);
  encodeVarint(rejected, partial);
  encodeField(2, Buffer.from(message, 'utf8'), partial);
  const out: number[] = [];
  encodeField(1, Buffer.from(partial), out);
  return Buffer.from(out);
}

/** google.rpc.Status, the body OTLP/HTTP asks for with every 4xx and 5xx reply. */
export function encodeStatus(code: number, message: string): Buffer {
  const out: number[] = [];
  encodeVarint(1 * 8 + WIRE_VARINT, out);
  encodeVarint(code, out);
  encodeField(2, Buffer.from(message, 'utf8'), out);
  return Buffer.from(out);
}
