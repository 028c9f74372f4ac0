import { EmptyView } from './EmptyView';

export function GraphView() {
  return (
    <EmptyView title="Entity graph" next="IPs, users, hosts and paths seen together in events, with their communities. Import logs in Sources; the graph explorer builds from their entities." />
  );
}
