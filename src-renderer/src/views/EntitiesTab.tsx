/** Entities seen in the case (IPs, users, hosts, ...), by count; picking one shows its lines. */
import { useState } from 'react';
import type { EntityRow } from '../../../src-shared/dto';
import { api } from '../api';
import { MoreRows, usePagedRows } from '../components/PagedList';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useEvents } from '../store/events';
import { entityClause } from '../store/pivot';

const PAGE = 500;
const TYPES = ['ip', 'user', 'host', 'process', 'file', 'domain', 'url', 'user_agent'] as const;
type EntityType = (typeof TYPES)[number];

export function EntitiesTab({ onPick }: { onPick: () => void }) {
  const [type, setType] = useState<EntityType | ''>('');
  const [query, setQuery] = useState('');
  const showError = useApp((s) => s.showError);
  const show = useEvents((s) => s.show);
  const page = usePagedRows(
    (offset) => api().call('entities.list', { query, offset, limit: PAGE, ...(type ? { type } : {}) }),
    JSON.stringify([type, query]),
    showError,
  );

  const pick = (e: EntityRow) => {
    show(entityClause(e));
    onPick();
  };

  return (
    <>
      <div className="toolbar">
        <input type="search" className="search" placeholder="Filter entities" aria-label="Filter entities" value={query} onChange={(e) => setQuery(e.target.value)} />
        <select value={type} onChange={(e) => setType(e.target.value as EntityType | '')} aria-label="Entity type">
          <option value="">all types</option>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t.replace('_', ' ')}
            </option>
          ))}
        </select>
        <span className="muted" data-testid="entities-count">
          {page.total !== null ? `${fmtInt(page.total)} entities` : '…'}
        </span>
      </div>
      <div className="table-scroll plain">
        <table className="grid">
          <thead>
            <tr>
              <th>Type</th>
              <th>Value</th>
              <th className="num">Lines</th>
              <th>First seen</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((e) => (
              <tr key={e.id} tabIndex={0} onClick={() => pick(e)} onKeyDown={(k) => k.key === 'Enter' && pick(e)}>
                <td className="muted">{e.type.replace('_', ' ')}</td>
                <td className="mono">{e.value}</td>
                <td className="num">{fmtInt(e.count)}</td>
                <td className="muted">{fmtTime(e.firstSeen)}</td>
                <td className="muted">{fmtTime(e.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <MoreRows shown={page.rows.length} total={page.total} what="entities" pageSize={PAGE} loading={page.loading} onMore={page.more} />
      </div>
    </>
  );
}
