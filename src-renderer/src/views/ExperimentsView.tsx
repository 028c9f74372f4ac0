import { EmptyView } from './EmptyView';

export function ExperimentsView() {
  return <EmptyView title="Experiments" next="Model versions and their precision and recall against your labels, side by side. Label incidents first; runs will be compared here." />;
}
