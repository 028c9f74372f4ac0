import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support';
import { CaseDb } from './case-db';

describe('background checkpoints', () => {
  it('copy the log back from another thread while the engine writes, and close folds it away', async () => {
    const path = join(tempDir(), 'bg.vigil');
    const store = CaseDb.create(path, 'bg');
    const before = statSync(path).size;
    store.checkpointInBackground();
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(65536);
    const put = store.db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?)');
    for (let b = 0; b < 20; b++)
      store.db.transaction(() => {
        for (let i = 0; i < 500; i++) put.run(`k${b}-${i}`, 'x'.repeat(500));
      })();
    // The rows are in the log only; nothing on this connection checkpoints (the backstop is
    // 256 MB away), so the database file grows only if the thread copies them back.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && statSync(path).size < before + 4_000_000) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(path).size).toBeGreaterThan(before + 4_000_000);
    store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM case_meta WHERE key LIKE ?').pluck().get('k%')).toBe(10_000);
    db.close();
  });
});
