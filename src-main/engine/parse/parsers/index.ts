import type { NormalizedEvent } from '../../../../src-shared/event';
import type { LogFormat } from '../../../../src-shared/formats';
import type { LineParser, ParseContext } from './context';
import { parseRaw } from './raw';
import { FORMAT_PARSERS, type FormatRegistry, type ParserOptions } from './registry';

export { LOG_FORMATS, type LogFormat } from '../../../../src-shared/formats';
export type { ParserOptions } from './registry';

/** A per-source parser: always an event, falling back to a raw event when nothing fits. */
export type SourceLineParser = (line: string, ctx: ParseContext) => NormalizedEvent;

/**
 * The chosen format first, then the others in the registry's order, then raw. Every parser rejects
 * a foreign line within its first few characters (`{`, `<`, a month name, ` [`), so the fallbacks
 * cost little. A narrower reading (auth) is no fallback: the format it narrows is.
 */
export function createParser(format: LogFormat, options: ParserOptions = {}, registry: FormatRegistry = FORMAT_PARSERS): SourceLineParser {
  const order: LineParser[] = [];
  const chosen = registry[format];
  if (chosen) order.push(chosen.make(options));
  for (const [f, entry] of Object.entries(registry) as [LogFormat, NonNullable<FormatRegistry[LogFormat]>][]) {
    if (f === format || entry.narrows || chosen?.narrows?.format === f) continue;
    order.push(entry.make(options));
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
