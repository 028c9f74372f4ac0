import { memo, useDeferredValue, useEffect } from 'react';
import { VIEWS, useApp, type View } from '../store/app';
import { fmtInt } from '../format';
import { AlertingView } from '../views/AlertingView';
import { EventsView } from '../views/EventsView';
import { ExperimentsView } from '../views/ExperimentsView';
import { GraphView } from '../views/GraphView';
import { IncidentsView } from '../views/IncidentsView';
import { RulesView } from '../views/RulesView';
import { SettingsView } from '../views/SettingsView';
import { SourcesView } from '../views/SourcesView';
import { TimelinesView } from '../views/TimelinesView';
import { StatusBar } from './StatusBar';

const LABELS: Record<View, string> = {
  incidents: 'Incidents',
  graph: 'Graph',
  timelines: 'Timelines',
  events: 'Events',
  sources: 'Sources',
  rules: 'Rules',
  experiments: 'Experiments',
  alerts: 'Alerts',
  settings: 'Settings',
};

const ICONS: Record<View, string> = {
  incidents: '⚑',
  graph: '◎',
  timelines: '∿',
  events: '≡',
  sources: '⇪',
  rules: '§',
  experiments: '⚗',
  alerts: '✉',
  settings: '⚙',
};

export function Shell() {
  const view = useApp((s) => s.view);
  // The navigation answers at once; the view it opens renders after, in slices the page can
  // interrupt (a big Events list or graph never holds up the click that asked for it).
  const shown = useDeferredValue(view);
  const setView = useApp((s) => s.setView);
  const currentCase = useApp((s) => s.currentCase)!;
  const closeCase = useApp((s) => s.closeCase);

  useEffect(() => {
    // Alt+1..9 switches views from anywhere, like tabs in an editor.
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      if (n >= 1 && n <= VIEWS.length) {
        e.preventDefault();
        setView(VIEWS[n - 1]!);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Views">
        <div className="brand">Vigil</div>
        {VIEWS.map((v, i) => (
          <button
            key={v}
            className={v === view ? 'nav-item active' : 'nav-item'}
            aria-current={v === view ? 'page' : undefined}
            title={`${LABELS[v]} (Alt+${i + 1})`}
            onClick={() => setView(v)}
          >
            <span className="nav-icon" aria-hidden>
              {ICONS[v]}
            </span>
            {LABELS[v]}
          </button>
        ))}
      </nav>
      <header className="topbar">
        <div className="case-title" title={currentCase.path}>
          <strong>{currentCase.name}</strong>
          <span className="muted"> · {fmtInt(currentCase.eventCount)} events</span>
        </div>
        <button className="ghost" onClick={() => void closeCase()}>
          Close case
        </button>
      </header>
      <main className="content" aria-busy={shown !== view}>
        <ShownView view={shown} />
      </main>
      <StatusBar />
    </div>
  );
}

/** Renders again only when the view changes: the click's own, quick render leaves it alone. */
const ShownView = memo(CurrentView);

function CurrentView({ view }: { view: View }) {
  switch (view) {
    case 'events':
      return <EventsView />;
    case 'sources':
      return <SourcesView />;
    case 'settings':
      return <SettingsView />;
    case 'incidents':
      return <IncidentsView />;
    case 'graph':
      return <GraphView />;
    case 'timelines':
      return <TimelinesView />;
    case 'rules':
      return <RulesView />;
    case 'experiments':
      return <ExperimentsView />;
    case 'alerts':
      return <AlertingView />;
  }
}
