/** Live alerts in the workbench: rules, sinks, the outbox and dead letters, and desktop notifications. */
import { create } from 'zustand';
import type { MethodInput } from '../../../src-shared/contract';
import type {
  AlertingSettings,
  AlertRule,
  DesktopNotification,
  OutboxRow,
  SinkRow,
  TestResult,
} from '../../../src-shared/contract-alerting';
import { api } from '../api';
import { useApp } from './app';
import { useIncidents } from './incidents';

export type SinkInput = MethodInput<'alerting.saveSink'>;
export type RuleInput = MethodInput<'alerting.saveRule'>;

interface AlertingState {
  settings: AlertingSettings | null;
  outbox: OutboxRow[];
  dead: OutboxRow[];
  /** The last test alert's outcome per sink. */
  tests: Record<string, TestResult | { pending: true }>;
  /** What the last discard set aside, for its undo. */
  lastDiscarded: number[];
  generation: number;
  load(): Promise<void>;
  saveSink(input: SinkInput): Promise<SinkRow>;
  deleteSink(id: string): Promise<void>;
  testSink(id: string): Promise<void>;
  saveRule(input: RuleInput): Promise<AlertRule>;
  deleteRule(id: number): Promise<void>;
  retry(ids: number[]): Promise<void>;
  discard(ids: number[]): Promise<void>;
  undoDiscard(): Promise<void>;
  reset(): void;
}

export const useAlerting = create<AlertingState>((set, get) => ({
  settings: null,
  outbox: [],
  dead: [],
  tests: {},
  lastDiscarded: [],
  generation: 0,

  async load() {
    const generation = get().generation + 1;
    set({ generation });
    const [settings, outbox, dead] = await Promise.all([
      api().call('alerting.getSettings'),
      api().call('alerting.listOutbox', { limit: 100 }),
      api().call('alerting.listOutbox', { status: 'dead', limit: 1000 }),
    ]);
    // A slower, older load must not overwrite a newer one.
    if (get().generation === generation) set({ settings, outbox, dead });
  },
  async saveSink(input) {
    const sink = await api().call('alerting.saveSink', input);
    await get().load();
    return sink;
  },
  async deleteSink(id) {
    await api().call('alerting.deleteSink', { id });
    await get().load();
  },
  async testSink(id) {
    set({ tests: { ...get().tests, [id]: { pending: true } } });
    try {
      const result = await api().call('alerting.testSink', { id });
      set({ tests: { ...get().tests, [id]: result } });
    } catch (err) {
      set({ tests: { ...get().tests, [id]: { outboxId: 0, status: 'dead', error: err instanceof Error ? err.message : String(err) } } });
    }
    await get().load();
  },
  async saveRule(input) {
    const rule = await api().call('alerting.saveRule', input);
    await get().load();
    return rule;
  },
  async deleteRule(id) {
    await api().call('alerting.deleteRule', { id });
    await get().load();
  },
  async retry(ids) {
    await api().call('alerting.retryDead', { ids });
    await get().load();
  },
  async discard(ids) {
    await api().call('alerting.discardDead', { ids });
    set({ lastDiscarded: ids });
    await get().load();
  },
  async undoDiscard() {
    const ids = get().lastDiscarded;
    if (ids.length === 0) return;
    await api().call('alerting.discardDead', { ids, undo: true });
    set({ lastDiscarded: [] });
    await get().load();
  },
  reset: () => set({ settings: null, outbox: [], dead: [], tests: {}, lastDiscarded: [] }),
}));

/** Opens an incident from anywhere (a notification click): the incidents view, then its detail. */
export function openIncident(incidentId: string): void {
  const app = useApp.getState();
  if (app.view !== 'incidents') {
    // The view resets the queue when it mounts and then loads it: open the incident once it has.
    const off = useIncidents.subscribe((s, prev) => {
      if (s.loaded && !prev.loaded) {
        off();
        void s.open(incidentId);
      }
    });
    setTimeout(off, 30_000);
    app.setView('incidents');
  } else {
    void useIncidents.getState().open(incidentId);
  }
  window.focus();
}

/**
 * A desktop sink's alert in the browser host: the page's Notification API, once the analyst has
 * allowed it (the Alerts view asks). The Electron host shows its own and never forwards these.
 */
export function showBrowserNotification(n: DesktopNotification): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const note = new Notification(n.title, {
    body: n.body,
    tag: n.incidentId ?? `vigil-test-${n.outboxId}`,
    requireInteraction: n.severity === 'critical',
  });
  note.onclick = () => {
    note.close();
    if (n.incidentId) openIncident(n.incidentId);
    else window.focus();
  };
}
