/**
 * Undo what an interrupted import stored after its last checkpoint, so resuming replays those
 * lines exactly once. Models go back to the state saved with that checkpoint.
 */
import type { Database } from 'better-sqlite3';
import type { CaseModels } from '../pipeline/case-models';
import { extractEntities } from '../parse/entities';
import { rowToEvent, type StoredRow } from '../store/event-rows';
import { LINKED } from '../store/event-writer';
import { Postings } from '../store/postings';
import type { ImportRow } from './import-row';

export function rollBackTo(db: Database, models: CaseModels, row: ImportRow): void {
  db.transaction(() => {
    const cp = row.checkpoint_event_id;
    const id = row.id;
    // Entities and templates are stored at checkpoints, so the events after this one counted
    // nowhere. Cases written before that stored them with every batch: their template posting
    // lists reach past the checkpoint, and those counts are taken back.
    const removed = new Set(db.prepare('SELECT id FROM events WHERE import_id = ? AND id > ?').pluck().all(id, cp) as number[]);
    const uncountTemplate = db.prepare('UPDATE templates SET count = count - ? WHERE id = ?');
    const templatesLost = new Postings(db, 'template_events').remove(cp, removed);
    for (const [templateId, n] of templatesLost) uncountTemplate.run(n, templateId);
    const uncountLinked = db.prepare('UPDATE entities SET count = count - ? WHERE rowid = ?');
    for (const [rowid, n] of new Postings(db, 'entity_events').remove(cp, removed)) uncountLinked.run(n, rowid);
    if (templatesLost.size > 0) {
      // Hosts and processes are counted but not linked row by row: find them again from the
      // events being taken back, with the same extractor that counted them.
      const unlinked = new Map<string, number>();
      const after = db.prepare(`SELECT e.*, s.name AS source FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.import_id = ? AND e.id > ?`);
      for (const r of after.iterate(id, cp) as IterableIterator<StoredRow>) {
        for (const ent of extractEntities(rowToEvent(r))) if (!LINKED.has(ent.type)) unlinked.set(ent.id, (unlinked.get(ent.id) ?? 0) + 1);
      }
      const uncount = db.prepare('UPDATE entities SET count = count - ? WHERE id = ?');
      for (const [entityId, n] of unlinked) uncount.run(n, entityId);
    }
    db.prepare(`INSERT INTO events_fts (events_fts, rowid, raw) SELECT 'delete', id, raw FROM events WHERE import_id = ? AND id > ?`).run(id, cp);
    db.prepare('DELETE FROM events WHERE import_id = ? AND id > ?').run(id, cp);
    db.prepare('DELETE FROM templates WHERE count <= 0').run();
    db.prepare('DELETE FROM entities WHERE count <= 0').run();
    db.prepare('DELETE FROM sources WHERE import_id = ? AND member_index > ?').run(id, row.member_index);
    db.prepare(
      `UPDATE sources SET lines = ?, unparsed = (SELECT count(*) FROM events e WHERE e.source_id = sources.id AND e.parser = 'raw')
       WHERE import_id = ? AND member_index = ?`,
    ).run(row.member_lines, id, row.member_index);
    const counted = db
      .prepare(`SELECT count(*) AS lines, coalesce(sum(parser = 'raw'), 0) AS unparsed FROM events WHERE import_id = ?`)
      .get(id) as { lines: number; unparsed: number };
    // A checkpoint at a member's first line has not begun it, though its source row may have been
    // made meanwhile (the checkpoint is stored with the last batch before it, in turn): the resume
    // counts that member when it begins it again.
    const members = db
      .prepare('SELECT count(*) FROM sources WHERE import_id = ? AND (member_index < ? OR ? > 0)')
      .pluck()
      .get(id, row.member_index, row.member_lines) as number;
    db.prepare('UPDATE imports SET lines = ?, unparsed = ?, members = ? WHERE id = ?').run(counted.lines, counted.unparsed, members, id);
    models.rollBack();
  })();
}
