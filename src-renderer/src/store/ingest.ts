/** Imports of the open case and their live progress. */
import { create } from 'zustand';
import type { ImportJob, ImportProgress } from '../../../src-shared/dto';
import { api } from '../api';

interface IngestState {
  jobs: ImportJob[];
  progress: Record<number, ImportProgress>;
  refresh(): Promise<void>;
  start(paths: string[]): Promise<void>;
  cancel(importId: number): Promise<void>;
  onProgress(p: ImportProgress): void;
  onFinished(job: ImportJob): void;
  reset(): void;
}

export const useIngest = create<IngestState>((set, get) => ({
  jobs: [],
  progress: {},
  async refresh() {
    set({ jobs: await api().call('ingest.listImports') });
  },
  async start(paths) {
    const started = await api().call('ingest.startImport', { paths });
    const known = new Set(started.map((j) => j.id));
    set({ jobs: [...started.slice().reverse(), ...get().jobs.filter((j) => !known.has(j.id))] });
  },
  async cancel(importId) {
    const job = await api().call('ingest.cancelImport', { importId });
    get().onFinished(job);
  },
  onProgress(p) {
    set({
      progress: { ...get().progress, [p.importId]: p },
      jobs: get().jobs.map((j) => (j.id === p.importId ? { ...j, bytesRead: p.bytesRead, lines: p.lines } : j)),
    });
  },
  onFinished(job) {
    const jobs = get().jobs;
    set({ jobs: jobs.some((j) => j.id === job.id) ? jobs.map((j) => (j.id === job.id ? job : j)) : [job, ...jobs] });
  },
  reset: () => set({ jobs: [], progress: {} }),
}));
