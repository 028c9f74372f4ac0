/** Incidents: the queue (virtualised, keyboard first) and, on Enter, one incident's detail; triage tabs beside it. */
import { useEffect } from 'react';
import { api } from '../api';
import { useApp } from '../store/app';
import { useIncidents } from '../store/incidents';
import { useTriage, type TriageTab } from '../store/triage';
import { IncidentDetailView } from './IncidentDetail';
import { IncidentQueue } from './IncidentQueue';
import { TriageNotice } from './TriageNotice';
import { TriageExport, TriageHistory, TriageTuning } from './TriagePanels';

const TABS: { id: TriageTab; label: string }[] = [
  { id: 'queue', label: 'Queue' },
  { id: 'tuning', label: 'Tuning & suppressed' },
  { id: 'export', label: 'Export & merge' },
  { id: 'history', label: 'Label history' },
];

export function IncidentsView() {
  const openId = useIncidents((s) => s.openId);
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);
  const tab = useTriage((s) => s.tab);
  const setTab = useTriage((s) => s.setTab);
  const suppressed = useTriage((s) => s.suppressed.length);

  useEffect(() => {
    // Coming back to the same case (from a pivot) keeps the open incident, filters and cursor.
    if (useIncidents.getState().casePath !== casePath) {
      useIncidents.getState().reset();
      useTriage.getState().reset();
      useIncidents.setState({ casePath: casePath ?? null });
    }
    void useIncidents.getState().refresh().catch(showError);
    void useIncidents.getState().reloadDetail();
    void useIncidents
      .getState()
      .loadLlm()
      .catch(() => undefined);
    void useTriage
      .getState()
      .load()
      .catch(() => undefined);
    const reload = () => {
      void useIncidents.getState().refresh().catch(showError);
      void useIncidents.getState().reloadDetail();
      void useTriage
        .getState()
        .load()
        .catch(() => undefined);
    };
    const offs = [
      api().on('detect.finished', (run) => {
        if (run.scope === 'all') {
          const was = useTriage.getState().rerunning;
          useTriage.setState({
            rerunning: false,
            pending: false,
            ...(was ? { notice: { text: 'Detection re-ran with the current tuning', rerun: false, undoable: false } } : {}),
          });
        }
        reload();
      }),
      api().on('incidents.changed', (c) => {
        void useIncidents.getState().refresh().catch(showError);
        // While collecting, the open incident grows: its detail follows (its scroll stays).
        if (c.reason === 'rebuilt') void useIncidents.getState().reloadDetail();
      }),
      api().on('triage.exportProgressed', (p) => useTriage.getState().onProgress(p)),
    ];
    return () => offs.forEach((off) => off());
  }, [casePath, showError]);

  useEffect(() => {
    // Ctrl+Z undoes the last triage action wherever focus is, except in a text field.
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        void useTriage.getState().undo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="panel inc-view">
      <div className="tabs" role="tablist" aria-label="Incidents and triage">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={tab === t.id}
            className={tab === t.id ? 'tab active' : 'tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {t.id === 'tuning' && suppressed > 0 ? ` (${suppressed})` : ''}
          </button>
        ))}
      </div>
      <TriageNotice />
      {tab === 'queue' ? (
        openId ? (
          <IncidentDetailView />
        ) : (
          <IncidentQueue />
        )
      ) : tab === 'tuning' ? (
        <TriageTuning />
      ) : tab === 'export' ? (
        <TriageExport />
      ) : (
        <TriageHistory />
      )}
    </div>
  );
}
