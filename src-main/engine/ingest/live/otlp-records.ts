/**
 * OTLP/JSON export requests to lines: one log record per line, with its resource and scope
 * attached, in the shape the JSON-lines parser maps as an OTel record (parse/parsers/otlp.ts).
 * Both the camelCase names of the OTLP/JSON encoding and the proto field names are read.
 */

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(holder: Json, ...names: string[]): unknown[] {
  for (const name of names) {
    const v = holder[name];
    if (Array.isArray(v)) return v;
  }
  return [];
}

function isZeroTime(v: unknown): boolean {
  return v === undefined || v === null || v === 0 || v === '0' || v === '';
}

export interface OtlpLines {
  lines: string[];
  /** Records that are not objects; OTLP reports them back as rejected. */
  rejected: number;
}

/**
 * `receivedAtMs` fills observedTimeUnixNano when the sender left it out, as an OpenTelemetry
 * collector would; an unset (zero) timeUnixNano is removed so the parser falls back to it
 * rather than reading the epoch.
 */
export function otlpRequestToLines(request: unknown, receivedAtMs: number): OtlpLines {
  if (!isObj(request)) throw new TypeError('an OTLP logs request must be a JSON object with "resourceLogs"');
  const out: OtlpLines = { lines: [], rejected: 0 };
  const observed = (BigInt(Math.floor(receivedAtMs)) * 1_000_000n).toString();
  for (const rl of list(request, 'resourceLogs', 'resource_logs')) {
    if (!isObj(rl)) continue;
    const resource = isObj(rl.resource) && rl.resource.attributes !== undefined ? { attributes: rl.resource.attributes } : undefined;
    for (const sl of list(rl, 'scopeLogs', 'scope_logs', 'instrumentationLibraryLogs')) {
      if (!isObj(sl)) continue;
      const scopeIn = isObj(sl.scope) ? sl.scope : isObj(sl.instrumentationLibrary) ? sl.instrumentationLibrary : undefined;
      for (const record of list(sl, 'logRecords', 'log_records')) {
        if (!isObj(record)) {
          out.rejected++;
          continue;
        }
        const line: Json = { ...record };
        if ('timeUnixNano' in line && isZeroTime(line.timeUnixNano)) delete line.timeUnixNano;
        if ('time_unix_nano' in line && isZeroTime(line.time_unix_nano)) delete line.time_unix_nano;
        if (isZeroTime(line.observedTimeUnixNano) && isZeroTime(line.observed_time_unix_nano)) {
          delete line.observed_time_unix_nano;
          line.observedTimeUnixNano = observed;
        }
        if (resource !== undefined) line.resource = resource;
        if (scopeIn !== undefined) line.scope = scopeIn;
        out.lines.push(JSON.stringify(line));
      }
    }
  }
  return out;
}
