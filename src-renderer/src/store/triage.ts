/** Triage state: the queue's selection, labelling with undo, tuning, suppressed incidents, history, export and merge. */
import { create } from 'zustand';
import type { IncidentLabel } from '../../../src-shared/contract-incidents';
import type {
  ExportFormat,
  ExportLabel,
  ExportProgress,
  ExportResult,
  GroundTruthResult,
  LabelHistoryRow,
  MergeReport,
  SuppressedIncident,
  TriageAction,
  TuningRow,
} from '../../../src-shared/contract-triage';
import { api, errorText } from '../api';
import { useApp } from './app';
import { useIncidents } from './incidents';

export type TriageTab = 'queue' | 'tuning' | 'export' | 'history';

/** What the last action did, shown until the next one: what changed, how to apply it, how to undo it. */
export interface TriageNotice {
  text: string;
  /** Tuning was added or removed: detection must re-run for the queue to show it. */
  rerun: boolean;
  undoable: boolean;
}

interface TriageState {
  tab: TriageTab;
  selected: string[];
  /** Last row clicked, for shift-click ranges. */
  anchor: string | null;
  notice: TriageNotice | null;
  busy: boolean;
  tunings: TuningRow[];
  suppressed: SuppressedIncident[];
  history: LabelHistoryRow[];
  actions: TriageAction[];
  exporting: ExportProgress | null;
  exported: ExportResult | null;
  exportError: string | null;
  merge: MergeReport | null;
  truth: GroundTruthResult | null;
  rerunning: boolean;
  /** Tuning changed since detection last ran over the whole case: the queue does not show it yet. */
  pending: boolean;
  /** Benign labels raise thresholds or suppress (on by default); off labels only. */
  tuneBenign: boolean;
  setTuneBenign(on: boolean): void;
  /** Who labels, as history and exports show it; empty: the engine uses the OS user name. */
  author: string;
  setAuthor(name: string): void;
  setTab(tab: TriageTab): void;
  toggle(id: string): void;
  selectRange(id: string, ids: string[]): void;
  setSelected(ids: string[]): void;
  label(ids: string[], label: IncidentLabel | null, note?: string | null): Promise<void>;
  saveNote(id: string, note: string | null): Promise<void>;
  undo(): Promise<void>;
  rerun(): Promise<void>;
  removeTuning(id: number): Promise<void>;
  load(): Promise<void>;
  exportTo(format: ExportFormat, label: ExportLabel, path: string | null): Promise<void>;
  cancelExport(): Promise<void>;
  importLabels(path: string): Promise<void>;
  writeTruth(): Promise<void>;
  onProgress(p: ExportProgress): void;
  dismiss(): void;
  reset(): void;
}

const AUTHOR_KEY = 'vigil.triage.author';

function readAuthor(): string {
  try {
    return localStorage.getItem(AUTHOR_KEY) ?? '';
  } catch {
    return '';
  }
}

function authorArg(author: string): { author?: string } {
  return author.trim() ? { author: author.trim() } : {};
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function refreshQueue(): Promise<void> {
  const inc = useIncidents.getState();
  await inc.refresh();
  await inc.reloadDetail();
}

/** What belongs to the open case, and goes back to this when it changes. */
function caseState(): Pick<
  TriageState,
  | 'tab'
  | 'selected'
  | 'anchor'
  | 'notice'
  | 'tunings'
  | 'suppressed'
  | 'history'
  | 'actions'
  | 'exporting'
  | 'exported'
  | 'exportError'
  | 'merge'
  | 'truth'
  | 'rerunning'
  | 'pending'
> {
  return {
    tab: 'queue',
    selected: [],
    anchor: null,
    notice: null,
    tunings: [],
    suppressed: [],
    history: [],
    actions: [],
    exporting: null,
    exported: null,
    exportError: null,
    merge: null,
    truth: null,
    rerunning: false,
    pending: false,
  };
}

export const useTriage = create<TriageState>((set, get) => ({
  ...caseState(),
  busy: false,
  tuneBenign: true,
  author: readAuthor(),

  setTuneBenign(on) {
    set({ tuneBenign: on });
  },
  setAuthor(name) {
    const author = name.slice(0, 120);
    set({ author });
    try {
      localStorage.setItem(AUTHOR_KEY, author);
    } catch {
      // Storage may be off; the name then lasts for this session.
    }
  },
  setTab(tab) {
    set({ tab });
    if (tab !== 'queue') void get().load().catch(useApp.getState().showError);
  },
  toggle(id) {
    const s = get().selected;
    set({ selected: s.includes(id) ? s.filter((x) => x !== id) : [...s, id], anchor: id });
  },
  selectRange(id, ids) {
    const anchor = get().anchor;
    const a = anchor ? ids.indexOf(anchor) : -1;
    const b = ids.indexOf(id);
    if (a < 0 || b < 0) return get().toggle(id);
    const range = ids.slice(Math.min(a, b), Math.max(a, b) + 1);
    set({ selected: [...new Set([...get().selected, ...range])], anchor: id });
  },
  setSelected(ids) {
    set({ selected: ids, anchor: ids[ids.length - 1] ?? null });
  },

  async label(ids, label, note) {
    if (ids.length === 0 || get().busy) return;
    set({ busy: true });
    try {
      const r = await api().call('triage.label', {
        ids,
        label,
        ...(note !== undefined ? { note } : {}),
        tuning: get().tuneBenign ? 'auto' : 'none',
        ...authorArg(get().author),
      });
      const tuned = r.tunings.length;
      const what = label === null ? 'Cleared the label of' : `Labelled ${label === 'true' ? 'true incident' : 'benign'}:`;
      set({
        selected: [],
        pending: get().pending || tuned > 0,
        notice: {
          text:
            `${what} ${plural(r.rows.length, 'incident')}` +
            (tuned ? ` · ${plural(tuned, 'tuning')} added (${r.tunings.map((t) => (t.mode === 'threshold' ? 'threshold' : 'suppression')).join(', ')})` : '') +
            (r.missing.length ? ` · ${plural(r.missing.length, 'incident')} no longer in the case` : ''),
          rerun: tuned > 0,
          undoable: true,
        },
      });
      await refreshQueue();
    } finally {
      set({ busy: false });
    }
  },
  async saveNote(id, note) {
    const row = await api().call('triage.label', {
      ids: [id],
      label: useIncidents.getState().detail?.incident.label ?? null,
      note,
      tuning: 'auto',
      ...authorArg(get().author),
    });
    set({ notice: { text: row.rows.length ? 'Note saved' : 'Note unchanged', rerun: false, undoable: true } });
    await refreshQueue();
  },
  async undo() {
    if (get().busy) return;
    set({ busy: true });
    try {
      const r = await api().call('triage.undo', {});
      set({
        pending: get().pending || r.tunings > 0,
        notice: {
          text: `Undone: ${r.action.summary}${r.tunings ? ` · ${plural(r.tunings, 'tuning')} changed back` : ''}`,
          rerun: r.tunings > 0,
          undoable: true,
        },
      });
      await refreshQueue();
      if (get().tab !== 'queue') await get().load();
    } catch (err) {
      set({ notice: { text: errorText(err), rerun: false, undoable: false } });
    } finally {
      set({ busy: false });
    }
  },
  async rerun() {
    set({ rerunning: true });
    try {
      await api().call('detect.rerun', {});
    } catch (err) {
      set({ rerunning: false });
      throw err;
    }
  },
  async removeTuning(id) {
    const t = await api().call('triage.removeTuning', { id, ...authorArg(get().author) });
    set({ pending: true, notice: { text: `Removed tuning #${t.id}: ${t.detector}${t.kind ? `/${t.kind}` : ''} about ${t.subject}`, rerun: true, undoable: true } });
    await get().load();
  },
  async load() {
    const [all, suppressed, history, actions, runs] = await Promise.all([
      api().call('triage.listTuning', { includeRemoved: true }),
      api().call('triage.listSuppressed', {}),
      api().call('triage.history', { limit: 500 }),
      api().call('triage.listActions', { limit: 50 }),
      api().call('detect.listRuns', {}),
    ]);
    // Tuning applies when incidents are built, after each detection pass: newer tuning is pending.
    const lastRun = Math.max(0, ...runs.map((r) => r.finishedAt ?? 0));
    const lastTuning = Math.max(0, ...all.map((t) => Math.max(t.createdAt, t.removedAt ?? 0)));
    set({
      tunings: all.filter((t) => t.removedAt === null),
      suppressed,
      history,
      actions,
      pending: !get().rerunning && lastTuning > lastRun,
    });
  },
  async exportTo(format, label, path) {
    set({ exporting: { format, path: path ?? '', incidents: 0, events: 0, bytes: 0, done: false }, exported: null, exportError: null });
    try {
      const r = await api().call('triage.export', { format, label, ...(path ? { path } : {}) });
      set({ exported: r });
    } catch (err) {
      set({ exportError: errorText(err) });
    } finally {
      set({ exporting: null });
    }
  },
  async cancelExport() {
    await api().call('triage.cancelExport', {});
  },
  async importLabels(path) {
    const r = await api().call('triage.importLabels', { path, ...authorArg(get().author) });
    set({
      merge: r,
      pending: get().pending || r.applied.some((c) => c.incoming === 'benign'),
      notice: {
        text: `Merged labels: ${r.applied.length} applied, ${r.kept.length} of ours kept (newer), ${r.unchanged} unchanged`,
        rerun: r.applied.some((c) => c.incoming === 'benign'),
        undoable: r.actionId !== null,
      },
    });
    await refreshQueue();
    await get().load();
  },
  async writeTruth() {
    set({ truth: await api().call('triage.writeGroundTruth', {}) });
  },
  onProgress(p) {
    if (get().exporting && !p.done) set({ exporting: p });
  },
  dismiss() {
    set({ notice: null });
  },
  reset() {
    set(caseState());
  },
}));

/** In the browser host, a link that downloads an export written under the data folder. */
export function downloadUrl(name: string): string | null {
  if (!location.protocol.startsWith('http')) return null;
  // The browser host's bridge keeps its token in the session (and out of the address bar).
  const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('vigil.token');
  if (!token) return null;
  return `/download?name=${encodeURIComponent(name)}&token=${encodeURIComponent(token)}`;
}
