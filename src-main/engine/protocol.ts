/** Messages between a host and the engine worker. */
import type { Envelope } from '../../src-shared/envelope';

export type ToEngine = { type: 'request'; id: number; method: string; input: unknown } | { type: 'shutdown' };

export type FromEngine =
  | { type: 'reply'; id: number; reply: Envelope<unknown> }
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'closed' };

export interface EngineWorkerData {
  dataDir: string;
  version: string;
  nativeBinding?: string;
  rulesDir?: string;
  /** SQLite's page cache for the open case, in MiB (see OpenOptions.pageCacheMiB). */
  pageCacheMiB?: number;
}
