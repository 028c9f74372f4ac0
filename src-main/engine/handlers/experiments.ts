/** Handlers of the experiments domain: model runs and their metrics against labels. */
import type { DomainHandlers, EngineContext } from '../engine';

export function experimentsHandlers(_ctx: EngineContext): DomainHandlers<'experiments'> {
  return {};
}
