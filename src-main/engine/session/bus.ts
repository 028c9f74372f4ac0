/**
 * What the parts of one open case tell each other, inside the engine (the contract's events are
 * for the renderer). A stage publishes what it did and the next subscribes: the importer knows
 * nothing of detection, detection nothing of incidents, incidents nothing of alerting.
 */
import type { ImportStatus } from '../../../src-shared/dto';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { MemberSpan } from '../ingest/time-order';
import type { PackedRows } from '../store/row-batch';

/** A batch of an import's events just stored, inside the batch's transaction. */
export interface StoredBatch {
  importId: number;
  sourceId: number;
  sourceName: string;
  /** The rows' ids, in the order stored. */
  ids: Float64Array;
  /** The input lines (the rows' raw text). */
  lines: readonly string[];
  /** The same lines joined with '\n', when the batch was sent to a normalizing thread so. */
  joined?: string;
  /** The rows as packed by a normalizing thread, when they came from one; else `events`. */
  packed: PackedRows | null;
  /** The stored events, when they were normalized on this thread (ids set). */
  events: NormalizedEvent[] | null;
}

export interface CaseEvents {
  /**
   * The members of a folder or archive import, surveyed before any is read: each one's first and
   * last event time, in the order they will be read (oldest first). Not said for a lone file.
   */
  importSurveyed: { importId: number; members: MemberSpan[] };
  batchStored: StoredBatch;
  /**
   * An import stopped, however it ended. Awaited: the next import starts after its pass ended.
   * `signal` aborts when the case closes meanwhile.
   */
  importEnded: { importId: number; status: ImportStatus; signal: AbortSignal };
  /** Live events just stored (from any listener or tailed file), in a transaction of their own. */
  liveStored: { events: NormalizedEvent[] };
  /**
   * The live pass consumed a batch (inside its transaction); `alerts` says how many findings it
   * added or grew. Incidents listen to rebuild at a throttled cadence while collecting.
   */
  liveAdvanced: { alerts: number };
  /** The live collector stopped: what it fed detection is finished. */
  liveStopped: Record<string, never>;
  /** A detection pass stored all its findings and its stages' state, inside a transaction. */
  passEnded: { runId: number; scope: 'import' | 'all' | 'live' };
  /** Incidents were rebuilt from the findings, inside the same transaction. */
  incidentsRebuilt: { runId: number; scope: 'import' | 'all' | 'live' };
  /** Every finding is forgotten before a pass over the whole case, inside a transaction. */
  findingsCleared: Record<string, never>;
}

type Listener<T> = (payload: T) => void | Promise<void>;

export class CaseBus {
  private readonly listeners = new Map<keyof CaseEvents, Listener<never>[]>();

  /** Listen; returns the way to stop. Listeners run in the order they subscribed. */
  on<K extends keyof CaseEvents>(name: K, fn: Listener<CaseEvents[K]>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as Listener<never>);
    this.listeners.set(name, list);
    return () => {
      const at = list.indexOf(fn as Listener<never>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Tell every listener now, synchronously (inside the caller's transaction, say). */
  emit<K extends keyof CaseEvents>(name: K, payload: CaseEvents[K]): void {
    for (const fn of this.listeners.get(name) ?? []) void (fn as Listener<CaseEvents[K]>)(payload);
  }

  /** Tell every listener in turn and wait for each. */
  async emitAsync<K extends keyof CaseEvents>(name: K, payload: CaseEvents[K]): Promise<void> {
    for (const fn of [...(this.listeners.get(name) ?? [])]) await (fn as Listener<CaseEvents[K]>)(payload);
  }
}
