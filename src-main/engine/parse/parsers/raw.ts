import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { ParseContext } from './context';

/** The line as it is: message only, no time. Fits every line, so it is always the last resort. */
export function parseRaw(line: string, ctx: ParseContext): NormalizedEvent {
  return emptyEvent(line, ctx.source);
}
