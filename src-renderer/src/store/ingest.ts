/** Imports of the open case and their live progress. */
import { create } from 'zustand';
import type { DuplicateImport, ImportJob, ImportProgress, SourceRow } from '../../../src-shared/dto';
import { api } from '../api';

interface IngestState {
  jobs: ImportJob[];
  progress: Record<number, ImportProgress>;
  /** The files and archive members each import read, by import id (as they were when it last ended). */
  sources: Record<number, SourceRow[]>;
  /** Paths left out because their content is already in the case; the analyst may force them. */
  duplicates: DuplicateImport[];
  refresh(): Promise<void>;
  start(paths: string[], force?: boolean): Promise<void>;
  cancel(importId: number): Promise<void>;
  resume(importId: number): Promise<void>;
  dismissDuplicates(): void;
  onProgress(p: ImportProgress): void;
  onFinished(job: ImportJob): void;
  reset(): void;
}

export const useIngest = create<IngestState>((set, get) => ({
  jobs: [],
  progress: {},
  sources: {},
  duplicates: [],
  async refresh() {
    const [jobs, sources] = await Promise.all([api().call('ingest.listImports'), api().call('ingest.listSources')]);
    set({ jobs, sources: bySource(sources) });
  },
  async start(paths, force = false) {
    const { jobs: started, duplicates } = await api().call('ingest.startImport', { paths, force });
    const known = new Set(started.map((j) => j.id));
    set({ duplicates, jobs: [...started.slice().reverse(), ...get().jobs.filter((j) => !known.has(j.id))] });
  },
  async resume(importId) {
    get().onFinished(await api().call('ingest.resumeImport', { importId }));
  },
  dismissDuplicates: () => set({ duplicates: [] }),
  async cancel(importId) {
    const job = await api().call('ingest.cancelImport', { importId });
    get().onFinished(job);
  },
  onProgress(p) {
    // An import started elsewhere (the sample case, another window): learn of it.
    if (!get().jobs.some((j) => j.id === p.importId)) void get().refresh().catch(() => undefined);
    set({
      progress: { ...get().progress, [p.importId]: p },
      jobs: get().jobs.map((j) => (j.id === p.importId ? { ...j, bytesRead: p.bytesRead, lines: p.lines } : j)),
    });
  },
  onFinished(job) {
    const jobs = get().jobs;
    set({ jobs: jobs.some((j) => j.id === job.id) ? jobs.map((j) => (j.id === job.id ? job : j)) : [job, ...jobs] });
    if (job.status !== 'running')
      void api()
        .call('ingest.listSources')
        .then((rows) => set({ sources: bySource(rows) }), () => undefined);
  },
  reset: () => set({ jobs: [], progress: {}, sources: {}, duplicates: [] }),
}));

function bySource(rows: SourceRow[]): Record<number, SourceRow[]> {
  const out: Record<number, SourceRow[]> = {};
  for (const r of rows) (out[r.importId] ??= []).push(r);
  return out;
}
