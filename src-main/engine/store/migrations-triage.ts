/** Migrations of labels, suppressions and exports (version 8). */
import type { Migration } from './migration';

export const TRIAGE_MIGRATIONS: readonly Migration[] = [];
