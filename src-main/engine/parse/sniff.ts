import type { NormalizedEvent } from '../../../src-shared/event';
import { createParseContext } from './parsers/context';
import type { LineParser } from './parsers/context';
import type { LogFormat } from './parsers';
import { FORMAT_PARSERS, type FormatRegistry } from './parsers/registry';

export { createParser, parseLine, LOG_FORMATS } from './parsers';
export type { LogFormat, ParserOptions, SourceLineParser } from './parsers';
export { createParseContext } from './parsers/context';
export type { ParseContext, ParseContextOptions, LineParser, YearState } from './parsers/context';
export { loadMappingFile, validateMapping, JsonMappingError, ECS_MAPPING, OTEL_MAPPING } from './parsers/json-mapping';
export type { JsonMapping, MappingTarget } from './parsers/json-mapping';
export { FORMAT_PARSERS, type FormatParser, type FormatRegistry } from './parsers/registry';

/** Lines looked at; more adds time but rarely changes the answer. */
export const SNIFF_LINES = 50;
/** Below this share of fitting lines a file is raw: a few stray matches do not make a format. */
const MIN_SHARE = 0.3;

type Entry = NonNullable<FormatRegistry[LogFormat]>;
const readers = new WeakMap<FormatRegistry, [LogFormat, LineParser][]>();

/** The registry's formats that read lines on their own (not narrowings), strictest first. */
function readersOf(registry: FormatRegistry): [LogFormat, LineParser][] {
  let r = readers.get(registry);
  if (!r) {
    r = (Object.entries(registry) as [LogFormat, Entry][]).filter(([, e]) => !e.narrows).map(([f, e]) => [f, e.make({})]);
    readers.set(registry, r);
  }
  return r;
}

/**
 * Picks the format of a file or archive member from its first lines: the format that reads most
 * of them (ties to the stricter), then a narrower reading of it when its lines (or the file's
 * name) say so — an auth log among syslog files.
 */
export function sniffFormat(lines: readonly string[], fileName = '', registry: FormatRegistry = FORMAT_PARSERS): LogFormat {
  const ctx = createParseContext('sniff');
  const formats = readersOf(registry);
  const read = new Map<LogFormat, NormalizedEvent[]>(formats.map(([f]) => [f, []]));
  let seen = 0;
  for (const line of lines) {
    if (seen >= SNIFF_LINES) break;
    if (line.trim().length === 0) continue;
    seen++;
    for (const [f, parse] of formats) {
      const ev = parse(line, ctx);
      if (ev !== null) {
        read.get(f)!.push(ev);
        break;
      }
    }
  }
  let best: LogFormat = 'raw';
  let most = 0;
  for (const [f] of formats) {
    const n = read.get(f)!.length;
    if (n > most) [best, most] = [f, n];
  }
  if (seen === 0) return narrowing('syslog3164', [], fileName, registry) ?? 'raw';
  if (most < Math.max(1, seen * MIN_SHARE)) return 'raw';
  return narrowing(best, read.get(best)!, fileName, registry) ?? best;
}

/** The narrower reading of `format` that these lines call for, if any. */
function narrowing(format: LogFormat, events: readonly NormalizedEvent[], fileName: string, registry: FormatRegistry): LogFormat | null {
  for (const [f, e] of Object.entries(registry) as [LogFormat, Entry][]) if (e.narrows?.format === format && e.narrows.picks(events, fileName)) return f;
  return null;
}
