/** Handlers of the triage domain. */
import type { DomainHandlers, EngineContext } from '../engine';

export function triageHandlers(_ctx: EngineContext): DomainHandlers<'triage'> {
  return {};
}
