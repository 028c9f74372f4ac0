/** Migrations of the entity graph (version 6). */
import type { Migration } from './migration';

export const GRAPH_MIGRATIONS: readonly Migration[] = [];
