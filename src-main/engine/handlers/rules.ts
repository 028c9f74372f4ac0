/** Handlers of the rules domain: Sigma packs, rules, hits and matches. */
import type { DomainHandlers, EngineContext } from '../engine';

export function rulesHandlers(_ctx: EngineContext): DomainHandlers<'rules'> {
  return {};
}
