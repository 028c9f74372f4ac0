import { useEffect } from 'react';
import { api, hasBridge } from './api';
import { CaseLauncher } from './views/CaseLauncher';
import { Shell } from './components/Shell';
import { useApp } from './store/app';
import { useEvents } from './store/events';
import { useIngest } from './store/ingest';
import { useDetect } from './store/detect';
import { useCollector } from './store/collector';
import { openIncident, showBrowserNotification } from './store/alerting';

export function App() {
  const theme = useApp((s) => s.theme);
  const currentCase = useApp((s) => s.currentCase);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    if (!hasBridge()) return;
    const offs = [
      api().on('cases.changed', (info) => {
        const before = useApp.getState().currentCase;
        useApp.getState().setCase(info);
        // The same case grew (live collection, about once a second): the Events view follows.
        if (info && before && before.path === info.path && before.eventCount !== info.eventCount) useEvents.getState().refresh();
        if (!info) {
          useIngest.getState().reset();
          useDetect.getState().reset();
        }
      }),
      api().on('ingest.progressed', (p) => useIngest.getState().onProgress(p)),
      api().on('detect.progressed', (p) => useDetect.getState().onProgress(p)),
      api().on('detect.finished', (run) => useDetect.getState().onFinished(run)),
      api().on('collector.updated', (s) => {
        const was = useCollector.getState().status?.running ?? false;
        useCollector.getState().onUpdate(s);
        // Started or stopped: the live row in the imports list begins or ends.
        if (was !== s.running) void useIngest.getState().refresh().catch(() => undefined);
      }),
      // Live alerts for a desktop sink (the Electron host shows its own and sends openIncident on click).
      api().on('alerting.notify', showBrowserNotification),
      api().on('alerting.openIncident', ({ incidentId }) => openIncident(incidentId)),
      api().on('ingest.finished', (job) => {
        useIngest.getState().onFinished(job);
        useEvents.getState().reload();
      }),
    ];
    void useApp.getState().init();
    return () => offs.forEach((off) => off());
  }, []);

  useEffect(() => {
    if (!currentCase) return;
    void useIngest.getState().refresh().catch(useApp.getState().showError);
    void useDetect.getState().refresh().catch(() => undefined);
    useEvents.getState().reload();
  }, [currentCase?.path]);

  if (!hasBridge()) {
    return (
      <div className="fatal">
        <h1>Vigil cannot reach its engine</h1>
        <p>Open Vigil through the desktop app, or run <code>vigil serve</code> and use the address it prints.</p>
      </div>
    );
  }
  return currentCase ? <Shell /> : <CaseLauncher />;
}
