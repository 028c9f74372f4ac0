/** Migrations of live alert rules, sinks, the outbox and alert history (version 9). */
import type { Migration } from './migration';

export const ALERTING_MIGRATIONS: readonly Migration[] = [
  {
    version: 9,
    name: 'live alert rules, sinks, outbox, dedup state, alert history',
    up(db) {
      db.exec(`
        -- Where alerts go. Secrets (URLs with tokens, keys) are not here: they live in the app
        -- data folder, keyed by the sink's id, so a shared case file carries none.
        CREATE TABLE alert_sinks (
          id           TEXT PRIMARY KEY,
          name         TEXT NOT NULL,
          kind         TEXT NOT NULL CHECK (kind IN ('desktop','webhook','slack','teams','pagerduty','syslog','jsonl')),
          enabled      INTEGER NOT NULL DEFAULT 1,
          settings     TEXT NOT NULL DEFAULT '{}',
          target       TEXT NOT NULL DEFAULT '',
          header_names TEXT NOT NULL DEFAULT '[]',
          hmac         INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL DEFAULT 6,
          backoff_ms   INTEGER NOT NULL DEFAULT 5000,
          created_at   INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE alert_rules (
          id              INTEGER PRIMARY KEY,
          name            TEXT NOT NULL,
          enabled         INTEGER NOT NULL DEFAULT 1,
          categories      TEXT NOT NULL DEFAULT '[]',
          min_severity    TEXT NOT NULL DEFAULT 'high' CHECK (min_severity IN ('informational','low','medium','high','critical')),
          min_priority    REAL NOT NULL DEFAULT 0,
          sink_ids        TEXT NOT NULL DEFAULT '[]',
          dedup_window_ms INTEGER NOT NULL DEFAULT 3600000,
          -- 1: only incidents that live collection creates or changes notify; an imported
          -- archive's incidents are remembered as seen, silently.
          live_only       INTEGER NOT NULL DEFAULT 1,
          quiet_start     TEXT,
          quiet_end       TEXT,
          rate_count      INTEGER,
          rate_window_ms  INTEGER,
          created_at      INTEGER NOT NULL
        ) STRICT;

        -- One row per alert and sink, kept after delivery: the delivery log and the dead letters.
        CREATE TABLE alert_outbox (
          id              INTEGER PRIMARY KEY,
          sink_id         TEXT NOT NULL,
          rule_id         INTEGER,
          incident_id     TEXT,
          dedup_key       TEXT,
          reason          TEXT NOT NULL CHECK (reason IN ('new','updated','test')),
          payload         TEXT NOT NULL,
          status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','dead','discarded')),
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER,
          last_error      TEXT,
          repeats         INTEGER NOT NULL DEFAULT 0,
          created_at      INTEGER NOT NULL,
          sent_at         INTEGER
        ) STRICT;
        CREATE INDEX alert_outbox_due ON alert_outbox(status, next_attempt_at);
        CREATE INDEX alert_outbox_rule ON alert_outbox(rule_id, created_at);
        CREATE INDEX alert_outbox_incident ON alert_outbox(incident_id);
        CREATE INDEX alert_outbox_dedup ON alert_outbox(dedup_key) WHERE status = 'pending';

        -- What each rule last saw of an incident and its entity: incidents are rebuilt after every
        -- pass, so "new" and "changed" are decided against this, not against the incidents table.
        CREATE TABLE alert_state (
          rule_id        INTEGER NOT NULL,
          incident_id    TEXT NOT NULL,
          entity         TEXT NOT NULL,
          seen_alerts    INTEGER NOT NULL,
          seen_last_ts   INTEGER,
          notified_at    INTEGER,
          repeats        INTEGER NOT NULL DEFAULT 0,
          limited        INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (rule_id, incident_id, entity)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE alert_history (
          id          INTEGER PRIMARY KEY,
          at          INTEGER NOT NULL,
          event       TEXT NOT NULL CHECK (event IN ('queued','deferred','deduplicated','rate_limited','retrying','sent','failed','retried','discarded')),
          incident_id TEXT,
          rule_id     INTEGER,
          sink_id     TEXT,
          outbox_id   INTEGER,
          detail      TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX alert_history_incident ON alert_history(incident_id, id);
      `);
    },
  },
];
