/** Incidents: the queue (virtualised, keyboard first) and, on Enter, one incident's detail. */
import { useEffect } from 'react';
import { api } from '../api';
import { useApp } from '../store/app';
import { useIncidents } from '../store/incidents';
import { IncidentDetailView } from './IncidentDetail';
import { IncidentQueue } from './IncidentQueue';

export function IncidentsView() {
  const openId = useIncidents((s) => s.openId);
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);

  useEffect(() => {
    useIncidents.getState().reset();
    void useIncidents.getState().refresh().catch(showError);
    void useIncidents
      .getState()
      .loadLlm()
      .catch(() => undefined);
    const reload = () => {
      void useIncidents.getState().refresh().catch(showError);
      void useIncidents.getState().reloadDetail();
    };
    const offs = [
      api().on('detect.finished', reload),
      api().on('incidents.changed', () => void useIncidents.getState().refresh().catch(showError)),
    ];
    return () => offs.forEach((off) => off());
  }, [casePath, showError]);

  return <div className="panel inc-view">{openId ? <IncidentDetailView /> : <IncidentQueue />}</div>;
}
