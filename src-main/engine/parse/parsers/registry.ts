/**
 * The parsers of every log format, in one list. A new format is its parser file, its name in
 * `src-shared/formats.ts`, and a line here (the compiler asks for it). The list's order is the
 * strictness order: the sniffer counts a line for the first format that reads it and breaks ties
 * towards the earlier one, and a source's parser falls back through the others in this order.
 */
import type { NormalizedEvent } from '../../../../src-shared/event';
import type { LogFormat } from '../../../../src-shared/formats';
import type { LineParser, ParseContext } from './context';
import type { JsonMapping } from './json-mapping';
import { parseAccess } from './access';
import { createJsonParser } from './jsonl';
import { parseSyslog3164 } from './syslog3164';
import { parseSyslog5424 } from './syslog5424';
import { parseWebError } from './weberror';

export interface ParserOptions {
  /** Mapping for JSON lines; without one each line is read as OTel or ECS by its keys. */
  jsonMapping?: JsonMapping;
}

export interface FormatParser {
  /** Reads one line of the format, or null when the line is not one. */
  make(options: ParserOptions): LineParser;
  /**
   * A narrower reading of another format's lines (auth of syslog): it is no fallback of its own, and
   * the sniffer picks it over that format when `picks` says so of the lines that format read (or
   * of the file name alone, for an empty file).
   */
  narrows?: { format: LogFormat; picks(read: readonly NormalizedEvent[], fileName: string): boolean };
}

/** Share of syslog lines from auth apps that makes a file an auth log. */
const AUTH_SHARE = 0.5;
const AUTH_FILE = /(^|[\\/])(auth|secure)(\.log)?([.-]\d+)?(\.gz)?$/i;

export type FormatRegistry = Partial<Record<LogFormat, FormatParser>>;

/** Every format but raw (what a line no parser reads becomes), strictest first. */
export const FORMAT_PARSERS = {
  jsonl: { make: (o) => createJsonParser(o.jsonMapping === undefined ? {} : { mapping: o.jsonMapping }) },
  syslog5424: { make: () => parseSyslog5424 },
  access: { make: () => parseAccess },
  weberror: { make: () => parseWebError },
  syslog3164: { make: () => (line: string, ctx: ParseContext) => parseSyslog3164(line, ctx, 'syslog') },
  auth: {
    make: () => (line: string, ctx: ParseContext) => parseSyslog3164(line, ctx, 'auth'),
    narrows: {
      format: 'syslog3164',
      picks: (read, fileName) => AUTH_FILE.test(fileName) || (read.length > 0 && read.filter((e) => e.parser === 'auth').length >= read.length * AUTH_SHARE),
    },
  },
} satisfies Record<Exclude<LogFormat, 'raw'>, FormatParser> as FormatRegistry;
