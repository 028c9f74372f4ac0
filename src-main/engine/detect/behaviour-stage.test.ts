import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/paths';
import { writeScenario } from '../scenario';
import { CaseSession } from '../session/case-session';
import { CaseDb } from '../store/case-db';
import { groupPageSql } from './behaviour-stage';
import { BehaviourModel, type BehaviourModelJson } from './behaviour';

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

describe('behaviour scores at the end of a pass', () => {
  it('re-scores every group of the case, an earlier import’s included, once each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bscore-'));
    dirs.push(dir);
    const scenario = writeScenario(join(dir, 'logs'), { seed: 5, days: 2, attacksPerPattern: 1 });
    const session = new CaseSession(CaseDb.create(join(dir, 'c.vigil'), 'scores'), { rulesDir: join(ROOT, 'resources', 'sigma'), dataDir: dir, emit: () => {} });
    try {
      const db = session.store.db;
      const scores = () => new Map(db.prepare('SELECT group_id, score FROM behaviour_scores').raw().all() as [number, number][]);
      session.importer.start([scenario.authLog], { force: false, format: 'auto' });
      await session.work.idle();
      const first = scores();
      const firstGroups = db.prepare('SELECT count(*) FROM behaviour_groups').pluck().get() as number;
      expect(first.size).toBe(firstGroups);
      expect(firstGroups).toBeGreaterThan(64);
      session.importer.start([scenario.accessLog], { force: false, format: 'auto' });
      await session.work.idle();
      const second = scores();
      // One score per group, and the first import's groups were scored again by the new forests.
      expect(second.size).toBe(db.prepare('SELECT count(*) FROM behaviour_groups').pluck().get());
      expect(second.size).toBeGreaterThan(firstGroups);
      const changed = [...first].filter(([id, s]) => second.get(id) !== s).length;
      expect(changed).toBeGreaterThan(firstGroups / 2);
      // Each score is the forest's for the group's own vector (vectors shared by groups are scored once).
      const state = JSON.parse(db.prepare(`SELECT value FROM model_state WHERE key = 'stage:behaviour'`).pluck().get() as string) as {
        models: Record<string, BehaviourModelJson>;
      };
      for (const kind of ['session', 'ip_window']) {
        const model = BehaviourModel.fromJSON(state.models[kind]!);
        const rows = db.prepare('SELECT id, features FROM behaviour_groups WHERE kind = ?').raw().all(kind) as [number, string][];
        expect(new Set(rows.map((r) => r[1])).size).toBeLessThan(rows.length);
        for (const [id, features] of rows) expect(second.get(id)).toBe(model.score(JSON.parse(features) as number[]).score);
      }
    } finally {
      await session.close();
    }
  });
});
