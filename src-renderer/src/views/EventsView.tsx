/** Events explorer: every line of the case, its templates and its entities. */
import { useState } from 'react';
import { EntitiesTab } from './EntitiesTab';
import { LinesTab } from './LinesTab';
import { TemplatesTab } from './TemplatesTab';

type Tab = 'lines' | 'templates' | 'entities';

export function EventsView() {
  const [tab, setTab] = useState<Tab>('lines');
  return (
    <section className="panel events" aria-label="Events">
      <div className="tabs" role="tablist">
        {(['lines', 'templates', 'entities'] as const).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      {tab === 'lines' && <LinesTab />}
      {tab === 'templates' && <TemplatesTab onPick={() => setTab('lines')} />}
      {tab === 'entities' && <EntitiesTab onPick={() => setTab('lines')} />}
    </section>
  );
}
