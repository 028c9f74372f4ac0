import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseDb } from '../store/case-db';
import { groupPageSql } from './behaviour-stage';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('behaviour training reads its groups a page at a time', () => {
  it('walks the primary key: no page reads and sorts the whole kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bstage-'));
    dirs.push(dir);
    const store = CaseDb.create(join(dir, 'c.vigil'), 'pages');
    try {
      const db = store.db;
      const insert = db.prepare(
        `INSERT INTO behaviour_groups (kind, key, ip, start_ts, end_ts, events, features, feature_set, evidence)
         VALUES (?, ?, ?, ?, ?, 1, '[1,2]', 'v', '[]')`,
      );
      db.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run(i % 2 ? 'session' : 'ip_window', `k${i}`, `10.0.${i >> 8}.${i & 255}`, i, i);
      })();
      const sql = groupPageSql('id, ip, features');
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('session', 'v', 0, 100) as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan).not.toMatch(/TEMP B-TREE/);
      expect(plan).toMatch(/INTEGER PRIMARY KEY/);
      // Paging visits every group of the kind once, in id order.
      const page = db.prepare(sql);
      const seen: number[] = [];
      for (let after = 0; ; ) {
        const rows = page.all('session', 'v', after, 300) as { id: number }[];
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        seen.push(...rows.map((r) => r.id));
      }
      expect(seen).toHaveLength(1000);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    } finally {
      store.close();
    }
  });
});
