/** Handlers of the alerting domain: rules, sinks, test alerts, the outbox and incident histories. */
import type { DomainHandlers, EngineContext } from '../engine-context';

export function alertingHandlers(ctx: EngineContext): DomainHandlers<'alerting'> {
  const a = () => ctx.open().alerting;
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
