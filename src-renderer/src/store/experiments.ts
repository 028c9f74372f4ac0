/** Experiment runs of the open case: the list, the run in view, the two picked for comparison. */
import { create } from 'zustand';
import type { ExperimentComparison, ExperimentParamsInput, ExperimentRecord, ExperimentSummary } from '../../../src-shared/contract-experiments';
import { api } from '../api';

export interface NewRun {
  name: string;
  truthPath: string;
  params: ExperimentParamsInput;
  notes?: string;
}

interface ExperimentsState {
  runs: ExperimentSummary[];
  loaded: boolean;
  /** The run whose details are shown. */
  detail: ExperimentRecord | null;
  /** Up to two run ids picked for side-by-side comparison, in the order they were picked. */
  picked: number[];
  comparison: ExperimentComparison | null;
  running: boolean;
  refresh(): Promise<void>;
  run(input: NewRun): Promise<ExperimentRecord>;
  show(id: number | null): Promise<void>;
  togglePick(id: number): void;
  compare(): Promise<void>;
  closeComparison(): void;
  remove(id: number): Promise<void>;
  reset(): void;
}

export const useExperiments = create<ExperimentsState>((set, get) => ({
  runs: [],
  loaded: false,
  detail: null,
  picked: [],
  comparison: null,
  running: false,

  async refresh() {
    const runs = await api().call('experiments.listRuns');
    const known = new Set(runs.map((r) => r.id));
    set({ runs, loaded: true, picked: get().picked.filter((id) => known.has(id)) });
  },
  async run(input) {
    set({ running: true });
    try {
      const record = await api().call('experiments.runExperiment', input);
      set({ detail: record, comparison: null });
      await get().refresh();
      return record;
    } finally {
      set({ running: false });
    }
  },
  async show(id) {
    if (id === null) return set({ detail: null });
    set({ detail: await api().call('experiments.getRun', { id }), comparison: null });
  },
  togglePick(id) {
    const picked = get().picked;
    // Picking a third replaces the older of the two: comparing is always A (older pick) vs B.
    set({ picked: picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id].slice(-2) });
  },
  async compare() {
    const [a, b] = get().picked;
    if (a === undefined || b === undefined) return;
    // The earlier run is A, so a delta reads as "what the newer configuration changed".
    const [first, second] = a < b ? [a, b] : [b, a];
    set({ comparison: await api().call('experiments.compareRuns', { a: first, b: second }), detail: null });
  },
  closeComparison: () => set({ comparison: null }),
  async remove(id) {
    await api().call('experiments.deleteRun', { id });
    const { detail, comparison } = get();
    set({
      detail: detail?.id === id ? null : detail,
      comparison: comparison && (comparison.a.id === id || comparison.b.id === id) ? null : comparison,
    });
    await get().refresh();
  },
  reset: () => set({ runs: [], loaded: false, detail: null, picked: [], comparison: null, running: false }),
}));
