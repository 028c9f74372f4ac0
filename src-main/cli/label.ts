/**
 * `vigil label CASE INCIDENT true|benign|clear [--note TEXT] [--author NAME]`, and `--undo`:
 * triage headless, through the same handlers as the workbench (benign labels tune detection, every
 * change is an action in the case's history and can be undone).
 */
import { userInfo } from 'node:os';
import type { IncidentRow, IncidentsPage } from '../../src-shared/contract-incidents';
import type { LabelResult, SuppressedIncident, UndoResult } from '../../src-shared/contract-triage';
import type { BuiltPaths } from '../host/paths';
import { commandArgs } from './args';
import { CallError, HeadlessCase } from './headless';

const HELP = `Usage: vigil label CASE INCIDENT true|benign|clear [--note TEXT] [--author NAME] [--tuning auto|none]
       vigil label CASE --undo [--author NAME]
  Label an incident as the workbench does: a benign label raises the thresholds of the detectors
  that fired (or suppresses the pattern) from the next detection pass on; clear removes the label.
  INCIDENT  an incident id as \`vigil analyze\` prints it, or any unique start of one
  --note TEXT     keep a note with the label (the note stays when omitted; --note '' clears it)
  --author NAME   who labels (default: this user's login name)
  --tuning none   only the label, no tuning
  --undo          undo the latest label change that stands
`;

const LABELS = { true: 'true', benign: 'benign', clear: null } as const;

export async function runLabel(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const args = commandArgs({ name: 'vigil label', help: HELP, out, err }, argv, {
    note: { type: 'string' },
    author: { type: 'string' },
    tuning: { type: 'string', default: 'auto' },
    undo: { type: 'boolean', default: false },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  if (values.undo ? positionals.length !== 1 : positionals.length !== 3) return usage(values.undo ? 'give the CASE only' : 'give CASE, INCIDENT and true, benign or clear');
  const [casePath, wanted, word] = positionals as [string, string | undefined, string | undefined];
  if (!values.undo && !(word! in LABELS)) return usage(`the label must be true, benign or clear, not '${word}'`);
  if (values.tuning !== 'auto' && values.tuning !== 'none') return usage('--tuning must be auto or none');
  const author = values.author ?? safeUser();

  const h = new HeadlessCase({ version: ctx.version, rulesDir: ctx.paths.rulesDir, engineWorker: ctx.paths.engineWorker });
  try {
    await h.open(casePath);
    // A pass the case still owes (cut short earlier) rebuilds the incidents: label what it finds.
    await h.settle();
    if (values.undo) {
      const r = await h.call<UndoResult>('triage.undo', {});
      out.write(`Undid: ${r.action.summary} (${r.incidents} incident${r.incidents === 1 ? '' : 's'}, ${r.tunings} tuning${r.tunings === 1 ? '' : 's'})\n`);
      return 0;
    }
    const id = await resolveIncident(h, wanted!);
    const r = await h.call<LabelResult>('triage.label', {
      ids: [id],
      label: LABELS[word as keyof typeof LABELS],
      ...(values.note !== undefined ? { note: values.note === '' ? null : values.note } : {}),
      tuning: values.tuning,
      author,
    });
    const row = r.rows[0];
    out.write(`${r.action.summary}${row ? `: ${row.title}` : ''}\n`);
    for (const t of r.tunings) out.write(`  tuning: ${t.mode === "threshold" ? `raise the ${t.detector} threshold` : `suppress ${t.detector}`}${t.kind ? ` ${t.kind}` : ""} for ${t.subject}\n`);
    if (r.tunings.length > 0) out.write('  (takes effect when detection runs again; `vigil label CASE --undo` takes the label back)\n');
    return 0;
  } catch (e) {
    err.write(`vigil label: ${(e as Error).message}\n`);
    return e instanceof CallError && (e.code === 'not_found' || e.code === 'invalid_input') ? 2 : 1;
  } finally {
    await h.close();
  }
}

/** The one incident (in the queue, or suppressed by tuning) whose id is or starts with `wanted`. */
async function resolveIncident(h: HeadlessCase, wanted: string): Promise<string> {
  const ids: string[] = [];
  const PAGE = 10_000;
  for (let offset = 0; ; offset += PAGE) {
    const page = await h.call<IncidentsPage>('incidents.list', { offset, limit: PAGE, sort: 'priority' });
    ids.push(...page.rows.map((r: IncidentRow) => r.id));
    if (page.rows.length < PAGE) break;
  }
  ids.push(...(await h.call<SuppressedIncident[]>('triage.listSuppressed', { limit: 10_000 })).map((s) => s.id));
  if (ids.includes(wanted)) return wanted;
  const matches = [...new Set(ids.filter((id) => id.startsWith(wanted)))];
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new CallError('not_found', `no incident ${wanted} in this case`);
  throw new CallError('invalid_input', `${wanted} names ${matches.length} incidents (${matches.slice(0, 3).join(', ')}…); give more of the id`);
}

function safeUser(): string {
  try {
    return userInfo().username || 'analyst';
  } catch {
    return 'analyst';
  }
}
