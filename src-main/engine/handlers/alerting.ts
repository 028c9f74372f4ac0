/** Handlers of the alerting domain. */
import type { DomainHandlers, EngineContext } from '../engine';

export function alertingHandlers(_ctx: EngineContext): DomainHandlers<'alerting'> {
  return {};
}
