/** Migrations of labels, suppressions and exports (version 8). */
import type { Migration } from './migration';

export const TRIAGE_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'triage: label history, undo, tuning from benign labels, suppressed incidents',
    up(db) {
      db.exec(`
        -- Every analyst action that can be undone, newest last. The current label stays in
        -- incident_state; these tables say who changed it, when, and how to go back.
        CREATE TABLE triage_actions (
          id        INTEGER PRIMARY KEY,
          kind      TEXT NOT NULL CHECK (kind IN ('label','remove_tuning','import')),
          at        INTEGER NOT NULL,
          author    TEXT NOT NULL,
          summary   TEXT NOT NULL,
          undone_at INTEGER
        ) STRICT;

        CREATE TABLE triage_label_history (
          id            INTEGER PRIMARY KEY,
          action_id     INTEGER NOT NULL REFERENCES triage_actions(id),
          incident_id   TEXT NOT NULL,
          title         TEXT NOT NULL DEFAULT '',
          label_before  TEXT CHECK (label_before IN ('true','benign')),
          note_before   TEXT,
          had_state     INTEGER NOT NULL DEFAULT 1,
          label_after   TEXT CHECK (label_after IN ('true','benign')),
          note_after    TEXT,
          at            INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX triage_label_history_incident ON triage_label_history(incident_id, id);
        CREATE INDEX triage_label_history_action ON triage_label_history(action_id);

        -- What benign labels changed in detection: applied when incidents are built.
        CREATE TABLE triage_tuning (
          id                INTEGER PRIMARY KEY,
          action_id         INTEGER REFERENCES triage_actions(id),
          mode              TEXT NOT NULL CHECK (mode IN ('threshold','suppress')),
          detector          TEXT NOT NULL,
          kind              TEXT,
          subject           TEXT NOT NULL,
          threshold         REAL,
          reason            TEXT NOT NULL,
          incident_id       TEXT,
          created_at        INTEGER NOT NULL,
          author            TEXT NOT NULL,
          removed_at        INTEGER,
          removed_action_id INTEGER REFERENCES triage_actions(id),
          held_alerts       INTEGER NOT NULL DEFAULT 0,
          suppressed        INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX triage_tuning_subject ON triage_tuning(subject, detector);

        -- Incidents the tuning took out of the queue at the last build, and why.
        CREATE TABLE triage_suppressed (
          id          TEXT PRIMARY KEY,
          title       TEXT NOT NULL,
          category    TEXT NOT NULL,
          severity    TEXT NOT NULL,
          group_key   TEXT NOT NULL,
          first_ts    INTEGER,
          last_ts     INTEGER,
          alerts      INTEGER NOT NULL,
          reasons     TEXT NOT NULL,
          -- What an export needs of it: pattern, summary, entities, tags, detectors, evidence, alert ids.
          detail      TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
      `);
    },
  },
];
