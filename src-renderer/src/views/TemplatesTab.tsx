/** Templates the miner found, with counts and examples; picking one shows its lines. */
import { useEffect, useState } from 'react';
import type { Page, TemplateRow } from '../../../src-shared/dto';
import { api } from '../api';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useEvents } from '../store/events';

export function TemplatesTab({ onPick }: { onPick: () => void }) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<'count' | 'rare' | 'id'>('count');
  const [page, setPage] = useState<Page<TemplateRow> | null>(null);
  const showError = useApp((s) => s.showError);
  const show = useEvents((s) => s.show);

  useEffect(() => {
    const t = setTimeout(() => {
      api().call('templates.list', { query, sort, limit: 500 }).then(setPage, showError);
    }, 200);
    return () => clearTimeout(t);
  }, [query, sort, showError]);

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
          {page ? `${fmtInt(page.total)} templates` : '…'}
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
            {page?.rows.map((t) => (
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
      </div>
    </>
  );
}
