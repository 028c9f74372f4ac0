/** The live alerts sent, deduplicated or failed for one incident (issue #12). */
import { useEffect, useState } from 'react';
import type { HistoryEvent, HistoryRow } from '../../../src-shared/contract-alerting';
import { api, errorText } from '../api';
import { useApp } from '../store/app';

const LABELS: Record<HistoryEvent, string> = {
  queued: 'queued',
  deferred: 'waiting (quiet hours)',
  deduplicated: 'deduplicated',
  rate_limited: 'rate limited',
  retrying: 'failed, will retry',
  sent: 'sent',
  failed: 'failed',
  retried: 'retried',
  discarded: 'discarded',
};

const CLASS: Partial<Record<HistoryEvent, string>> = {
  sent: 'badge done',
  failed: 'badge failed',
  retrying: 'badge running',
  queued: 'badge',
};

export function IncidentAlertHistory({ incidentId }: { incidentId: string }) {
  const [rows, setRows] = useState<HistoryRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      void api()
        .call('alerting.incidentHistory', { incidentId, limit: 200 })
        .then((r) => live && (setRows(r), setError(null)))
        .catch((err: unknown) => live && setError(errorText(err)));
    load();
    const off = api().on('alerting.changed', load);
    return () => {
      live = false;
      off();
    };
  }, [incidentId]);

  return (
    <section aria-label="Alert history" data-testid="incident-alert-history">
      <h3>Alert history</h3>
      {error && <p className="error-text">{error}</p>}
      {rows && rows.length === 0 && (
        <p className="muted small">
          No live alerts for this incident.{' '}
          <button
            type="button"
            className="link"
            style={{ display: 'inline', height: 'auto' }}
            onClick={() => useApp.getState().setView('alerts')}
          >
            Alert rules
          </button>
        </p>
      )}
      {rows && rows.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Rule</th>
              <th>Sink</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} style={{ cursor: 'default' }}>
                <td className="nowrap">{new Date(r.at).toLocaleString()}</td>
                <td>
                  <span className={CLASS[r.event] ?? ''}>{LABELS[r.event]}</span>
                </td>
                <td>{r.ruleName ?? (r.ruleId ? `#${r.ruleId}` : '')}</td>
                <td>{r.sinkName ?? ''}</td>
                <td>{r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
