/** Live alerts (issue #12): hooks the engine calls; filled in by the alerting work. */
import type { Database } from 'better-sqlite3';
import type { EngineContext } from '../engine';
import type { PassInfo } from '../incidents';

/** A case was opened: start whatever delivers alerts for it. */
export function openAlerting(_db: Database, _ctx: EngineContext): void {}

/** The case is closing: stop delivery, keep the outbox. */
export async function closeAlerting(_db: Database): Promise<void> {}

/** Incidents were rebuilt after a detection pass (inside its transaction). */
export function afterIncidents(_db: Database, _pass: PassInfo): void {}
