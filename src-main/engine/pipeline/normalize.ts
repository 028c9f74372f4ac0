/**
 * Lines in, normalized events out: the chosen parser, the Drain miner and entity extraction, the
 * same for an import, the live collector and `vigil parse`. Holds no database; callers store.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { Drain } from '../parse/drain';
import { extractEntities, type Entity } from '../parse/entities';
import { maskMessage } from '../parse/mask';
import { createParseContext, createParser, sniffFormat, type LogFormat, type ParseContext, type SourceLineParser } from '../parse/sniff';
import type { JsonMapping } from '../parse/parsers/json-mapping';
import { parseRaw } from '../parse/parsers/raw';

export type FormatChoice = LogFormat | 'auto';

export interface NormalizedLine {
  event: NormalizedEvent;
  entities: Entity[];
  template: string;
}

export interface SourceOptions {
  /** Shown on each event as `source`: file path, archive member, listener. */
  name: string;
  format: FormatChoice;
  /** Lines to sniff the format from when `format` is auto. */
  head: readonly string[];
  /** Epoch ms that yearless timestamps are judged against (file mtime, receive time). */
  referenceTime: number;
  tzOffsetMinutes?: number;
  jsonMapping?: JsonMapping;
}

/** One source's parser and context, feeding a shared miner. */
export class SourceNormalizer {
  readonly format: LogFormat;
  private readonly parse: SourceLineParser;
  private readonly ctx: ParseContext;
  /** The last event time seen: a line without one (a stack trace, a continuation) takes it. */
  private lastTs: number | null = null;
  unparsed = 0;

  constructor(
    private readonly drain: Drain,
    opts: SourceOptions,
  ) {
    this.format = opts.format === 'auto' ? sniffFormat(opts.head, opts.name) : opts.format;
    // Raw chosen by the analyst means the whole line is the message; raw found by sniffing still
    // lets structured lines in a mixed file be recognised one by one.
    this.parse = opts.format === 'raw' ? parseRaw : createParser(this.format, opts.jsonMapping ? { jsonMapping: opts.jsonMapping } : {});
    this.ctx = createParseContext(opts.name, { referenceTime: opts.referenceTime, tzOffsetMinutes: opts.tzOffsetMinutes ?? 0 });
  }

  line(raw: string): NormalizedLine {
    const event = this.parse(raw, this.ctx);
    if (event.parser === 'raw') this.unparsed++;
    if (event.ts === null) event.ts = this.lastTs;
    else this.lastTs = event.ts;
    const masked = maskMessage(event.message, this.drain.options.maxTokens);
    const t = this.drain.addMasked(event.message, masked);
    event.template_id = t.clusterId;
    event.params = t.params;
    return { event, entities: extractEntities(event, masked), template: t.template };
  }
}

export function newDrain(): Drain {
  return new Drain();
}
