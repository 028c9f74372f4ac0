/**
 * Numbered migrations of the case database. Each runs in one transaction and bumps
 * `user_version`; a case is always at exactly one version. Never edit a migration that has
 * shipped: add the next one.
 */
import type { Database } from 'better-sqlite3';
import type { Migration } from './migration';
import { encodePostingIds, postingTableSql, spanSql } from './migration-formats';
import { GRAPH_MIGRATIONS } from './migrations-graph';
import { ALERTING_MIGRATIONS } from './migrations-alerting';
import { INCIDENT_MIGRATIONS } from './migrations-incidents';
import { TRIAGE_MIGRATIONS } from './migrations-triage';

export type { Migration } from './migration';

const CORE_MIGRATIONS: readonly Migration[] = [
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
  {
    version: 4,
    name: 'normalized events, archive members, templates, entities, model state',
    up(db) {
      db.exec(`
        -- One row per file or archive member an import read: where events came from, in what format.
        CREATE TABLE sources (
          id           INTEGER PRIMARY KEY,
          import_id    INTEGER NOT NULL REFERENCES imports(id),
          member_index INTEGER NOT NULL,
          name         TEXT NOT NULL,
          format       TEXT NOT NULL,
          lines        INTEGER NOT NULL DEFAULT 0,
          unparsed     INTEGER NOT NULL DEFAULT 0,
          UNIQUE (import_id, member_index)
        ) STRICT;

        -- Resume points and what an import skipped. fingerprint recognises the same content again.
        ALTER TABLE imports ADD COLUMN fingerprint TEXT;
        ALTER TABLE imports ADD COLUMN member_index INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN member_lines INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN checkpoint_event_id INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN members INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN unparsed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
        CREATE INDEX imports_fingerprint ON imports(fingerprint);

        -- The normalized event (DESIGN.md step 3). Events imported before this version keep their
        -- raw line and become message-only events.
        ALTER TABLE events ADD COLUMN source_id INTEGER REFERENCES sources(id);
        ALTER TABLE events ADD COLUMN host TEXT;
        ALTER TABLE events ADD COLUMN app TEXT;
        ALTER TABLE events ADD COLUMN pid INTEGER;
        ALTER TABLE events ADD COLUMN severity INTEGER;
        -- The message is most often the tail of the raw line: then only where it starts is kept.
        ALTER TABLE events ADD COLUMN message TEXT;
        ALTER TABLE events ADD COLUMN message_at INTEGER;
        ALTER TABLE events ADD COLUMN template_id TEXT;
        ALTER TABLE events ADD COLUMN params TEXT;
        ALTER TABLE events ADD COLUMN ls_product TEXT;
        ALTER TABLE events ADD COLUMN ls_service TEXT;
        ALTER TABLE events ADD COLUMN ls_category TEXT;
        ALTER TABLE events ADD COLUMN src_ip TEXT;
        ALTER TABLE events ADD COLUMN dst_ip TEXT;
        ALTER TABLE events ADD COLUMN user TEXT;
        ALTER TABLE events ADD COLUMN method TEXT;
        ALTER TABLE events ADD COLUMN path TEXT;
        ALTER TABLE events ADD COLUMN status INTEGER;
        ALTER TABLE events ADD COLUMN bytes INTEGER;
        ALTER TABLE events ADD COLUMN user_agent TEXT;
        ALTER TABLE events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'unknown';
        ALTER TABLE events ADD COLUMN action TEXT;
        ALTER TABLE events ADD COLUMN fields TEXT;
        ALTER TABLE events ADD COLUMN parser TEXT NOT NULL DEFAULT 'raw';
        -- Resume and rollback work by id ranges; this index only slowed every insert.
        DROP INDEX events_import;
        -- Imports add many small FTS segments; merging them less eagerly costs a little query
        -- time and saves a third of the import's indexing work.
        INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);
        CREATE INDEX events_template ON events(template_id);
        CREATE INDEX events_ts ON events(ts);

        CREATE TABLE templates (
          id         TEXT PRIMARY KEY,
          template   TEXT NOT NULL,
          count      INTEGER NOT NULL,
          examples   TEXT NOT NULL,
          first_seen INTEGER,
          last_seen  INTEGER
        ) STRICT;

        CREATE TABLE entities (
          rowid      INTEGER PRIMARY KEY,
          id         TEXT NOT NULL UNIQUE,
          type       TEXT NOT NULL,
          value      TEXT NOT NULL,
          first_seen INTEGER,
          last_seen  INTEGER,
          count      INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX entities_type_count ON entities(type, count DESC);

        CREATE TABLE event_entities (
          entity INTEGER NOT NULL,
          event  INTEGER NOT NULL,
          PRIMARY KEY (entity, event)
        ) STRICT, WITHOUT ROWID;

        -- Serialized state of streaming models (Drain, detectors), saved with import checkpoints.
        CREATE TABLE model_state (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    name: 'alerts, rule packs, behaviour groups, experiments, detector score series',
    up(db) {
      db.exec(`
        -- Every detector's findings in one table: Sigma matches, behaviour patterns, ensemble and
        -- graph alerts. Incidents group them later.
        -- A detection pass over events in time order: after each import, or over the whole case.
        CREATE TABLE detection_runs (
          id          INTEGER PRIMARY KEY,
          scope       TEXT NOT NULL,
          import_id   INTEGER REFERENCES imports(id),
          status      TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled')),
          events      INTEGER NOT NULL DEFAULT 0,
          alerts      INTEGER NOT NULL DEFAULT 0,
          started_at  INTEGER NOT NULL,
          finished_at INTEGER,
          error       TEXT
        ) STRICT;

        CREATE TABLE alerts (
          id        INTEGER PRIMARY KEY,
          run_id    INTEGER REFERENCES detection_runs(id),
          detector  TEXT NOT NULL,
          kind      TEXT NOT NULL,
          title     TEXT NOT NULL,
          severity  TEXT NOT NULL DEFAULT 'medium',
          score     REAL,
          first_ts  INTEGER,
          last_ts   INTEGER,
          key       TEXT,
          entities  TEXT NOT NULL DEFAULT '[]',
          evidence  TEXT NOT NULL DEFAULT '[]',
          details   TEXT NOT NULL DEFAULT '{}',
          tags      TEXT NOT NULL DEFAULT '[]'
        ) STRICT;
        CREATE INDEX alerts_detector_kind ON alerts(detector, kind);
        CREATE INDEX alerts_first_ts ON alerts(first_ts);

        -- Rule packs the analyst imported live in the case, so a case file carries its rules.
        CREATE TABLE rule_packs (
          id        INTEGER PRIMARY KEY,
          name      TEXT NOT NULL UNIQUE,
          origin    TEXT NOT NULL,
          added_at  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE rule_files (
          pack_id INTEGER NOT NULL REFERENCES rule_packs(id) ON DELETE CASCADE,
          path    TEXT NOT NULL,
          text    TEXT NOT NULL,
          PRIMARY KEY (pack_id, path)
        ) STRICT;
        CREATE TABLE rule_settings (
          rule_id TEXT PRIMARY KEY,
          enabled INTEGER NOT NULL DEFAULT 1,
          hits    INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE behaviour_groups (
          id          INTEGER PRIMARY KEY,
          run_id      INTEGER REFERENCES detection_runs(id),
          kind        TEXT NOT NULL,
          key         TEXT NOT NULL,
          ip          TEXT,
          user        TEXT,
          user_agent  TEXT,
          start_ts    INTEGER NOT NULL,
          end_ts      INTEGER NOT NULL,
          events      INTEGER NOT NULL,
          features    TEXT NOT NULL,
          feature_set TEXT NOT NULL,
          score       REAL,
          level       TEXT,
          evidence    TEXT NOT NULL DEFAULT '[]'
        ) STRICT;
        CREATE INDEX behaviour_groups_kind_score ON behaviour_groups(kind, score DESC);
        CREATE INDEX behaviour_groups_ip ON behaviour_groups(ip);

        CREATE TABLE experiments (
          id            INTEGER PRIMARY KEY,
          created_at    INTEGER NOT NULL,
          name          TEXT NOT NULL,
          model_version TEXT NOT NULL,
          feature_set   TEXT NOT NULL,
          params        TEXT NOT NULL,
          metrics       TEXT NOT NULL,
          notes         TEXT
        ) STRICT;

        -- Each detector's score per time bucket, downsampled, for the timelines view.
        CREATE TABLE score_points (
          source_type TEXT NOT NULL,
          detector    TEXT NOT NULL,
          bucket      INTEGER NOT NULL,
          score       REAL NOT NULL,
          threshold   REAL,
          key         TEXT,
          PRIMARY KEY (source_type, detector, bucket)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 10,
    name: 'full-text index without per-row sizes',
    up(db) {
      // Nothing ranks search hits by bm25 (results come in time order), so the per-row token
      // counts FTS5 keeps for ranking were a table insert per imported line for nothing: dropping
      // them makes imports about 5% faster. The index is rebuilt from events.raw.
      db.exec(`
        DROP TABLE events_fts;
        CREATE VIRTUAL TABLE events_fts USING fts5(raw, content='events', content_rowid='id', columnsize=0, tokenize="unicode61 remove_diacritics 0");
        INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);
        INSERT INTO events_fts (events_fts) VALUES ('rebuild');
      `);
    },
  },
  {
    version: 12,
    name: 'posting lists for entity and template events',
    up(db) {
      // A link row per (entity, event) and an index entry per event's template were a quarter of
      // an import's storage time. Both become posting lists: a row per key and written batch.
      db.exec(postingTableSql('entity_events', 'INTEGER'));
      db.exec(postingTableSql('template_events', 'TEXT'));
      copyPostings(
        db,
        'SELECT entity, event FROM event_entities WHERE (entity, event) > (?, ?) ORDER BY entity, event LIMIT ?',
        'entity_events',
      );
      copyPostings(
        db,
        `SELECT template_id, id FROM events INDEXED BY events_template
         WHERE (template_id, id) > (?, ?) ORDER BY template_id, id LIMIT ?`,
        'template_events',
      );
      db.exec('DROP TABLE event_entities; DROP INDEX events_template;');
    },
  },
  {
    version: 13,
    name: 'the years assumed for yearless lines',
    up(db) {
      // Syslog and auth.log lines carry no year: each source says which years it was read in, and
      // how many lines were kept from the year after (it would have dated them in the future).
      db.exec(`
        ALTER TABLE sources ADD COLUMN year_first INTEGER;
        ALTER TABLE sources ADD COLUMN year_last INTEGER;
        ALTER TABLE sources ADD COLUMN year_future_kept INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    version: 15,
    name: 'lines a detection pass met too late to put in time order',
    up(db) {
      db.exec('ALTER TABLE detection_runs ADD COLUMN late INTEGER NOT NULL DEFAULT 0;');
    },
  },
  {
    version: 16,
    name: 'behaviour group scores in a narrow table of their own',
    // Scoring a pass's groups rewrote every group row in place and its (kind, score) index: 600K
    // groups of a million-line import took longer to score than to build. Appending scores to a
    // table of their own costs a quarter of that. Nothing read groups by that index.
    up(db) {
      db.exec(`
        CREATE TABLE behaviour_scores (
          group_id INTEGER PRIMARY KEY REFERENCES behaviour_groups(id) ON DELETE CASCADE,
          score    REAL NOT NULL,
          level    TEXT NOT NULL
        ) STRICT;
        INSERT INTO behaviour_scores (group_id, score, level)
          SELECT id, score, level FROM behaviour_groups WHERE score IS NOT NULL AND level IS NOT NULL;
        DROP INDEX behaviour_groups_kind_score;
        ALTER TABLE behaviour_groups DROP COLUMN score;
        ALTER TABLE behaviour_groups DROP COLUMN level;
      `);
    },
  },
  {
    version: 17,
    name: 'event texts as spans of the raw line',
    // A line's message, path, agent and parameters are nearly always pieces of its raw text, and
    // storing them again was a fifth of the cost of storing an access line. New rows store where
    // they are in it (store/text-spans.ts); `path` and `user_agent`, which searches filter on in
    // SQL, become generated columns over the stored text or span. Rows already stored keep their
    // texts, renamed: nothing is rewritten.
    up(db) {
      db.exec(`
        ALTER TABLE events ADD COLUMN message_len INTEGER;
        ALTER TABLE events RENAME COLUMN path TO path_text;
        ALTER TABLE events ADD COLUMN path_span INTEGER;
        ALTER TABLE events ADD COLUMN path TEXT GENERATED ALWAYS AS (coalesce(path_text, ${spanSql('path_span')})) VIRTUAL;
        ALTER TABLE events RENAME COLUMN user_agent TO user_agent_text;
        ALTER TABLE events ADD COLUMN user_agent_span INTEGER;
        ALTER TABLE events ADD COLUMN user_agent TEXT GENERATED ALWAYS AS (coalesce(user_agent_text, ${spanSql('user_agent_span')})) VIRTUAL;
      `);
    },
  },
];

/** Lists of at most this many ids when converting: rows stay a few kilobytes. */
const COPY_CHUNK = 4096;
const COPY_PAGE = 50_000;

/**
 * Copy (key, event) pairs, read in key then event order from `select` (which takes the last pair
 * read and a page size), into posting lists. Read a page at a time: a big case has millions.
 */
function copyPostings(db: Database, select: string, table: 'entity_events' | 'template_events'): void {
  const put = db.prepare(`INSERT INTO ${table} (key, first, last, n, ids) VALUES (?, ?, ?, ?, ?)`);
  const page = db.prepare(select).raw();
  let key: number | string | null = null;
  let ids: number[] = [];
  const flush = () => {
    if (ids.length > 0) put.run(key, ids[0], ids[ids.length - 1], ids.length, encodePostingIds(ids, ids[0]!));
    ids = [];
  };
  let after: [number | string, number] = [table === 'entity_events' ? -1 : '', -1];
  for (;;) {
    const rows = page.all(after[0], after[1], COPY_PAGE) as [number | string, number][];
    for (const [k, id] of rows) {
      if (k !== key || ids.length >= COPY_CHUNK) {
        flush();
        key = k;
      }
      ids.push(id);
    }
    if (rows.length < COPY_PAGE) break;
    after = rows[rows.length - 1]!;
  }
  flush();
}

/** Every migration in version order; domains keep theirs in their own files. */
export const MIGRATIONS: readonly Migration[] = [...CORE_MIGRATIONS, ...GRAPH_MIGRATIONS, ...INCIDENT_MIGRATIONS, ...TRIAGE_MIGRATIONS, ...ALERTING_MIGRATIONS].sort((a, b) => a.version - b.version);

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
