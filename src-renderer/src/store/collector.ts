/** The live collector's status as the engine pushes it, and the panel's start/stop. */
import { create } from 'zustand';
import type { CollectorStatus } from '../../../src-shared/dto';
import { api } from '../api';

interface CollectorState {
  status: CollectorStatus | null;
  busy: boolean;
  refresh(): Promise<void>;
  start(config: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
  onUpdate(status: CollectorStatus): void;
}

export const useCollector = create<CollectorState>((set) => ({
  status: null,
  busy: false,
  async refresh() {
    set({ status: await api().call('collector.getStatus') });
  },
  async start(config) {
    set({ busy: true });
    try {
      set({ status: await api().call('collector.start', { config }) });
    } finally {
      set({ busy: false });
    }
  },
  async stop() {
    set({ busy: true });
    try {
      set({ status: await api().call('collector.stop') });
    } finally {
      set({ busy: false });
    }
  },
  onUpdate: (status) => set({ status }),
}));
