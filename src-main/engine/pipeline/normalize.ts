/**
 * Lines in, normalized events out: the chosen parser, the Drain miner and entity extraction, the
 * same for an import, the live collector and `vigil parse`. Holds no database; callers store.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { Drain, newDrainHint, type DrainHint } from '../parse/drain';
import { extractEntities, isHttpEvent, messageEntities, newColumnMemo, type ColumnMemo, type Entity } from '../parse/entities';
import { maskMessage, type MaskedMessage } from '../parse/mask';
import { createParseContext, createParser, sniffFormat, type LogFormat, type ParseContext, type SourceLineParser } from '../parse/sniff';
import type { JsonMapping } from '../parse/parsers/json-mapping';
import { parseRaw } from '../parse/parsers/raw';
import { yearlessStamp } from '../parse/parsers/time';
import type { AssumedYears } from '../parse/parsers/context';

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
  /** Epoch ms no yearless timestamp is dated after (the file's or member's time, the receive time). */
  referenceTime: number;
  /** The source's last line, when it can be read before the rest (a file on disk). */
  lastLine?: string;
  tzOffsetMinutes?: number;
  jsonMapping?: JsonMapping;
}

/**
 * Work that depends on the message text alone, kept per distinct message: logs repeat their
 * messages heavily ("session closed for user root", "GET / HTTP/1.1"), and masking, the Drain
 * lookup and the message's entities are pure functions of it.
 */
interface MessageMemo {
  maxTokens: number;
  masked: MaskedMessage;
  /** Only on kept entries: a message seen once gains nothing from them. */
  hint: DrainHint | undefined;
  /** messageEntities() by (app === null) * 2 + http. */
  entities: (readonly Entity[] | undefined)[];
  /** Column entities last seen with this message (kept entries only). */
  cols: ColumnMemo | undefined;
}

/**
 * A message is kept on its second sighting only: `seen` holds just the text of messages met once,
 * so in high-cardinality logs the per-message work dies young instead of filling the memo with
 * objects the collector must copy and promote (keeping everything made such logs 2x slower).
 * Both are bounded by entry count, and only lines up to MEMO_MAX_LINE are kept (a kept message
 * may pin the line it was cut from); a full one is dropped whole, which only costs recomputation.
 */
const MEMO_ENTRIES = 8192;
const SEEN_ENTRIES = 8192;
const MEMO_MAX_LINE = 1024;
const memo = new Map<string, MessageMemo>();
const seen = new Set<string>();

function messageMemo(message: string, raw: string, maxTokens: number): MessageMemo {
  let e = memo.get(message);
  if (e !== undefined && e.maxTokens === maxTokens) return e;
  e = {
    maxTokens,
    masked: maskMessage(message, maxTokens),
    hint: undefined,
    entities: [undefined, undefined, undefined, undefined],
    cols: undefined,
  };
  if (raw.length <= MEMO_MAX_LINE) {
    if (seen.has(message)) {
      e.hint = newDrainHint();
      e.cols = newColumnMemo();
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(message, e);
    } else {
      if (seen.size >= SEEN_ENTRIES) seen.clear();
      seen.add(message);
    }
  }
  return e;
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
    this.ctx = createParseContext(opts.name, {
      referenceTime: opts.referenceTime,
      tzOffsetMinutes: opts.tzOffsetMinutes ?? 0,
      lastStamp: opts.lastLine === undefined ? null : yearlessStamp(opts.lastLine),
    });
  }

  /** The years given to yearless lines so far, or null when no line lacked a year. */
  assumedYears(): AssumedYears | null {
    const st = this.ctx.state;
    return st.firstYear === null || st.lastYear === null ? null : { first: st.firstYear, last: st.lastYear, futureKept: st.futureKept };
  }

  /**
   * Lines read before this parser's first (recent-lines.ts): parsed for what the parse context
   * remembers (processes, attempts, the year), then dropped: no template, no count, no output.
   */
  warm(lines: readonly string[]): void {
    for (const raw of lines) {
      const event = this.parse(raw, this.ctx);
      if (event.ts !== null) this.lastTs = event.ts;
    }
  }

  /**
   * One line. `receivedAt`, for a live line, is the time no yearless stamp may be dated after; such
   * a line is judged alone (its year from its own receive time, as a file's first line is from the
   * file's), and one without a time keeps none: the collector gives it its own receive time, not
   * the time of whatever line came before it from another sender.
   */
  line(raw: string, receivedAt?: number): NormalizedLine {
    if (receivedAt !== undefined) {
      this.ctx.referenceTime = receivedAt;
      this.ctx.state.year = null;
    }
    const event = this.parse(raw, this.ctx);
    if (event.parser === 'raw') this.unparsed++;
    if (receivedAt === undefined) {
      if (event.ts === null) event.ts = this.lastTs;
      else this.lastTs = event.ts;
    }
    const message = event.message;
    const m = messageMemo(message, raw, this.drain.options.maxTokens);
    const t = this.drain.addMasked(message, m.masked, m.hint);
    event.template_id = t.clusterId;
    event.params = t.params;
    const wantProcess = event.app === null;
    const http = isHttpEvent(event);
    const slot = (wantProcess ? 2 : 0) + (http ? 1 : 0);
    let fromMsg = m.entities[slot];
    if (fromMsg === undefined) {
      fromMsg = messageEntities(m.masked, wantProcess, http);
      m.entities[slot] = fromMsg;
    }
    return { event, entities: extractEntities(event, m.masked, fromMsg, raw.length <= MEMO_MAX_LINE ? m.cols : undefined), template: t.template };
  }
}

export function newDrain(): Drain {
  return new Drain();
}
