import { readFileSync } from 'node:fs';
import { compilePath, type CompiledPath } from './json-path';

/** Normalized fields a JSON mapping can fill. */
export const MAPPING_TARGETS = [
  'ts', 'host', 'app', 'pid', 'severity', 'message', 'src_ip', 'dst_ip', 'user', 'method', 'path',
  'status', 'bytes', 'user_agent', 'outcome', 'action',
  'logsource.product', 'logsource.service', 'logsource.category',
] as const;
export type MappingTarget = (typeof MAPPING_TARGETS)[number];

/**
 * Where each normalized field lives in a JSON object: dotted paths, first hit wins.
 * `severityScale: 'otel'` reads numeric severities as OpenTelemetry SeverityNumber (1-24).
 */
export interface JsonMapping {
  name: string;
  fields: Partial<Record<MappingTarget, string[]>>;
  severityScale?: 'auto' | 'otel';
}

export interface CompiledMapping {
  name: string;
  targets: { target: MappingTarget; paths: CompiledPath[] }[];
  severityScale: 'auto' | 'otel';
}

export class JsonMappingError extends Error {
  override name = 'JsonMappingError';
}

export const ECS_MAPPING: JsonMapping = {
  name: 'ecs',
  fields: {
    ts: ['@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 'event.created'],
    message: ['message', 'msg', 'event.original', 'log'],
    host: ['host.name', 'host.hostname', 'hostname', 'host'],
    app: ['process.name', 'service.name', 'app', 'application', 'program'],
    pid: ['process.pid', 'pid'],
    severity: ['log.syslog.severity.code', 'log.level', 'level', 'severity', 'loglevel'],
    src_ip: ['source.ip', 'client.ip', 'source.address', 'client.address', 'src_ip', 'remote_addr'],
    dst_ip: ['destination.ip', 'server.ip', 'dst_ip'],
    user: ['user.name', 'source.user.name', 'username', 'user'],
    method: ['http.request.method', 'method', 'request_method'],
    path: ['url.path', 'url.original', 'path', 'uri'],
    status: ['http.response.status_code', 'status', 'status_code'],
    bytes: ['http.response.body.bytes', 'http.response.bytes', 'bytes', 'body_bytes_sent'],
    user_agent: ['user_agent.original', 'http_user_agent', 'user_agent', 'userAgent'],
    outcome: ['event.outcome', 'outcome'],
    action: ['event.action', 'action'],
  },
};

export const OTEL_MAPPING: JsonMapping = {
  name: 'otel',
  severityScale: 'otel',
  fields: {
    ts: ['timeUnixNano', 'observedTimeUnixNano', 'time_unix_nano', 'observed_time_unix_nano', 'timestamp', 'time'],
    message: ['body'],
    severity: ['severityNumber', 'severity_number', 'severityText', 'severity_text'],
    host: ['resource.attributes.host.name', 'attributes.host.name', 'resource.host.name'],
    app: ['resource.attributes.service.name', 'attributes.service.name', 'resource.service.name'],
    pid: ['resource.attributes.process.pid', 'attributes.process.pid'],
    src_ip: ['attributes.client.address', 'attributes.source.address', 'attributes.net.peer.ip'],
    dst_ip: ['attributes.server.address', 'attributes.destination.address', 'attributes.net.host.ip'],
    user: ['attributes.enduser.id', 'attributes.user.name', 'attributes.enduser.name'],
    method: ['attributes.http.request.method', 'attributes.http.method'],
    path: ['attributes.url.path', 'attributes.http.target'],
    status: ['attributes.http.response.status_code', 'attributes.http.status_code'],
    user_agent: ['attributes.user_agent.original', 'attributes.http.user_agent'],
    outcome: ['attributes.event.outcome'],
    action: ['attributes.event.name', 'eventName'],
  },
};

export function compileMapping(mapping: JsonMapping): CompiledMapping {
  const targets: CompiledMapping['targets'] = [];
  for (const target of MAPPING_TARGETS) {
    const paths = mapping.fields[target];
    if (paths === undefined || paths.length === 0) continue;
    targets.push({ target, paths: paths.map(compilePath) });
  }
  return { name: mapping.name, targets, severityScale: mapping.severityScale ?? 'auto' };
}

const BASES: Record<string, JsonMapping> = { ecs: ECS_MAPPING, otel: OTEL_MAPPING };

/**
 * Checks a mapping read from a file and returns it in canonical form. Accepted shape:
 * `{ "name"?: string, "base"?: "ecs"|"otel"|"none", "severityScale"?: "auto"|"otel",
 *    "fields": { "<target>": "path" | ["path", "fallback", ...] } }`.
 * With a base, the file's paths come first and the base's follow as fallbacks.
 */
export function validateMapping(input: unknown, origin = 'mapping'): JsonMapping {
  const fail = (what: string): never => {
    throw new JsonMappingError(`${origin}: ${what}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('must be a JSON object');
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!['name', 'base', 'severityScale', 'fields'].includes(key)) {
      fail(`unknown key "${key}" (allowed: name, base, severityScale, fields)`);
    }
  }
  const name = obj.name ?? 'custom';
  if (typeof name !== 'string' || name.length === 0) fail('"name" must be a non-empty string');
  const baseName = obj.base ?? 'none';
  if (baseName !== 'none' && (typeof baseName !== 'string' || !(baseName in BASES))) {
    fail(`"base" must be "ecs", "otel" or "none", got ${JSON.stringify(baseName)}`);
  }
  const scale = obj.severityScale;
  if (scale !== undefined && scale !== 'auto' && scale !== 'otel') {
    fail(`"severityScale" must be "auto" or "otel", got ${JSON.stringify(scale)}`);
  }
  const rawFields = obj.fields;
  if (typeof rawFields !== 'object' || rawFields === null || Array.isArray(rawFields)) {
    fail('"fields" must be an object mapping normalized field names to JSON paths');
  }
  const base = baseName === 'none' ? undefined : BASES[baseName as string];
  const fields: JsonMapping['fields'] = {};
  for (const [target, value] of Object.entries(rawFields as Record<string, unknown>)) {
    if (!(MAPPING_TARGETS as readonly string[]).includes(target)) {
      fail(`fields."${target}" is not a normalized field (known: ${MAPPING_TARGETS.join(', ')})`);
    }
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) {
      fail(`fields."${target}" must be a path string or a non-empty array of path strings`);
    }
    for (const p of list as unknown[]) {
      if (typeof p !== 'string' || p.length === 0 || p.split('.').some((s) => s.length === 0)) {
        fail(`fields."${target}" has an invalid path ${JSON.stringify(p)} (use dotted keys like "user.name")`);
      }
    }
    fields[target as MappingTarget] = list as string[];
  }
  if (base !== undefined) {
    for (const target of MAPPING_TARGETS) {
      const own = fields[target] ?? [];
      const inherited = base.fields[target] ?? [];
      if (own.length + inherited.length > 0) fields[target] = [...own, ...inherited.filter((p) => !own.includes(p))];
    }
  } else if (Object.keys(fields).length === 0) {
    fail('"fields" maps nothing; give at least one field or a "base"');
  }
  return {
    name: name as string,
    fields,
    severityScale: (scale as 'auto' | 'otel' | undefined) ?? base?.severityScale ?? 'auto',
  };
}

/** Reads and validates a mapping file; every problem is a JsonMappingError naming the file. */
export function loadMappingFile(path: string): JsonMapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new JsonMappingError(`${path}: cannot read mapping file (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new JsonMappingError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateMapping(parsed, path);
}
