import { EmptyView } from './EmptyView';

export function RulesView() {
  return <EmptyView title="Rules" next="Sigma rule packs, their hits and load errors. The bundled rules and your own packs will be listed here." />;
}
