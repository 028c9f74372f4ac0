/** Migrations of the entity graph (versions 6 and 11). */
import { EDGE_STRIDE, encodeEdgePage, PAGE_EDGES } from './migration-formats';
import type { Migration } from './migration';

export const GRAPH_MIGRATIONS: readonly Migration[] = [
  {
    version: 6,
    name: 'entity graph: vertices, typed edges, metrics, communities',
    up(db) {
      db.exec(`
        -- One vertex per entity that took part in an edge. id is dense and assigned by the graph
        -- builder, so the in-memory graph and the table agree without a lookup per event.
        CREATE TABLE graph_vertices (
          id         INTEGER PRIMARY KEY,
          entity_id  TEXT NOT NULL UNIQUE,
          type       TEXT NOT NULL,
          value      TEXT NOT NULL,
          first_seen INTEGER,
          last_seen  INTEGER,
          events     INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX graph_vertices_type ON graph_vertices(type);
        CREATE INDEX graph_vertices_value ON graph_vertices(value);

        -- Typed, directed co-occurrence: user→ip authenticated_from, ip→url requested, ...
        CREATE TABLE graph_edges (
          src         INTEGER NOT NULL,
          dst         INTEGER NOT NULL,
          type        TEXT NOT NULL,
          count       INTEGER NOT NULL,
          first_seen  INTEGER,
          last_seen   INTEGER,
          -- The events that created and last touched the edge: its evidence.
          first_event INTEGER NOT NULL,
          last_event  INTEGER NOT NULL,
          PRIMARY KEY (src, dst, type)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX graph_edges_dst ON graph_edges(dst);

        -- Results of the algorithms, per vertex; rewritten by each computation.
        CREATE TABLE graph_metrics (
          vertex        INTEGER PRIMARY KEY,
          pagerank      REAL,
          prev_pagerank REAL,
          betweenness   REAL,
          community     INTEGER,
          fan_in        INTEGER NOT NULL DEFAULT 0,
          fan_out       INTEGER NOT NULL DEFAULT 0,
          risk          REAL NOT NULL DEFAULT 0,
          alerts        INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX graph_metrics_community ON graph_metrics(community, pagerank DESC);
        CREATE INDEX graph_metrics_pagerank ON graph_metrics(pagerank DESC);

        CREATE TABLE graph_communities (
          id             INTEGER PRIMARY KEY,
          size           INTEGER NOT NULL,
          types          TEXT NOT NULL DEFAULT '{}',
          top            TEXT NOT NULL DEFAULT '[]',
          internal_edges INTEGER NOT NULL DEFAULT 0,
          external_edges INTEGER NOT NULL DEFAULT 0,
          risk           REAL NOT NULL DEFAULT 0
        ) STRICT;

        -- Each computation of the algorithms: when, how big, how long, how it ended.
        CREATE TABLE graph_runs (
          id          INTEGER PRIMARY KEY,
          mode        TEXT NOT NULL CHECK (mode IN ('inline','worker')),
          status      TEXT NOT NULL CHECK (status IN ('done','failed')),
          vertices    INTEGER NOT NULL,
          edges       INTEGER NOT NULL,
          communities INTEGER NOT NULL DEFAULT 0,
          modularity  REAL,
          betweenness TEXT NOT NULL DEFAULT 'exact',
          ms          INTEGER NOT NULL,
          -- Highest event id in the snapshot: edges after it are new to the next computation.
          max_event   INTEGER NOT NULL DEFAULT 0,
          finished_at INTEGER NOT NULL,
          error       TEXT
        ) STRICT;
      `);
    },
  },
  {
    version: 11,
    name: 'entity graph edges stored as pages of records',
    up(db) {
      // A row per edge made writing a million-edge graph take seconds (a B-tree key of three
      // columns plus an index on dst); the graph is read whole into memory anyway, and per-vertex
      // reads are served from there. Edges become pages of fixed-size records (edge-pages.ts).
      db.exec(`
        CREATE TABLE graph_edge_types (
          id   INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE
        ) STRICT;
        CREATE TABLE graph_edge_pages (
          page  INTEGER PRIMARY KEY,
          edges INTEGER NOT NULL,
          data  BLOB NOT NULL
        ) STRICT;
        INSERT INTO graph_edge_types (name) SELECT DISTINCT type FROM graph_edges ORDER BY type;
      `);
      const codes = new Map(db.prepare('SELECT name, id FROM graph_edge_types').raw().all() as [string, number][]);
      const insert = db.prepare('INSERT INTO graph_edge_pages (page, edges, data) VALUES (?, ?, ?)');
      const rec = new Float64Array(PAGE_EDGES * EDGE_STRIDE);
      let n = 0;
      let page = 0;
      const write = () => {
        insert.run(page++, n, encodeEdgePage(rec, 0, n, (t) => t));
        n = 0;
      };
      // In creation order, as near as the rows tell it: the graph numbers edges as they appear.
      const rows = db
        .prepare('SELECT src, dst, type, count, first_seen, last_seen, first_event, last_event FROM graph_edges ORDER BY first_event, src, dst, type')
        .raw()
        .all() as [number, number, string, number, number | null, number | null, number, number][];
      for (const [src, dst, type, count, first, last, firstEvent, lastEvent] of rows) {
        rec.set([src, dst, codes.get(type) as number, count, first ?? NaN, last ?? NaN, firstEvent, lastEvent], n * EDGE_STRIDE);
        if (++n === PAGE_EDGES) write();
      }
      if (n > 0) write();
      db.exec('DROP TABLE graph_edges;');
    },
  },
];
