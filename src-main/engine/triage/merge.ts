/**
 * Merging another analyst's labels from a JSON export: per incident the newer label wins (ours
 * when we labelled it later), and the merge says what it changed and what it kept. The merge is
 * one action, so it can be undone like a label.
 */
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { INCIDENT_LABELS, type IncidentLabel } from '../../../src-shared/contract-incidents';
import type { GroundTruthResult, MergeChange, MergeReport } from '../../../src-shared/contract-triage';
import { EngineError, ioError } from '../errors';
import { ATTACK_PATTERNS } from '../detect/behaviour';
import { applyLabel, defaultAuthor, labelProvenance, newAction } from './labels';

/** Reading an export back is done whole: fine well below V8's longest string (about 512 MB). */
const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

const exportedIncident = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(2000).default(''),
  groupKey: z.string().max(2000).default(''),
  label: z.enum(INCIDENT_LABELS),
  note: z.string().max(10_000).nullable().default(null),
  labelledAt: z.string().nullable().default(null),
  labelledBy: z.string().max(200).nullable().default(null),
});

const exportFile = z.object({
  format: z.literal('vigil.incidents'),
  version: z.number().int(),
  incidents: z.array(z.looseObject({})),
});

export function importLabels(db: Database, file: string, author = defaultAuthor()): MergeReport {
  let text: string;
  try {
    if (statSync(file).size > MAX_IMPORT_BYTES) throw new EngineError('bad_format', `${file} is larger than 256 MB: export the labels without evidence (vigil export --max-events 0) to merge them.`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw ioError(err, `The label file ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EngineError('bad_format', `${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = exportFile.safeParse(json);
  if (!parsed.success) {
    throw new EngineError('bad_format', `${file} is not a Vigil JSON export (expected "format": "vigil.incidents" with an "incidents" list).`);
  }
  const incoming: (z.infer<typeof exportedIncident> & { at: number })[] = [];
  for (const [i, raw] of parsed.data.incidents.entries()) {
    // An export of every incident (`--label all`) holds unlabelled ones: nothing to merge there.
    if (typeof raw === 'object' && raw !== null && (raw as { label?: unknown }).label === null) continue;
    const r = exportedIncident.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new EngineError('bad_format', `${file}: incident #${i + 1}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    const at = r.data.labelledAt ? Date.parse(r.data.labelledAt) : NaN;
    incoming.push({ ...r.data, at: Number.isFinite(at) ? at : 0 });
  }

  return db.transaction(() => {
    const report: MergeReport = { file, applied: [], kept: [], unchanged: 0, unknown: 0, actionId: null };
    const state = db.prepare('SELECT label, note FROM incident_state WHERE id = ?');
    const live = db.prepare('SELECT title, group_key AS groupKey FROM incidents WHERE id = ?');
    const suppressed = db.prepare('SELECT title, group_key AS groupKey FROM triage_suppressed WHERE id = ?');
    const provenance = labelProvenance(db);
    let actionId: number | null = null;
    const now = Date.now();
    for (const inc of incoming) {
      const cur = state.get(inc.id) as { label: IncidentLabel | null; note: string | null } | undefined;
      const local = cur?.label ?? null;
      // Clearing a label is a change too: a clear made after their label wins over it.
      // (Only a clear in the history counts: undo and status changes also touch the state's time.)
      const prov = provenance(inc.id);
      const localAt = local === null ? (prov.fromHistory ? prov.at : null) : prov.at;
      const here = live.get(inc.id) as { title: string; groupKey: string } | undefined;
      const out = here ? undefined : (suppressed.get(inc.id) as { title: string; groupKey: string } | undefined);
      const change: MergeChange = {
        id: inc.id,
        title: here?.title ?? out?.title ?? inc.title,
        local,
        incoming: inc.label,
        localAt,
        incomingAt: inc.at,
        note: inc.note,
      };
      if (local === inc.label && (inc.note === null || inc.note === (cur?.note ?? null))) {
        report.unchanged++;
        continue;
      }
      if (localAt !== null && localAt >= inc.at) {
        report.kept.push(change);
        continue;
      }
      if (actionId === null) actionId = newAction(db, 'import', author, `Merged labels from ${file}`, now);
      if (!here && !out) report.unknown++;
      applyLabel(
        db,
        actionId,
        inc.labelledBy ? `${author} (from ${inc.labelledBy})` : author,
        inc.id,
        here ? { ...here, live: true } : { title: out?.title ?? inc.title, groupKey: out?.groupKey ?? inc.groupKey, live: false },
        { label: inc.label, ...(inc.note !== null ? { note: inc.note } : {}), tuning: 'auto' },
        now,
      );
      report.applied.push(change);
    }
    if (actionId !== null) {
      const n = report.applied.length;
      db.prepare('UPDATE triage_actions SET summary = ? WHERE id = ?').run(
        `Merged ${n} label${n === 1 ? '' : 's'} from ${file}${report.kept.length ? `; kept ${report.kept.length} newer of ours` : ''}`,
        actionId,
      );
    }
    report.actionId = actionId;
    return report;
  })();
}

/**
 * True-labelled incidents as attacks in the ground-truth format that experiments read (pattern,
 * key = the attacking IP, users, start, end): the analyst's labels measure the models.
 */
export function writeGroundTruth(db: Database, path: string): GroundTruthResult {
  const rows = db
    .prepare(
      `SELECT i.id, i.pattern, i.group_key AS groupKey, i.first_ts AS firstTs, i.last_ts AS lastTs, i.entities
       FROM incidents i JOIN incident_state s ON s.id = i.id WHERE s.label = 'true' ORDER BY i.first_ts`,
    )
    .all() as { id: string; pattern: string | null; groupKey: string; firstTs: number | null; lastTs: number | null; entities: string }[];
  const known = new Set<string>(ATTACK_PATTERNS);
  const attacks = [];
  let skipped = 0;
  for (const r of rows) {
    if (!r.groupKey.startsWith('ip:') || !r.pattern || !known.has(r.pattern) || r.firstTs === null || r.lastTs === null) {
      skipped++;
      continue;
    }
    const users = (JSON.parse(r.entities) as { type: string; value: string }[]).filter((e) => e.type === 'user').map((e) => e.value);
    attacks.push({ pattern: r.pattern, key: r.groupKey.slice(3), users, start: r.firstTs, end: r.lastTs, note: `analyst label on ${r.id}` });
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ source: 'vigil analyst labels', attacks }, null, 2) + '\n');
  } catch (err) {
    throw ioError(err, `The ground-truth file ${path}`);
  }
  return { path, attacks: attacks.length, skipped };
}
