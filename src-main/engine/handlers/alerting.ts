/** Handlers of the alerting domain: rules, sinks, test alerts, the outbox and incident histories. */
import type { DomainHandlers, EngineContext } from '../engine';
import { alertingOf } from '../alerting';

export function alertingHandlers(ctx: EngineContext): DomainHandlers<'alerting'> {
  const a = () => alertingOf(ctx.open().store.db);
  return {
    'alerting.getSettings': () => a().settings(),
    'alerting.saveRule': (input) => a().saveRule(input),
    'alerting.deleteRule': ({ id }) => a().deleteRule(id),
    'alerting.saveSink': (input) => a().saveSink(input),
    'alerting.deleteSink': ({ id }) => a().deleteSink(id),
    'alerting.testSink': ({ id }) => a().testSink(id),
    'alerting.listOutbox': ({ status, limit }) => a().listOutbox(status, limit),
    'alerting.retryDead': ({ ids }) => a().retryDead(ids),
    'alerting.discardDead': ({ ids, undo }) => a().discardDead(ids, undo),
    'alerting.incidentHistory': ({ incidentId, limit }) => a().history(incidentId, limit),
  };
}
