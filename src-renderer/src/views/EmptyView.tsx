import { useApp } from '../store/app';

export function EmptyView({ title, next }: { title: string; next: string }) {
  const setView = useApp((s) => s.setView);
  return (
    <section className="empty" aria-label={title}>
      <h2>{title}</h2>
      <p>{next}</p>
      <button onClick={() => setView('sources')}>Go to Sources</button>
    </section>
  );
}
