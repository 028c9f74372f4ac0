/**
 * Numbered migrations of the case database. Each runs in one transaction and bumps
 * `user_version`; a case is always at exactly one version. Never edit a migration that has
 * shipped: add the next one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'case metadata',
    up(db) {
      db.exec(`
        CREATE TABLE case_meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'imports',
    up(db) {
      db.exec(`
        CREATE TABLE imports (
          id          INTEGER PRIMARY KEY,
          path        TEXT NOT NULL,
          name        TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled','interrupted')),
          bytes_total INTEGER NOT NULL DEFAULT 0,
          bytes_read  INTEGER NOT NULL DEFAULT 0,
          lines       INTEGER NOT NULL DEFAULT 0,
          started_at  INTEGER NOT NULL,
          finished_at INTEGER,
          error       TEXT
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'events with full-text index',
    up(db) {
      db.exec(`
        CREATE TABLE events (
          id        INTEGER PRIMARY KEY,
          import_id INTEGER NOT NULL REFERENCES imports(id),
          line_no   INTEGER NOT NULL,
          ts        INTEGER,
          raw       TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_import ON events(import_id, line_no);
        -- External-content FTS: the text lives once, in events.raw.
        CREATE VIRTUAL TABLE events_fts USING fts5(raw, content='events', content_rowid='id', tokenize="unicode61 remove_diacritics 0");
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Bring the database to `target` (default: latest). Refuses to go backwards. */
export function migrate(db: Database, target: number = LATEST_VERSION): number {
  const current = schemaVersion(db);
  if (current > target) {
    throw new Error(`case schema version ${current} is newer than this Vigil understands (${target})`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
