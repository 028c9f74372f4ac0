import { AUTH_FIELDS, emptyEvent, type NormalizedEvent, type Outcome } from '../../../../src-shared/event';
import { pamService } from './auth/pam';
import { baseAppName } from './logsource';
import type { ParseContext } from './context';
import { epochToMs, parseIsoTimestamp } from './time';
import { compileMapping, ECS_MAPPING, OTEL_MAPPING, type CompiledMapping, type JsonMapping } from './json-mapping';
import { getPath } from './json-path';
import { flattenOtlp, unwrapOtlpEnvelope } from './otlp';

/** Unmapped values are copied into `fields` down to this depth and up to this many. */
const MAX_FLATTEN_DEPTH = 8;
const MAX_FIELDS = 256;
const MAX_ARRAY_ITEMS = 32;

type Scalar = string | number | boolean | null;

const SEVERITY_NAMES: Record<string, number> = {
  emerg: 0, emergency: 0, panic: 0,
  alert: 1,
  crit: 2, critical: 2, fatal: 2,
  err: 3, error: 3, severe: 3,
  warn: 4, warning: 4,
  notice: 5,
  info: 6, information: 6, informational: 6,
  debug: 7, trace: 7, verbose: 7, fine: 7,
};

const OUTCOMES: Record<string, Outcome> = {
  success: 'success', succeeded: 'success', ok: 'success', allowed: 'success', true: 'success',
  failure: 'failure', failed: 'failure', fail: 'failure', denied: 'failure', false: 'failure',
  unknown: 'unknown',
};

/** OpenTelemetry SeverityNumber (1-24 in six bands) to syslog severity. */
function otelSeverity(n: number): number | null {
  if (n < 1 || n > 24) return null;
  return [7, 7, 6, 4, 3, 2][Math.floor((n - 1) / 4)]!;
}

function toSeverity(v: unknown, scale: 'auto' | 'otel'): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (scale === 'otel') return otelSeverity(v);
    if (v >= 0 && v <= 7) return v;
    // Pino / Bunyan levels.
    if (v >= 10 && v <= 60 && v % 10 === 0) return [7, 7, 6, 4, 3, 2][v / 10 - 1]!;
    return null;
  }
  if (typeof v === 'string' && v.length > 0 && v.length < 20) {
    const name = SEVERITY_NAMES[v.toLowerCase().replace(/\d+$/, '')];
    if (name !== undefined) return name;
    if (/^\d+$/.test(v)) return toSeverity(Number(v), scale);
  }
  return null;
}

function toTime(v: unknown, ctx: ParseContext): number | null {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return epochToMs(Number(v));
  return parseIsoTimestamp(v, ctx.tzOffsetMinutes);
}

function toInt(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

function toText(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * Copies the scalars no mapping used into `fields` with dotted keys. Iterative and bounded in
 * depth and count, so deeply nested input cannot exhaust the stack or the heap.
 */
function flattenInto(root: Record<string, unknown>, mapped: readonly string[], fields: NormalizedEvent['fields']): void {
  let count = 0;
  const stack: [string, Record<string, unknown>, number][] = [['', root, 0]];
  while (stack.length > 0 && count < MAX_FIELDS) {
    const [prefix, obj, depth] = stack.pop()!;
    for (const key of Object.keys(obj)) {
      const path = prefix.length === 0 ? key : `${prefix}.${key}`;
      if (mapped.includes(path)) continue;
      const v = obj[key];
      if (isScalar(v)) {
        fields[path] = v;
        if (++count >= MAX_FIELDS) break;
      } else if (Array.isArray(v)) {
        if (v.length <= MAX_ARRAY_ITEMS && v.every(isScalar)) {
          fields[path] = JSON.stringify(v);
          if (++count >= MAX_FIELDS) break;
        }
      } else if (typeof v === 'object' && depth + 1 < MAX_FLATTEN_DEPTH) {
        stack.push([path, v as Record<string, unknown>, depth + 1]);
      }
    }
  }
}

function looksLikeOtel(o: Record<string, unknown>): boolean {
  return (
    'resourceLogs' in o || 'timeUnixNano' in o || 'observedTimeUnixNano' in o || 'severityNumber' in o ||
    'time_unix_nano' in o || ('body' in o && ('resource' in o || 'attributes' in o))
  );
}

const COMPILED_ECS = compileMapping(ECS_MAPPING);
const COMPILED_OTEL = compileMapping(OTEL_MAPPING);

export interface JsonParserOptions {
  /** A fixed mapping for every line; without one, each line picks OTel or ECS by its keys. */
  mapping?: JsonMapping;
}

/** JSON lines: one object per line, fields placed by a mapping; invalid JSON does not fit. */
export function createJsonParser(options: JsonParserOptions = {}): (line: string, ctx: ParseContext) => NormalizedEvent | null {
  const fixed = options.mapping === undefined ? null : compileMapping(options.mapping);
  return (line, ctx) => {
    let i = 0;
    while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (line.charCodeAt(i) !== 123 /* { */) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    let obj = parsed as Record<string, unknown>;
    const ev = emptyEvent(line, ctx.source);
    ev.parser = 'jsonl';
    const otel = fixed === null ? looksLikeOtel(obj) : fixed.severityScale === 'otel';
    if (otel) {
      const unwrapped = unwrapOtlpEnvelope(obj);
      if (unwrapped.records > 1) ev.fields.otel_records = unwrapped.records;
      obj = flattenOtlp(unwrapped.record);
    }
    const consumed = applyMapping(obj, fixed ?? (otel ? COMPILED_OTEL : COMPILED_ECS), ev, ctx);
    flattenInto(obj, consumed, ev.fields);
    applyJsonAuth(ev, ctx);
    return ev;
  };
}

/** Actions that JSON producers give a login (ECS event.action, app-specific names). */
const AUTH_ACTIONS: ReadonlySet<string> = new Set(['login', 'logon', 'log_in', 'auth', 'authentication', 'user_login', 'ssh_login', 'ssh_auth', 'logged-in', 'login_failed', 'login-failed']);

/**
 * A JSON event is an authentication attempt when its producer says so (ECS `event.category:
 * authentication`, or a login action) and gives a result; the service comes from the program.
 */
function applyJsonAuth(ev: NormalizedEvent, ctx: ParseContext): void {
  if (ev.outcome === 'unknown' || ev.fields[AUTH_FIELDS.service] !== undefined) return;
  const category = ev.fields['event.category'];
  const isAuth =
    (typeof category === 'string' && /\bauthentication\b/.test(category)) ||
    ev.logsource.category === 'authentication' ||
    (ev.action !== null && AUTH_ACTIONS.has(ev.action.toLowerCase()));
  if (!isAuth) return;
  const service = pamService(ev.app !== null ? baseAppName(ev.app) : null) ?? (ev.method !== null ? 'http' : 'other');
  ctx.auth.record(ev, { service, reporter: 'json', result: ev.outcome });
}

/** Fills the event from the mapping; returns the paths whose values were used. */
function applyMapping(obj: Record<string, unknown>, mapping: CompiledMapping, ev: NormalizedEvent, ctx: ParseContext): string[] {
  const consumed: string[] = [];
  for (const { target, paths } of mapping.targets) {
    for (const path of paths) {
      const v = getPath(obj, path);
      if (v === undefined || v === null) continue;
      if (assign(ev, target, v, mapping.severityScale, ctx)) {
        consumed.push(path.text);
        break;
      }
    }
  }
  if (ev.outcome === 'unknown' && ev.status !== null) ev.outcome = ev.status < 400 ? 'success' : 'failure';
  return consumed;
}

/** Puts one value in its normalized field; false when the value has the wrong shape. */
function assign(ev: NormalizedEvent, target: string, v: unknown, scale: 'auto' | 'otel', ctx: ParseContext): boolean {
  switch (target) {
    case 'ts': return (ev.ts = toTime(v, ctx)) !== null;
    case 'severity': return (ev.severity = toSeverity(v, scale)) !== null;
    case 'pid': return (ev.pid = toInt(v)) !== null;
    case 'status': return (ev.status = toInt(v)) !== null;
    case 'bytes': return (ev.bytes = toInt(v)) !== null;
    case 'outcome': {
      const o = OUTCOMES[String(v).toLowerCase()];
      if (o === undefined) return false;
      ev.outcome = o;
      return true;
    }
    case 'message': {
      const t = toText(v);
      if (t === null) return false;
      ev.message = t;
      return true;
    }
    case 'logsource.product':
    case 'logsource.service':
    case 'logsource.category': {
      const t = toText(v);
      if (t === null) return false;
      ev.logsource[target.slice(10) as 'product' | 'service' | 'category'] = t;
      return true;
    }
    default: {
      const t = toText(v);
      if (t === null) return false;
      (ev as unknown as Record<string, string>)[target] = t;
      return true;
    }
  }
}
