import { createParseContext } from './parsers/context';
import { parseSyslog5424 } from './parsers/syslog5424';
import { parseSyslog3164 } from './parsers/syslog3164';
import { parseAccess } from './parsers/access';
import { parseWebError } from './parsers/weberror';
import { createJsonParser } from './parsers/jsonl';
import type { LogFormat } from './parsers';

export { createParser, parseLine, LOG_FORMATS } from './parsers';
export type { LogFormat, ParserOptions, SourceLineParser } from './parsers';
export { createParseContext } from './parsers/context';
export type { ParseContext, ParseContextOptions, LineParser, YearState } from './parsers/context';
export { loadMappingFile, validateMapping, JsonMappingError, ECS_MAPPING, OTEL_MAPPING } from './parsers/json-mapping';
export type { JsonMapping, MappingTarget } from './parsers/json-mapping';

/** Lines looked at; more adds time but rarely changes the answer. */
export const SNIFF_LINES = 50;
/** Below this share of fitting lines a file is raw: a few stray matches do not make a format. */
const MIN_SHARE = 0.3;
/** Share of syslog lines from auth apps that makes a file an auth log. */
const AUTH_SHARE = 0.5;
const AUTH_FILE = /(^|[\\/])(auth|secure)(\.log)?([.-]\d+)?(\.gz)?$/i;

const sniffJson = createJsonParser();

/** Picks the format of a file or archive member from its first lines (and its name for auth logs). */
export function sniffFormat(lines: readonly string[], fileName = ''): LogFormat {
  const ctx = createParseContext('sniff');
  let seen = 0;
  let json = 0;
  let s5424 = 0;
  let s3164 = 0;
  let auth = 0;
  let access = 0;
  let weberror = 0;
  for (const line of lines) {
    if (seen >= SNIFF_LINES) break;
    if (line.trim().length === 0) continue;
    seen++;
    if (sniffJson(line, ctx) !== null) json++;
    else if (parseSyslog5424(line, ctx) !== null) s5424++;
    else if (parseAccess(line, ctx) !== null) access++;
    else if (parseWebError(line, ctx) !== null) weberror++;
    else {
      const ev = parseSyslog3164(line, ctx);
      if (ev !== null) {
        s3164++;
        if (ev.parser === 'auth') auth++;
      }
    }
  }
  if (seen === 0) return AUTH_FILE.test(fileName) ? 'auth' : 'raw';
  // Ties go to the stricter format, in this order.
  const ranked: [LogFormat, number][] = [['jsonl', json], ['syslog5424', s5424], ['access', access], ['weberror', weberror], ['syslog3164', s3164]];
  let best: [LogFormat, number] = ['raw', 0];
  for (const r of ranked) if (r[1] > best[1]) best = r;
  if (best[1] < Math.max(1, seen * MIN_SHARE)) return 'raw';
  if (best[0] === 'syslog3164' && (AUTH_FILE.test(fileName) || auth >= s3164 * AUTH_SHARE)) return 'auth';
  return best[0];
}
