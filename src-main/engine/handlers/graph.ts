/** Handlers of the graph domain. */
import type { DomainHandlers, EngineContext } from '../engine';

export function graphHandlers(_ctx: EngineContext): DomainHandlers<'graph'> {
  return {};
}
