/**
 * A detector stage of the pipeline: fed every stored batch in event order, it reports alerts to
 * a sink that writes them in the batch's transaction, and its state is saved with each import
 * checkpoint so a resumed import continues exactly where it stopped.
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import type { AlertSink } from '../store/alerts';

export interface Stage {
  readonly name: string;
  consume(events: readonly NormalizedEvent[], sink: AlertSink): void;
  /** End of an import: close open windows and sessions, train what trains on a whole archive. */
  finish(sink: AlertSink): void;
  /** Plain JSON, or null for a stage that keeps nothing worth saving. */
  state(): unknown;
  restore(state: unknown): void;
}
