/** The incident queue's state: filters, rows, the cursor, the open incident and its detail. */
import { create } from 'zustand';
import type {
  IncidentCategory,
  IncidentDetail,
  IncidentKind,
  IncidentLabel,
  IncidentRow,
  IncidentSeverity,
  IncidentsPage,
  IncidentStatus,
  LlmSettings,
  Rephrasing,
} from '../../../src-shared/contract-incidents';
import { api } from '../api';
import { useApp } from './app';

export interface IncidentsFilter {
  query: string;
  category: IncidentCategory | '';
  severity: IncidentSeverity | '';
  status: IncidentStatus | '';
  label: IncidentLabel | 'none' | '';
  /** Campaigns only, single incidents only, or both. */
  kind: IncidentKind | '';
  sort: 'priority' | 'severity' | 'first' | 'last' | 'events' | 'risk' | 'category';
  desc: boolean;
}

interface IncidentsState {
  /** The case these rows belong to. */
  casePath: string | null;
  rows: IncidentRow[];
  total: number;
  counts: IncidentsPage['counts'] | null;
  loaded: boolean;
  filter: IncidentsFilter;
  cursor: number;
  openId: string | null;
  detail: IncidentDetail | null;
  detailError: string | null;
  rephrasing: Rephrasing | null;
  rephraseBusy: boolean;
  llm: LlmSettings | null;
  generation: number;
  refresh(): Promise<void>;
  setFilter(partial: Partial<IncidentsFilter>): void;
  setCursor(i: number): void;
  open(id: string): Promise<void>;
  back(): void;
  reloadDetail(): Promise<void>;
  /** The status; labels go through the triage store (history, undo, tuning). */
  update(change: { status: IncidentStatus }): Promise<void>;
  rephrase(): Promise<void>;
  loadLlm(): Promise<void>;
  saveLlm(s: Omit<LlmSettings, 'hasApiKey'> & { apiKey?: string }): Promise<void>;
  reset(): void;
}

const INITIAL_FILTER: IncidentsFilter = { query: '', category: '', severity: '', status: '', label: '', kind: '', sort: 'priority', desc: true };

export const useIncidents = create<IncidentsState>((set, get) => ({
  casePath: null,
  rows: [],
  total: 0,
  counts: null,
  loaded: false,
  filter: INITIAL_FILTER,
  cursor: 0,
  openId: null,
  detail: null,
  detailError: null,
  rephrasing: null,
  rephraseBusy: false,
  llm: null,
  generation: 0,

  async refresh() {
    const generation = get().generation + 1;
    set({ generation });
    const f = get().filter;
    const page = await api().call('incidents.list', {
      query: f.query,
      ...(f.category ? { category: f.category } : {}),
      ...(f.severity ? { severity: f.severity } : {}),
      ...(f.status ? { status: f.status } : {}),
      ...(f.label ? { label: f.label } : {}),
      ...(f.kind ? { kind: f.kind } : {}),
      sort: f.sort,
      desc: f.desc,
      limit: 5000,
    });
    if (get().generation !== generation) return;
    // Rows move while collecting (a new incident, one that grew): the cursor stays on its incident.
    const was = get().rows[get().cursor]?.id;
    const at = was === undefined ? -1 : page.rows.findIndex((r) => r.id === was);
    set({
      rows: page.rows,
      total: page.total,
      counts: page.counts,
      loaded: true,
      cursor: at >= 0 ? at : Math.min(get().cursor, Math.max(0, page.rows.length - 1)),
    });
  },
  setFilter(partial) {
    set({ filter: { ...get().filter, ...partial }, cursor: 0 });
  },
  setCursor(i) {
    const n = get().rows.length;
    set({ cursor: Math.max(0, Math.min(n - 1, i)) });
  },
  async open(id) {
    const i = get().rows.findIndex((r) => r.id === id);
    set({ openId: id, detail: null, detailError: null, rephrasing: null, ...(i >= 0 ? { cursor: i } : {}) });
    await get().reloadDetail();
  },
  back() {
    set({ openId: null, detail: null, detailError: null, rephrasing: null });
  },
  async reloadDetail() {
    const id = get().openId;
    if (!id) return;
    try {
      const detail = await api().call('incidents.get', { id, evidenceLimit: 300 });
      if (get().openId === id) set({ detail, detailError: null });
    } catch (err) {
      if (get().openId === id) set({ detailError: err instanceof Error ? err.message : String(err) });
    }
  },
  async update(change) {
    const id = get().openId ?? get().rows[get().cursor]?.id;
    if (!id) return;
    const row = await api().call('incidents.setStatus', { id, ...change });
    set({
      rows: get().rows.map((r) => (r.id === id ? row : r)),
      detail: get().detail && get().detail!.incident.id === id ? { ...get().detail!, incident: row } : get().detail,
    });
  },
  async rephrase() {
    const id = get().openId;
    if (!id) return;
    set({ rephraseBusy: true });
    try {
      const r = await api().call('incidents.rephrase', { id });
      if (get().openId === id) set({ rephrasing: r });
    } finally {
      set({ rephraseBusy: false });
    }
  },
  async loadLlm() {
    set({ llm: await api().call('incidents.getLlmSettings') });
  },
  async saveLlm(s) {
    set({ llm: await api().call('incidents.setLlmSettings', s) });
  },
  reset() {
    set({
      rows: [],
      total: 0,
      counts: null,
      loaded: false,
      filter: INITIAL_FILTER,
      cursor: 0,
      openId: null,
      detail: null,
      detailError: null,
      rephrasing: null,
      llm: null,
    });
  },
}));

/**
 * Open the bundled sample case: reopen it when it exists, otherwise create it and import the
 * sample archive, then show the queue (it fills in as detection finishes).
 */
export async function openSampleCase(): Promise<void> {
  const app = useApp.getState();
  try {
    const sample = await api().call('incidents.getSample');
    if (!sample.archiveExists) throw new Error(`The sample archive is missing (${sample.archive}).`);
    if (sample.caseExists) {
      await app.openCase(sample.casePath);
    } else {
      await app.createCase('Sample', sample.casePath);
      if (!useApp.getState().currentCase) return;
      await api().call('ingest.startImport', { paths: [sample.archive] });
    }
    if (useApp.getState().currentCase) useApp.getState().setView('incidents');
  } catch (err) {
    app.showError(err);
  }
}
