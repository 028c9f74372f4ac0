import { EmptyView } from './EmptyView';

export function IncidentsView() {
  return (
    <EmptyView title="Incidents" next="The incident queue groups related alerts from every detector into a short list to triage. Import logs in Sources; incidents will appear here once detection runs on them." />
  );
}
