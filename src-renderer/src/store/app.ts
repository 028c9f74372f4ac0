/** The open case, the current view and the theme. */
import { create } from 'zustand';
import type { AppInfo, CaseInfo, RecentCase } from '../../../src-shared/dto';
import { api, errorText } from '../api';

export const VIEWS = ['incidents', 'graph', 'timelines', 'events', 'sources', 'rules', 'experiments', 'alerts', 'settings'] as const;
export type View = (typeof VIEWS)[number];
export type Theme = 'dark' | 'light';

interface AppState {
  info: AppInfo | null;
  currentCase: CaseInfo | null;
  recent: RecentCase[];
  view: View;
  theme: Theme;
  /** The last failure worth showing in the status bar, with when it happened. */
  error: { message: string; at: number } | null;
  busy: boolean;
  /** Where a pivot came from, newest last: what "Back" returns to. */
  trail: { view: View; label: string }[];
  init(): Promise<void>;
  /** Switch view from the navigation (forgets the pivot trail). */
  setView(view: View): void;
  /** Switch view as a pivot from `from`, remembering how to come back. */
  pivotTo(view: View, from: { view: View; label: string }): void;
  /** Return to where the last pivot came from. */
  goBack(): void;
  setTheme(theme: Theme): void;
  showError(err: unknown): void;
  clearError(): void;
  createCase(name: string, path?: string): Promise<void>;
  openCase(path: string): Promise<void>;
  closeCase(): Promise<void>;
  forgetRecent(path: string): Promise<void>;
  setCase(info: CaseInfo | null): void;
}

const THEME_KEY = 'vigil.theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export const useApp = create<AppState>((set, get) => ({
  info: null,
  currentCase: null,
  recent: [],
  view: 'events',
  theme: initialTheme(),
  error: null,
  busy: false,
  trail: [],

  async init() {
    try {
      const before = get().currentCase;
      const [info, currentCase, recent] = await Promise.all([
        api().call('app.getInfo'),
        api().call('cases.getCurrent'),
        api().call('cases.listRecent'),
      ]);
      // A case created or opened meanwhile (the host was slow to answer) is newer than this
      // answer: it stays, or the workbench would fall back to the start screen under the analyst.
      const moved = get().busy || get().currentCase !== before;
      set({ info, ...(moved ? {} : { currentCase, recent, view: currentCase && currentCase.eventCount > 0 ? 'events' : 'sources' }) });
    } catch (err) {
      get().showError(err);
    }
  },
  setView: (view) => set({ view, trail: [] }),
  pivotTo: (view, from) => set({ view, trail: [...get().trail.slice(-19), from] }),
  goBack() {
    const trail = get().trail;
    const last = trail[trail.length - 1];
    if (last) set({ view: last.view, trail: trail.slice(0, -1) });
  },
  setTheme(theme) {
    localStorage.setItem(THEME_KEY, theme);
    set({ theme });
  },
  showError: (err) => set({ error: { message: errorText(err), at: Date.now() } }),
  clearError: () => set({ error: null }),

  async createCase(name, path) {
    await withBusy(set, get, async () => {
      const info = await api().call('cases.create', path ? { name, path } : { name });
      set({ currentCase: info, view: 'sources', recent: await api().call('cases.listRecent') });
    });
  },
  async openCase(path) {
    await withBusy(set, get, async () => {
      const info = await api().call('cases.open', { path });
      set({ currentCase: info, view: info.eventCount > 0 ? 'events' : 'sources', recent: await api().call('cases.listRecent') });
    });
  },
  async closeCase() {
    await withBusy(set, get, async () => {
      await api().call('cases.close');
      set({ currentCase: null, recent: await api().call('cases.listRecent') });
    });
  },
  async forgetRecent(path) {
    await withBusy(set, get, async () => set({ recent: await api().call('cases.forgetRecent', { path }) }));
  },
  setCase: (currentCase) => set({ currentCase }),
}));

async function withBusy(
  set: (partial: Partial<AppState>) => void,
  get: () => AppState,
  work: () => Promise<void>,
): Promise<void> {
  set({ busy: true });
  try {
    await work();
    set({ error: null });
  } catch (err) {
    get().showError(err);
  } finally {
    set({ busy: false });
  }
}
