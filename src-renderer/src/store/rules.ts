/** The Rules view's state: packs, the filtered rules table, the selected rule and its matches. */
import { create } from 'zustand';
import type { ImportPackResult, RuleLevel, RuleMatchesPage, RulePackRow, RuleRow } from '../../../src-shared/contract-rules';
import { api } from '../api';

export const MATCHES_PAGE = 25;

export interface RulesFilter {
  query: string;
  level: RuleLevel | '';
  enabled: 'all' | 'on' | 'off';
  /** Pack name, or '' for every pack. */
  pack: string;
  sort: 'hits' | 'title' | 'level';
}

interface RulesState {
  packs: RulePackRow[];
  rules: RuleRow[];
  total: number;
  loaded: boolean;
  filter: RulesFilter;
  selectedId: string | null;
  matches: RuleMatchesPage | null;
  matchesLoading: boolean;
  importing: boolean;
  lastImport: ImportPackResult | null;
  /** A detection pass over the whole case is under way (after an import, removal or re-run). */
  rerunning: boolean;
  /** Rules were switched on or off since the last full detection pass. */
  pendingChanges: boolean;
  /** Drops replies to requests overtaken by newer ones. */
  generation: number;
  refresh(): Promise<void>;
  refreshRules(): Promise<void>;
  setFilter(partial: Partial<RulesFilter>): void;
  setEnabled(rule: RuleRow, enabled: boolean): Promise<void>;
  importPack(path: string): Promise<ImportPackResult>;
  removePack(id: number): Promise<void>;
  select(id: string | null): void;
  loadMatches(more?: boolean): Promise<void>;
  rerun(): Promise<void>;
  onDetectionFinished(scope: 'import' | 'all'): void;
  dismissImport(): void;
  /** Forget everything: another case was opened. */
  reset(): void;
}

export const useRules = create<RulesState>((set, get) => ({
  packs: [],
  rules: [],
  total: 0,
  loaded: false,
  filter: { query: '', level: '', enabled: 'all', pack: '', sort: 'hits' },
  selectedId: null,
  matches: null,
  matchesLoading: false,
  importing: false,
  lastImport: null,
  rerunning: false,
  pendingChanges: false,
  generation: 0,

  async refresh() {
    const [packs] = await Promise.all([api().call('rules.listPacks'), get().refreshRules()]);
    set({ packs });
  },

  async refreshRules() {
    const generation = get().generation + 1;
    set({ generation });
    const { query, level, enabled, pack, sort } = get().filter;
    const page = await api().call('rules.listRules', {
      query,
      sort,
      limit: 10_000,
      ...(level ? { level } : {}),
      ...(enabled !== 'all' ? { enabled: enabled === 'on' } : {}),
      ...(pack ? { pack } : {}),
    });
    if (get().generation !== generation) return;
    set({ rules: page.rows, total: page.total, loaded: true });
  },

  setFilter(partial) {
    set({ filter: { ...get().filter, ...partial } });
  },

  async setEnabled(rule, enabled) {
    // Optimistic: the switch flips at once, and flips back if the engine refuses.
    const flip = (value: boolean) => set({ rules: get().rules.map((r) => (r.id === rule.id ? { ...r, enabled: value } : r)) });
    flip(enabled);
    try {
      const row = await api().call('rules.setEnabled', { ruleId: rule.id, enabled });
      set({ rules: get().rules.map((r) => (r.id === row.id ? row : r)), pendingChanges: true });
      set({ packs: await api().call('rules.listPacks') });
    } catch (err) {
      flip(!enabled);
      throw err;
    }
  },

  async importPack(path) {
    set({ importing: true });
    try {
      const result = await api().call('rules.importPack', { path });
      set({ lastImport: result, rerunning: result.rerunScheduled, filter: { ...get().filter, pack: '' } });
      await get().refresh();
      return result;
    } finally {
      set({ importing: false });
    }
  },

  async removePack(id) {
    const packs = await api().call('rules.removePack', { packId: id });
    set({ packs, rerunning: true, lastImport: null });
    if (get().filter.pack && !packs.some((p) => p.name === get().filter.pack)) set({ filter: { ...get().filter, pack: '' } });
    await get().refreshRules();
    const sel = get().selectedId;
    if (sel && !get().rules.some((r) => r.id === sel)) set({ selectedId: null, matches: null });
  },

  select(id) {
    set({ selectedId: id, matches: null });
    if (id) void get().loadMatches().catch(() => set({ matchesLoading: false }));
  },

  async loadMatches(more = false) {
    const id = get().selectedId;
    if (!id) return;
    const prev = more ? get().matches : null;
    set({ matchesLoading: true });
    try {
      const page = await api().call('rules.listMatches', { ruleId: id, offset: prev ? prev.rows.length : 0, limit: MATCHES_PAGE, eventsPerMatch: 5 });
      if (get().selectedId !== id) return;
      set({ matches: prev ? { ...page, rows: [...prev.rows, ...page.rows], offset: 0 } : page });
    } finally {
      set({ matchesLoading: false });
    }
  },

  async rerun() {
    await api().call('detect.rerun');
    set({ rerunning: true, pendingChanges: false });
  },

  onDetectionFinished(scope) {
    if (scope === 'all') set({ rerunning: false, pendingChanges: false });
    void get().refresh().catch(() => undefined);
    if (get().selectedId) void get().loadMatches().catch(() => undefined);
  },

  dismissImport: () => set({ lastImport: null }),

  reset() {
    set({
      packs: [],
      rules: [],
      total: 0,
      loaded: false,
      selectedId: null,
      matches: null,
      lastImport: null,
      rerunning: false,
      pendingChanges: false,
      generation: get().generation + 1,
    });
  },
}));
