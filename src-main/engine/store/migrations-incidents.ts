/** Migrations of risk and incidents (version 7). */
import type { Migration } from './migration';

export const INCIDENT_MIGRATIONS: readonly Migration[] = [];
