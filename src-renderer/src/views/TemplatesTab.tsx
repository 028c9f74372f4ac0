/** Templates the miner found, with counts and examples; picking one shows its lines. */
import { useState } from 'react';
import { api } from '../api';
import { MoreRows, usePagedRows } from '../components/PagedList';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useEvents } from '../store/events';

const PAGE = 500;

export function TemplatesTab({ onPick }: { onPick: () => void }) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<'count' | 'rare' | 'id'>('count');
  const showError = useApp((s) => s.showError);
  const show = useEvents((s) => s.show);
  const page = usePagedRows((offset) => api().call('templates.list', { query, sort, offset, limit: PAGE }), JSON.stringify([query, sort]), showError);

  return (
    <>
      <div className="toolbar">
        <input type="search" className="search" placeholder="Filter templates" aria-label="Filter templates" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label className="muted">
          Sort{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as typeof sort)} aria-label="Sort templates">
            <option value="count">most lines</option>
            <option value="rare">rarest</option>
            <option value="id">first seen</option>
          </select>
        </label>
        <span className="muted" data-testid="templates-count">
          {page.total !== null ? `${fmtInt(page.total)} templates` : '…'}
        </span>
      </div>
      <div className="table-scroll plain">
        <table className="grid">
          <thead>
            <tr>
              <th>Id</th>
              <th className="num">Lines</th>
              <th>Template</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((t) => (
              <tr
                key={t.id}
                tabIndex={0}
                onClick={() => {
                  show(`template:${t.id}`);
                  onPick();
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    show(`template:${t.id}`);
                    onPick();
                  }
                }}
                title={t.examples.join('\n')}
              >
                <td className="muted">{t.id}</td>
                <td className="num">{fmtInt(t.count)}</td>
                <td className="mono">{t.template}</td>
                <td className="muted">{fmtTime(t.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <MoreRows shown={page.rows.length} total={page.total} what="templates" pageSize={PAGE} loading={page.loading} onMore={page.more} />
      </div>
    </>
  );
}
