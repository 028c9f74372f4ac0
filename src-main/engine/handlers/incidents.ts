/** Handlers of the incidents domain. */
import type { DomainHandlers, EngineContext } from '../engine';

export function incidentsHandlers(_ctx: EngineContext): DomainHandlers<'incidents'> {
  return {};
}
