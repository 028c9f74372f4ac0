/** Whether a detection pass is running on the open case and how far it got, for the queue and the status bar. */
import { create } from 'zustand';
import type { DetectionProgress, DetectionRun } from '../../../src-shared/dto';
import { api } from '../api';

interface DetectState {
  /** The running pass, or null. `total` is 0 until the first progress report. */
  running: DetectionProgress | null;
  refresh(): Promise<void>;
  onProgress(p: DetectionProgress): void;
  onFinished(run: DetectionRun): void;
  reset(): void;
}

export const useDetect = create<DetectState>((set, get) => ({
  running: null,
  async refresh() {
    const runs = await api().call('detect.listRuns');
    const r = runs.find((x) => x.status === 'running');
    set({
      running: r
        ? { runId: r.id, events: r.events, total: get().running?.runId === r.id ? get().running!.total : 0, alerts: r.alerts }
        : null,
    });
  },
  onProgress: (p) => set({ running: p }),
  onFinished(run) {
    if (get().running === null || get().running!.runId === run.id) set({ running: null });
    // A pass that followed another may already be under way.
    void get()
      .refresh()
      .catch(() => undefined);
  },
  reset: () => set({ running: null }),
}));

/** "Detecting… 45% (12,000 of 26,000 events)" */
export function detectingText(p: DetectionProgress): string {
  const pct = p.total > 0 ? ` ${Math.min(99, Math.floor((100 * p.events) / p.total))}%` : '';
  const of =
    p.total > 0
      ? ` (${p.events.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} events)`
      : p.events
        ? ` (${p.events.toLocaleString('en-US')} events)`
        : '';
  return `Detecting…${pct}${of}`;
}
