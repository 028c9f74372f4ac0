import type { NormalizedEvent } from '../../../../src-shared/event';
import type { LineParser, ParseContext } from './context';
import { parseSyslog5424 } from './syslog5424';
import { parseSyslog3164 } from './syslog3164';
import { parseAccess } from './access';
import { parseWebError } from './weberror';
import { createJsonParser } from './jsonl';
import { parseRaw } from './raw';
import type { JsonMapping } from './json-mapping';

import type { LogFormat } from '../../../../src-shared/formats';

export { LOG_FORMATS, type LogFormat } from '../../../../src-shared/formats';

export interface ParserOptions {
  /** Mapping for JSON lines; without one each line is read as OTel or ECS by its keys. */
  jsonMapping?: JsonMapping;
}

/** A per-source parser: always an event, falling back to a raw event when nothing fits. */
export type SourceLineParser = (line: string, ctx: ParseContext) => NormalizedEvent;

const parseSyslog = (line: string, ctx: ParseContext) => parseSyslog3164(line, ctx, 'syslog');
const parseAuth = (line: string, ctx: ParseContext) => parseSyslog3164(line, ctx, 'auth');

/**
 * The chosen format first, then the others, then raw. Every parser rejects a foreign line within
 * its first few characters (`{`, `<`, a month name, ` [`), so the fallbacks cost little.
 */
export function createParser(format: LogFormat, options: ParserOptions = {}): SourceLineParser {
  const byFormat: Record<Exclude<LogFormat, 'raw'>, LineParser> = {
    jsonl: createJsonParser(options.jsonMapping === undefined ? {} : { mapping: options.jsonMapping }),
    syslog5424: parseSyslog5424,
    syslog3164: parseSyslog,
    auth: parseAuth,
    access: parseAccess,
    weberror: parseWebError,
  };
  const order: LineParser[] = [];
  if (format !== 'raw') order.push(byFormat[format]);
  for (const f of ['syslog5424', 'syslog3164', 'access', 'weberror', 'jsonl'] as const) {
    if (f === format || (f === 'syslog3164' && format === 'auth')) continue;
    order.push(byFormat[f]);
  }
  const n = order.length;
  return (line, ctx) => {
    for (let k = 0; k < n; k++) {
      const ev = order[k]!(line, ctx);
      if (ev !== null) return ev;
    }
    return parseRaw(line, ctx);
  };
}

const defaultParsers = new Map<LogFormat, SourceLineParser>();

/** One line with the default parser of `format` (no custom mapping). Never null, never throws on input. */
export function parseLine(line: string, ctx: ParseContext, format: LogFormat = 'raw'): NormalizedEvent {
  let parser = defaultParsers.get(format);
  if (parser === undefined) {
    parser = createParser(format);
    defaultParsers.set(format, parser);
  }
  return parser(line, ctx);
}
