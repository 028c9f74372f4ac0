/** Migrations of risk and incidents (version 7) and campaigns (version 13). */
import type { Migration } from './migration';

export const INCIDENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 7,
    name: 'risk register, incidents, analyst state, LLM settings',
    up(db) {
      db.exec(`
        -- Risk of every entity an alert named, decayed on event time to the case's latest alert.
        CREATE TABLE entity_risk (
          type      TEXT NOT NULL,
          value     TEXT NOT NULL,
          risk      REAL NOT NULL,
          peak      REAL NOT NULL,
          peak_ts   INTEGER,
          alerts    INTEGER NOT NULL,
          first_ts  INTEGER,
          last_ts   INTEGER,
          PRIMARY KEY (type, value)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX entity_risk_risk ON entity_risk(risk DESC);

        -- Findings rebuilt from the alerts after every detection pass; ids are stable hashes of
        -- the grouping key and the first hour, so the same alerts give the same incidents.
        CREATE TABLE incidents (
          id          TEXT PRIMARY KEY,
          category    TEXT NOT NULL,
          pattern     TEXT,
          title       TEXT NOT NULL,
          severity    TEXT NOT NULL,
          confidence  REAL NOT NULL,
          priority    REAL NOT NULL,
          first_ts    INTEGER,
          last_ts     INTEGER,
          group_key   TEXT NOT NULL,
          entities    TEXT NOT NULL,
          tags        TEXT NOT NULL,
          detectors   TEXT NOT NULL,
          evidence    TEXT NOT NULL,
          event_count INTEGER NOT NULL,
          alert_count INTEGER NOT NULL,
          summary     TEXT NOT NULL,
          explanation TEXT NOT NULL,
          risk        REAL NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX incidents_priority ON incidents(priority DESC);

        CREATE TABLE incident_alerts (
          incident_id TEXT NOT NULL,
          alert_id    INTEGER NOT NULL,
          PRIMARY KEY (incident_id, alert_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX incident_alerts_alert ON incident_alerts(alert_id);

        -- What the analyst decided survives re-runs: kept by incident id, never cleared.
        CREATE TABLE incident_state (
          id         TEXT PRIMARY KEY,
          status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','investigating','closed')),
          label      TEXT CHECK (label IN ('true','benign')),
          note       TEXT,
          updated_at INTEGER NOT NULL
        ) STRICT;

        -- Optional LLM rephrasing of explanations (off by default).
        CREATE TABLE incident_settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 14,
    name: 'campaigns: incidents of many actors that behave alike, and their members',
    up(db) {
      db.exec(`
        -- A campaign is an incidents row of kind 'campaign'; the incidents it stands for keep their
        -- rows with campaign_id set and top_level 0, except members that got in (lifted: top_level 1).
        ALTER TABLE incidents ADD COLUMN kind TEXT NOT NULL DEFAULT 'incident' CHECK (kind IN ('incident','campaign'));
        ALTER TABLE incidents ADD COLUMN campaign_id TEXT;
        ALTER TABLE incidents ADD COLUMN top_level INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE incidents ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX incidents_campaign ON incidents(campaign_id) WHERE campaign_id IS NOT NULL;
        CREATE INDEX incidents_top_priority ON incidents(top_level, priority DESC);

        -- Every address of a campaign, rebuilt with the incidents.
        CREATE TABLE campaign_members (
          campaign_id TEXT NOT NULL,
          ip          TEXT NOT NULL,
          first_ts    INTEGER NOT NULL,
          last_ts     INTEGER NOT NULL,
          tries       INTEGER NOT NULL,
          failures    INTEGER NOT NULL,
          successes   INTEGER NOT NULL,
          outcome     TEXT NOT NULL CHECK (outcome IN ('failed','got_in')),
          tried       TEXT NOT NULL,
          evidence    TEXT NOT NULL,
          incident_id TEXT,
          lifted      INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (campaign_id, ip)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX campaign_members_ip ON campaign_members(ip);
      `);
    },
  },
];
