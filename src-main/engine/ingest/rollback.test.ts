/**
 * Rolling an interrupted import back to its last checkpoint leaves the counts the resume goes on
 * from: here, how many members it had begun.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseModels } from '../pipeline/case-models';
import { CaseDb } from '../store/case-db';
import { tempDir } from '../test-support';
import type { ImportRow } from './import-row';
import { rollBackTo } from './rollback';

const open: CaseDb[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

/** A case whose import stopped with source rows for members 0..3 and its checkpoint at `member`, `lines`. */
function interrupted(member: number, lines: number): { store: CaseDb; row: ImportRow } {
  const store = CaseDb.create(join(tempDir('vigil-rollback-'), 'c.vigil'), 'rollback');
  open.push(store);
  const db = store.db;
  db.prepare(
    `INSERT INTO imports (id, path, name, status, started_at, lines, members, member_index, member_lines, checkpoint_event_id) VALUES (1, '/logs', 'logs', 'interrupted', 1, 0, 4, ?, ?, 0)`,
  ).run(member, lines);
  for (let m = 0; m < 4; m++) db.prepare(`INSERT INTO sources (import_id, member_index, name, format) VALUES (1, ?, ?, 'auth')`).run(m, `auth.log.${3 - m}`);
  return { store, row: db.prepare('SELECT * FROM imports WHERE id = 1').get() as ImportRow };
}

describe('rolling an import back to its checkpoint', () => {
  it('counts a member the checkpoint is inside of as begun, and one it is at the start of as not (the resume begins it)', () => {
    const inside = interrupted(2, 120);
    rollBackTo(inside.store.db, new CaseModels(inside.store.db), inside.row);
    expect(inside.store.db.prepare('SELECT members FROM imports').pluck().get()).toBe(3);

    // Stored with member 1's last batch after member 2 was opened: member 2's row exists already.
    const atStart = interrupted(2, 0);
    rollBackTo(atStart.store.db, new CaseModels(atStart.store.db), atStart.row);
    expect(atStart.store.db.prepare('SELECT members FROM imports').pluck().get()).toBe(2);
    expect(atStart.store.db.prepare('SELECT member_index FROM sources ORDER BY member_index').pluck().all()).toEqual([0, 1, 2]);
  });
});
