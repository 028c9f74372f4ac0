/**
 * OTLP/JSON log records carry values wrapped as AnyValue (`{stringValue: ..}`) and attributes as
 * `[{key, value}]` lists. These helpers turn them into plain objects so one mapping serves both
 * the OTLP wire form and the plain-object form collectors and SDKs also write.
 */

/** AnyValue nesting deeper than this is dropped rather than walked. */
const MAX_DEPTH = 16;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{stringValue}` / `{intValue}` / ... to a plain value; anything else is returned as is. */
function anyValue(v: unknown, depth: number): unknown {
  if (!isObj(v) || depth > MAX_DEPTH) return v;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) {
    const values = isObj(v.arrayValue) ? v.arrayValue.values : undefined;
    return Array.isArray(values) ? values.map((x) => anyValue(x, depth + 1)) : [];
  }
  if ('kvlistValue' in v) {
    const values = isObj(v.kvlistValue) ? v.kvlistValue.values : undefined;
    return keyValues(values, depth + 1);
  }
  return v;
}

/** `[{key, value}]` to `{key: value}`; an object is kept as it is (the plain form). */
function keyValues(list: unknown, depth: number): unknown {
  if (!Array.isArray(list)) return list;
  const out: Obj = {};
  for (const kv of list) {
    if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value, depth);
  }
  return out;
}

/** A log record with body and attributes (its own and its resource's/scope's) made plain. */
export function flattenOtlp(record: Obj): Obj {
  const out: Obj = { ...record };
  if ('body' in out) out.body = anyValue(out.body, 0);
  if ('attributes' in out) out.attributes = keyValues(out.attributes, 0);
  for (const holder of ['resource', 'scope'] as const) {
    const h = out[holder];
    if (isObj(h) && 'attributes' in h) out[holder] = { ...h, attributes: keyValues(h.attributes, 0) };
  }
  return out;
}

/**
 * An export request line (`{resourceLogs:[{resource, scopeLogs:[{scope, logRecords:[..]}]}]}`)
 * becomes its first record with the resource and scope attached; `records` counts all of them.
 */
export function unwrapOtlpEnvelope(obj: Obj): { record: Obj; records: number } {
  const rl = obj.resourceLogs;
  if (!Array.isArray(rl)) return { record: obj, records: 1 };
  let first: Obj | null = null;
  let records = 0;
  for (const r of rl) {
    if (!isObj(r) || !Array.isArray(r.scopeLogs)) continue;
    for (const s of r.scopeLogs) {
      if (!isObj(s) || !Array.isArray(s.logRecords)) continue;
      for (const rec of s.logRecords) {
        if (!isObj(rec)) continue;
        records++;
        if (first === null) first = { ...rec, resource: r.resource, scope: s.scope };
      }
    }
  }
  return first === null ? { record: obj, records: 0 } : { record: first, records };
}
