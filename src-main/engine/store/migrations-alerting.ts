/** Migrations of live alert rules, sinks, the outbox and alert history (version 9). */
import type { Migration } from './migration';

export const ALERTING_MIGRATIONS: readonly Migration[] = [];
