/**
 * Labels with notes, their history and undo. The current label lives in incident_state (kept by
 * incident id across re-runs, as the queue reads it); every change is also a history row under an
 * action, and an action can be undone: labels go back, the tuning it added goes, the tuning it
 * removed comes back.
 */
import { userInfo } from 'node:os';
import type { Database } from 'better-sqlite3';
import type { IncidentLabel, IncidentRow } from '../../../src-shared/contract-incidents';
import type { IncidentTriage, LabelHistoryRow, LabelResult, TriageAction, TuningRow, UndoResult } from '../../../src-shared/contract-triage';
import { EngineError } from '../errors';
import { campaignMemberIds, getIncidentRow } from '../incidents/queries';
import { readAlertsByIds } from '../incidents/persist';
import { describe, listSuppressed, listTuning, proposeTuning } from './tuning';

export function defaultAuthor(): string {
  try {
    return userInfo().username || 'analyst';
  } catch {
    return 'analyst';
  }
}

interface ActionDbRow {
  id: number;
  kind: TriageAction['kind'];
  at: number;
  author: string;
  summary: string;
  undone_at: number | null;
}

function toAction(r: ActionDbRow): TriageAction {
  return { id: r.id, kind: r.kind, at: r.at, author: r.author, summary: r.summary, undoneAt: r.undone_at };
}

export function getAction(db: Database, id: number): TriageAction {
  const r = db.prepare('SELECT * FROM triage_actions WHERE id = ?').get(id) as ActionDbRow | undefined;
  if (!r) throw new EngineError('not_found', `No triage action #${id} in this case.`);
  return toAction(r);
}

export function listActions(db: Database, limit: number): TriageAction[] {
  return (db.prepare('SELECT * FROM triage_actions ORDER BY id DESC LIMIT ?').all(limit) as ActionDbRow[]).map(toAction);
}

export function newAction(db: Database, kind: TriageAction['kind'], author: string, summary: string, at = Date.now()): number {
  return db
    .prepare('INSERT INTO triage_actions (kind, at, author, summary) VALUES (?, ?, ?, ?) RETURNING id')
    .pluck()
    .get(kind, at, author, summary) as number;
}

interface Known {
  title: string;
  groupKey: string;
  /** In the queue (it has alerts), or only among the suppressed. */
  live: boolean;
}

function known(db: Database, id: string): Known | null {
  const live = db.prepare('SELECT title, group_key AS groupKey FROM incidents WHERE id = ?').get(id) as
    { title: string; groupKey: string } | undefined;
  if (live) return { ...live, live: true };
  const sup = db.prepare('SELECT title, group_key AS groupKey FROM triage_suppressed WHERE id = ?').get(id) as
    { title: string; groupKey: string } | undefined;
  return sup ? { ...sup, live: false } : null;
}

export interface LabelChange {
  label: IncidentLabel | null;
  /** undefined keeps the note. */
  note?: string | null;
  tuning: 'auto' | 'none';
}

/**
 * One incident's label under an action: the state, the history row, and the tuning that follows
 * (a benign label adds it; moving away from benign removes what that label added).
 */
export function applyLabel(
  db: Database,
  actionId: number,
  author: string,
  id: string,
  info: { title: string; groupKey: string; live: boolean } | null,
  change: LabelChange,
  at: number,
): TuningRow[] {
  const cur = db.prepare('SELECT status, label, note FROM incident_state WHERE id = ?').get(id) as
    { status: string; label: IncidentLabel | null; note: string | null } | undefined;
  const before = cur?.label ?? null;
  const noteBefore = cur?.note ?? null;
  const note = change.note !== undefined ? change.note : noteBefore;
  if (before === change.label && note === noteBefore) return [];
  db.prepare(
    `INSERT INTO triage_label_history (action_id, incident_id, title, label_before, note_before, had_state, label_after, note_after, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(actionId, id, info?.title ?? '', before, noteBefore, cur ? 1 : 0, change.label, note, at);
  db.prepare(
    `INSERT INTO incident_state (id, status, label, note, updated_at) VALUES (?, 'open', ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET label = excluded.label, note = excluded.note, updated_at = excluded.updated_at`,
  ).run(id, change.label, note, at);

  if (before === 'benign' && change.label !== 'benign') {
    db.prepare('UPDATE triage_tuning SET removed_at = ?, removed_action_id = ? WHERE incident_id = ? AND removed_at IS NULL').run(
      at,
      actionId,
      id,
    );
  }
  if (change.label !== 'benign' || before === 'benign' || change.tuning === 'none' || !info?.live) return [];
  const alertIds = db.prepare('SELECT alert_id FROM incident_alerts WHERE incident_id = ?').pluck().all(id) as number[];
  const proposals = proposeTuning(readAlertsByIds(db, alertIds), info.groupKey);
  const existing = db.prepare(
    `SELECT count(*) FROM triage_tuning WHERE removed_at IS NULL AND detector = ? AND subject = ? AND (kind IS NULL OR kind = ?)
       AND (mode = 'suppress' OR (? IS NOT NULL AND threshold >= ?))`,
  );
  const put = db.prepare(
    `INSERT INTO triage_tuning (action_id, mode, detector, kind, subject, threshold, reason, incident_id, created_at, author)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const ids: number[] = [];
  const when = new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  for (const p of proposals) {
    if ((existing.pluck().get(p.detector, p.subject, p.kind, p.threshold, p.threshold) as number) > 0) continue;
    const reason = `${describe(p)}: ${author} labelled “${info.title}” (${id}) benign on ${when} UTC${
      p.mode === 'threshold' ? ', the highest score it had' : ''
    }.`;
    ids.push(put.pluck().get(actionId, p.mode, p.detector, p.kind, p.subject, p.threshold, reason, id, at, author) as number);
  }
  return ids.length ? listTuning(db, true, `id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids)) : [];
}

export function label(
  db: Database,
  input: { ids: string[]; label: IncidentLabel | null; note?: string | null; tuning: 'auto' | 'none'; author?: string },
): LabelResult {
  const author = input.author ?? defaultAuthor();
  // A label on a campaign applies to the incidents it stands for.
  const ids = [...new Set(input.ids.flatMap((id) => [id, ...campaignMemberIds(db, id)]))];
  return db.transaction(() => {
    const found = ids.map((id) => [id, known(db, id)] as const);
    const missing = found.filter(([, k]) => !k).map(([id]) => id);
    const present = found.filter(([, k]) => k) as [string, Known][];
    if (present.length === 0) {
      throw new EngineError('not_found', `No incident ${missing.slice(0, 3).join(', ')} in this case (detection may have re-run: refresh the queue).`);
    }
    const what = input.label === null ? 'cleared the label of' : `labelled`;
    const summary =
      present.length === 1
        ? `${what} “${present[0]![1].title}”${input.label ? ` ${labelWord(input.label)}` : ''}`
        : `${what} ${present.length} incidents${input.label ? ` ${labelWord(input.label)}` : ''}`;
    const at = Date.now();
    const actionId = newAction(db, 'label', author, summary[0]!.toUpperCase() + summary.slice(1), at);
    const tunings: TuningRow[] = [];
    for (const [id, k] of present) {
      tunings.push(...applyLabel(db, actionId, author, id, k, { label: input.label, note: input.note, tuning: input.tuning }, at));
    }
    const rows: IncidentRow[] = present.filter(([, k]) => k.live).map(([id]) => getIncidentRow(db, id));
    return { action: getAction(db, actionId), rows, tunings, missing };
  })();
}

export function labelWord(l: IncidentLabel): string {
  return l === 'true' ? 'true incident' : 'benign';
}

export function removeTuning(db: Database, id: number, author = defaultAuthor()): TuningRow {
  return db.transaction(() => {
    const row = listTuning(db, true, 'id = ?', id)[0];
    if (!row) throw new EngineError('not_found', `No tuning #${id} in this case.`);
    if (row.removedAt !== null) throw new EngineError('conflict', `Tuning #${id} was already removed.`);
    const at = Date.now();
    const actionId = newAction(db, 'remove_tuning', author, `Removed tuning #${id}: ${describe(row)}`, at);
    db.prepare('UPDATE triage_tuning SET removed_at = ?, removed_action_id = ? WHERE id = ?').run(at, actionId, id);
    return listTuning(db, true, 'id = ?', id)[0]!;
  })();
}

/** Undo the latest standing action, or the one given when it is the latest. */
export function undo(db: Database, actionId?: number): UndoResult {
  return db.transaction(() => {
    const latest = db.prepare('SELECT * FROM triage_actions WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1').get() as ActionDbRow | undefined;
    if (!latest) throw new EngineError('not_found', 'Nothing to undo.');
    if (actionId !== undefined && actionId !== latest.id) {
      const a = getAction(db, actionId);
      if (a.undoneAt !== null) throw new EngineError('conflict', `Action #${actionId} was already undone.`);
      throw new EngineError('conflict', `Undo the later actions first: the latest is #${latest.id} (${latest.summary}).`);
    }
    const history = db
      .prepare('SELECT incident_id, label_before, note_before, had_state FROM triage_label_history WHERE action_id = ? ORDER BY id DESC')
      .all(latest.id) as { incident_id: string; label_before: IncidentLabel | null; note_before: string | null; had_state: number }[];
    const restore = db.prepare('UPDATE incident_state SET label = ?, note = ?, updated_at = ? WHERE id = ?');
    const at = Date.now();
    for (const h of history) restore.run(h.label_before, h.note_before, at, h.incident_id);
    const added = db.prepare('DELETE FROM triage_tuning WHERE action_id = ?').run(latest.id).changes;
    const back = db
      .prepare('UPDATE triage_tuning SET removed_at = NULL, removed_action_id = NULL WHERE removed_action_id = ?')
      .run(latest.id).changes;
    db.prepare('UPDATE triage_actions SET undone_at = ? WHERE id = ?').run(at, latest.id);
    return { action: getAction(db, latest.id), incidents: history.length, tunings: added + back };
  })();
}

interface HistoryDbRow {
  id: number;
  action_id: number;
  incident_id: string;
  title: string;
  label_before: IncidentLabel | null;
  label_after: IncidentLabel | null;
  note_after: string | null;
  at: number;
  author: string;
  kind: TriageAction['kind'];
  undone_at: number | null;
}

export function history(db: Database, incidentId: string | undefined, limit: number): LabelHistoryRow[] {
  const rows = db
    .prepare(
      `SELECT h.id, h.action_id, h.incident_id, h.title, h.label_before, h.label_after, h.note_after, h.at, a.author, a.kind, a.undone_at
       FROM triage_label_history h JOIN triage_actions a ON a.id = h.action_id
       ${incidentId ? 'WHERE h.incident_id = ?' : ''} ORDER BY h.id DESC LIMIT ?`,
    )
    .all(...(incidentId ? [incidentId] : []), limit) as HistoryDbRow[];
  return rows.map((r) => ({
    id: r.id,
    actionId: r.action_id,
    incidentId: r.incident_id,
    title: r.title,
    before: r.label_before,
    after: r.label_after,
    note: r.note_after,
    at: r.at,
    author: r.author,
    via: r.kind,
    undone: r.undone_at !== null,
  }));
}

export function incidentTriage(db: Database, id: string): IncidentTriage {
  const hist = history(db, id, 200);
  const k = known(db, id);
  if (!k && hist.length === 0) throw new EngineError('not_found', `No incident ${id} in this case.`);
  return {
    id,
    history: hist,
    tunings: listTuning(db, true, 'incident_id = ?', id),
    suppressed: listSuppressed(db, 1, id)[0] ?? null,
  };
}

/** When the label was last set, and by whom (from the history; else the state's time). */
export function labelProvenance(db: Database): (id: string) => { at: number | null; author: string | null; fromHistory: boolean } {
  const last = db.prepare(
    `SELECT h.at, a.author FROM triage_label_history h JOIN triage_actions a ON a.id = h.action_id
     WHERE h.incident_id = ? AND a.undone_at IS NULL ORDER BY h.id DESC LIMIT 1`,
  );
  const state = db.prepare('SELECT updated_at FROM incident_state WHERE id = ?').pluck();
  return (id) => {
    const r = last.get(id) as { at: number; author: string } | undefined;
    if (r) return { ...r, fromHistory: true };
    return { at: (state.get(id) as number | undefined) ?? null, author: null, fromHistory: false };
  };
}
