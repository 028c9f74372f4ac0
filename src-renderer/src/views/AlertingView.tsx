/** Live alerts: where alerts go (sinks), which incidents notify (rules), and what was delivered or failed. */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import {
  INCIDENT_CATEGORIES,
  INCIDENT_SEVERITIES,
  type IncidentCategory,
  type IncidentSeverity,
} from '../../../src-shared/contract-incidents';
import {
  SINK_KINDS,
  type AlertingSettings,
  type AlertRule,
  type OutboxRow,
  type SinkKind,
  type SinkRow,
} from '../../../src-shared/contract-alerting';
import { api, errorText } from '../api';
import { useAlerting, openIncident, type RuleInput, type SinkInput } from '../store/alerting';
import { useApp } from '../store/app';

const KIND_LABELS: Record<SinkKind, string> = {
  desktop: 'Desktop notification',
  webhook: 'Webhook (JSON)',
  slack: 'Slack incoming webhook',
  teams: 'Teams incoming webhook',
  pagerduty: 'PagerDuty Events v2',
  syslog: 'Syslog (RFC 5424)',
  jsonl: 'JSON-lines file',
};

export function AlertingView() {
  const settings = useAlerting((s) => s.settings);
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);

  useEffect(() => {
    useAlerting.getState().reset();
    void useAlerting.getState().load().catch(showError);
    const off = api().on('alerting.changed', () => void useAlerting.getState().load().catch(showError));
    return off;
  }, [casePath, showError]);

  return (
    <section className="panel" aria-label="Alerts" style={{ maxWidth: 1200 }}>
      <h2>Alerts</h2>
      <p className="muted">
        Incidents that match a rule go to its sinks as live collection finds them (and, if the rule says so, as imports do), once per
        incident: changes within the rule’s dedup window only count up. Undelivered alerts wait in the case and are retried; what keeps
        failing lands in the dead letters below.
      </p>
      {!settings ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <SinksSection sinks={settings.sinks} secretStore={settings.secretStore} desktopHost={settings.desktopHost} />
          <RulesSection rules={settings.rules} sinks={settings.sinks} />
          <DeadLetters />
          <DeliveryLog />
        </>
      )}
    </section>
  );
}

function Section({ title, actions, children, label }: { title: string; actions?: ReactNode; children: ReactNode; label: string }) {
  return (
    <section aria-label={label} style={{ marginTop: 22 }}>
      <div className="toolbar" style={{ justifyContent: 'space-between' }}>
        <h3 style={{ margin: 0 }}>{title}</h3>
        <div className="inc-actions">{actions}</div>
      </div>
      {children}
    </section>
  );
}

/* ---------------------------------------------------------------- sinks */

function SinksSection({
  sinks,
  secretStore,
  desktopHost,
}: {
  sinks: SinkRow[];
  secretStore: AlertingSettings['secretStore'];
  desktopHost: boolean;
}) {
  const [editing, setEditing] = useState<SinkRow | 'new' | null>(null);
  const tests = useAlerting((s) => s.tests);
  const testSink = useAlerting((s) => s.testSink);
  return (
    <Section
      title="Sinks"
      label="Sinks"
      actions={
        <>
          {!desktopHost && sinks.some((s) => s.kind === 'desktop') && <NotificationPermission />}
          <button type="button" onClick={() => setEditing('new')} disabled={editing !== null}>
            Add sink
          </button>
        </>
      }
    >
      {editing && <SinkForm sink={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {sinks.length === 0 && !editing ? (
        <p className="muted">No sinks yet. Add one: a desktop notification, a webhook, Slack, Teams, PagerDuty, syslog or a file.</p>
      ) : (
        sinks.length > 0 && (
          <div className="table-scroll plain">
            <table className="grid" data-testid="alert-sinks">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Goes to</th>
                  <th className="num">Pending</th>
                  <th className="num">Sent</th>
                  <th className="num">Dead</th>
                  <th>Test</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {sinks.map((s) => {
                  const t = tests[s.id];
                  return (
                    <tr key={s.id} aria-label={`Sink ${s.name}`} style={{ cursor: 'default', opacity: s.enabled ? 1 : 0.6 }}>
                      <td>
                        {s.name}
                        {!s.enabled && <span className="muted"> (off)</span>}
                      </td>
                      <td>{KIND_LABELS[s.kind]}</td>
                      <td className="mono">
                        {s.target}
                        {s.secret === 'locked' && (
                          <div className="error-text">
                            {secretStore.problem ? 'Secret unreadable' : 'Secret sealed by the desktop app’s keychain'}: edit the sink and
                            enter it again.
                          </div>
                        )}
                        {s.headerNames.length > 0 && <div className="muted">headers: {s.headerNames.join(', ')}</div>}
                        {s.hmac && <div className="muted">signed (HMAC-SHA256)</div>}
                      </td>
                      <td className="num">{s.counts.pending}</td>
                      <td className="num">{s.counts.sent}</td>
                      <td className="num">{s.counts.dead}</td>
                      <td>
                        <button type="button" className="ghost small" onClick={() => void testSink(s.id)} disabled={!!t && 'pending' in t}>
                          Send test alert
                        </button>
                        {t && (
                          <div
                            role="status"
                            className={'pending' in t ? 'muted' : t.status === 'sent' ? '' : 'error-text'}
                            style={{ maxWidth: 260 }}
                          >
                            {'pending' in t
                              ? 'Sending…'
                              : t.status === 'sent'
                                ? 'Test alert delivered.'
                                : t.status === 'pending'
                                  ? `Not delivered yet, will retry: ${t.error ?? ''}`
                                  : `Test alert failed: ${t.error ?? 'unknown error'}`}
                          </div>
                        )}
                      </td>
                      <td>
                        <div className="inc-actions">
                          <button type="button" className="ghost small" onClick={() => setEditing(s)} disabled={editing !== null}>
                            Edit
                          </button>
                          <ConfirmButton
                            label="Delete"
                            confirm={`Delete ${s.name}?`}
                            onConfirm={() => useAlerting.getState().deleteSink(s.id)}
                          />
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      )}
      {secretStore.problem && (
        <p className="error-text" role="alert">
          {secretStore.problem}
        </p>
      )}
      <p className="muted small">
        Secrets (webhook URLs, headers, HMAC and routing keys) are never stored in the case file: they are kept in{' '}
        <code>{secretStore.file}</code> (readable by you only){secretStore.scheme === 'keychain' ? ', sealed by the system keychain' : ''}.
      </p>
    </Section>
  );
}

/** In the browser host, desktop sinks need the page’s permission to show notifications. */
function NotificationPermission() {
  const [perm, setPerm] = useState(() => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission));
  if (perm === 'granted' || perm === 'unsupported') return null;
  return (
    <button
      type="button"
      className="ghost"
      title={perm === 'denied' ? 'Notifications are blocked for this page in the browser settings.' : undefined}
      disabled={perm === 'denied'}
      onClick={() => void Notification.requestPermission().then(setPerm)}
    >
      {perm === 'denied' ? 'Desktop notifications blocked' : 'Allow desktop notifications'}
    </button>
  );
}

function SinkForm({ sink, onClose }: { sink: SinkRow | null; onClose(): void }) {
  const saveSink = useAlerting((s) => s.saveSink);
  const [kind, setKind] = useState<SinkKind>(sink?.kind ?? 'webhook');
  const [name, setName] = useState(sink?.name ?? '');
  const [enabled, setEnabled] = useState(sink?.enabled ?? true);
  const [url, setUrl] = useState('');
  const [headers, setHeaders] = useState('');
  const [hmacKey, setHmacKey] = useState('');
  const [routingKey, setRoutingKey] = useState('');
  const [endpoint, setEndpoint] = useState(sink?.settings.endpoint ?? '');
  const [host, setHost] = useState(sink?.settings.host ?? '127.0.0.1');
  const [port, setPort] = useState(String(sink?.settings.port ?? 514));
  const [protocol, setProtocol] = useState<'udp' | 'tcp'>(sink?.settings.protocol ?? 'udp');
  const [path, setPath] = useState(sink?.settings.path ?? '');
  const [maxAttempts, setMaxAttempts] = useState(String(sink?.maxAttempts ?? 6));
  const [backoffSec, setBackoffSec] = useState(String((sink?.backoffMs ?? 5000) / 1000));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keeps = !!sink && sink.kind === kind && sink.secret !== 'none';
  const keepHint = keeps ? ' (blank keeps the stored one)' : '';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsedHeaders: Record<string, string> | undefined;
    try {
      parsedHeaders = headers.trim() ? parseHeaders(headers) : undefined;
    } catch (err) {
      setError(errorText(err));
      return;
    }
    const secrets: NonNullable<SinkInput['secrets']> = {};
    if (url.trim()) secrets.url = url.trim();
    if (parsedHeaders) secrets.headers = parsedHeaders;
    if (hmacKey) secrets.hmacKey = hmacKey;
    if (routingKey.trim()) secrets.routingKey = routingKey.trim();
    const settings: SinkInput['settings'] = {};
    if (kind === 'pagerduty' && endpoint.trim()) settings.endpoint = endpoint.trim();
    if (kind === 'syslog') Object.assign(settings, { host: host.trim(), port: Number(port), protocol });
    if (kind === 'jsonl') settings.path = path.trim();
    const input: SinkInput = {
      ...(sink ? { id: sink.id } : {}),
      name: name.trim() || KIND_LABELS[kind],
      kind,
      enabled,
      settings,
      ...(Object.keys(secrets).length ? { secrets } : {}),
      maxAttempts: Number(maxAttempts),
      backoffMs: Math.round(Number(backoffSec) * 1000),
    };
    setBusy(true);
    void saveSink(input)
      .then(onClose)
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };

  return (
    <form
      className="card"
      aria-label={sink ? `Edit sink ${sink.name}` : 'New sink'}
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
      style={{ marginBottom: 12 }}
    >
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
        <label className="field">
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as SinkKind)} autoFocus={!sink}>
            {SINK_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={KIND_LABELS[kind]} autoFocus={!!sink} />
        </label>
        <label className="inc-check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
      </div>
      {(kind === 'webhook' || kind === 'slack' || kind === 'teams') && (
        <label className="field">
          {kind === 'webhook' ? 'URL' : 'Incoming webhook URL'}
          {keepHint}
          <input
            type="password"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            autoComplete="off"
            placeholder={
              kind === 'slack'
                ? 'https://hooks.slack.com/services/…'
                : kind === 'teams'
                  ? 'https://….webhook.office.com/…'
                  : 'https://example.org/hooks/vigil'
            }
          />
        </label>
      )}
      {kind === 'webhook' && (
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
          <label className="field grow">
            Custom headers, one per line
            {keeps && sink?.headerNames.length ? ` (stored: ${sink.headerNames.join(', ')}; blank keeps them)` : ''}
            <textarea
              rows={2}
              value={headers}
              onChange={(e) => setHeaders(e.target.value)}
              placeholder="Authorization: Bearer …"
              spellCheck={false}
              style={{ fontFamily: 'var(--mono)' }}
            />
          </label>
          <label className="field">
            HMAC-SHA256 key{keeps && sink?.hmac ? ' (stored; blank keeps it)' : ' (optional)'}
            <input type="password" value={hmacKey} onChange={(e) => setHmacKey(e.target.value)} autoComplete="off" />
          </label>
        </div>
      )}
      {kind === 'pagerduty' && (
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
          <label className="field grow">
            Routing key{keepHint}
            <input type="password" value={routingKey} onChange={(e) => setRoutingKey(e.target.value)} autoComplete="off" />
          </label>
          <label className="field grow">
            Endpoint (optional)
            <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="https://events.pagerduty.com/v2/enqueue" />
          </label>
        </div>
      )}
      {kind === 'syslog' && (
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
          <label className="field grow">
            Host
            <input value={host} onChange={(e) => setHost(e.target.value)} />
          </label>
          <label className="field">
            Port
            <input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" style={{ width: 90 }} />
          </label>
          <label className="field">
            Transport
            <select value={protocol} onChange={(e) => setProtocol(e.target.value as 'udp' | 'tcp')}>
              <option value="udp">UDP</option>
              <option value="tcp">TCP (octet counting)</option>
            </select>
          </label>
        </div>
      )}
      {kind === 'jsonl' && (
        <label className="field">
          File (absolute path; alerts are appended)
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/vigil-alerts.jsonl" />
        </label>
      )}
      {kind === 'desktop' && <p className="muted small">Shows a notification on this computer; clicking it opens the incident.</p>}
      {kind !== 'desktop' && (
        <div style={{ display: 'flex', gap: 12 }}>
          <label className="field">
            Attempts before dead letter
            <input value={maxAttempts} onChange={(e) => setMaxAttempts(e.target.value)} inputMode="numeric" style={{ width: 90 }} />
          </label>
          <label className="field">
            First retry after (s, then doubling)
            <input value={backoffSec} onChange={(e) => setBackoffSec(e.target.value)} inputMode="decimal" style={{ width: 90 }} />
          </label>
        </div>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="inc-actions">
        <button type="submit" disabled={busy}>
          {sink ? 'Save sink' : 'Add sink'}
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`A header is "Name: value", not "${line.trim().slice(0, 40)}"`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/* ---------------------------------------------------------------- rules */

function RulesSection({ rules, sinks }: { rules: AlertRule[]; sinks: SinkRow[] }) {
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const names = new Map(sinks.map((s) => [s.id, s.name]));
  return (
    <Section
      title="Rules"
      label="Rules"
      actions={
        <button
          type="button"
          onClick={() => setEditing('new')}
          disabled={editing !== null || sinks.length === 0}
          title={sinks.length === 0 ? 'Add a sink first' : undefined}
        >
          Add rule
        </button>
      }
    >
      {editing && <RuleForm rule={editing === 'new' ? null : editing} sinks={sinks} onClose={() => setEditing(null)} />}
      {rules.length === 0 && !editing ? (
        <p className="muted">
          No rules: nothing is sent.{' '}
          {sinks.length === 0 ? 'Add a sink, then a rule that uses it.' : 'Add a rule to choose which incidents notify.'}
        </p>
      ) : (
        rules.length > 0 && (
          <div className="table-scroll plain">
            <table className="grid" data-testid="alert-rules">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Incidents</th>
                  <th>Sends to</th>
                  <th>Dedup window</th>
                  <th>Quiet hours</th>
                  <th>Rate limit</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rules.map((r) => (
                  <tr key={r.id} aria-label={`Rule ${r.name}`} style={{ cursor: 'default', opacity: r.enabled ? 1 : 0.6 }}>
                    <td>
                      {r.name}
                      {!r.enabled && <span className="muted"> (off)</span>}
                    </td>
                    <td>
                      {r.categories.length ? r.categories.join(', ') : 'any category'} · {r.minSeverity} and up
                      {r.minPriority > 0 ? ` · priority ≥ ${r.minPriority}` : ''}
                      {r.liveOnly ? ' · while collecting' : ' · collecting and imports'}
                    </td>
                    <td>{r.sinkIds.map((id) => names.get(id) ?? '?').join(', ') || <span className="error-text">no sink</span>}</td>
                    <td>{fmtMinutes(r.dedupWindowMs)}</td>
                    <td>{r.quietHours ? `${r.quietHours.start}–${r.quietHours.end}` : '—'}</td>
                    <td>{r.rateLimit ? `${r.rateLimit.count} per ${fmtMinutes(r.rateLimit.windowMs)}` : '—'}</td>
                    <td>
                      <div className="inc-actions">
                        <button type="button" className="ghost small" onClick={() => setEditing(r)} disabled={editing !== null}>
                          Edit
                        </button>
                        <ConfirmButton
                          label="Delete"
                          confirm={`Delete rule ${r.name}?`}
                          onConfirm={() => useAlerting.getState().deleteRule(r.id)}
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
    </Section>
  );
}

function fmtMinutes(ms: number): string {
  if (ms === 0) return 'none';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function RuleForm({ rule, sinks, onClose }: { rule: AlertRule | null; sinks: SinkRow[]; onClose(): void }) {
  const saveRule = useAlerting((s) => s.saveRule);
  const [name, setName] = useState(rule?.name ?? 'High and critical incidents');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [categories, setCategories] = useState<IncidentCategory[]>(rule?.categories ?? []);
  const [minSeverity, setMinSeverity] = useState<IncidentSeverity>(rule?.minSeverity ?? 'high');
  const [minPriority, setMinPriority] = useState(String(rule?.minPriority ?? 0));
  const [sinkIds, setSinkIds] = useState<string[]>(rule?.sinkIds ?? sinks.map((s) => s.id));
  const [dedupMin, setDedupMin] = useState(String((rule?.dedupWindowMs ?? 3_600_000) / 60_000));
  const [liveOnly, setLiveOnly] = useState(rule?.liveOnly ?? true);
  const [quiet, setQuiet] = useState(!!rule?.quietHours);
  const [quietStart, setQuietStart] = useState(rule?.quietHours?.start ?? '22:00');
  const [quietEnd, setQuietEnd] = useState(rule?.quietHours?.end ?? '07:00');
  const [limit, setLimit] = useState(!!rule?.rateLimit);
  const [limitCount, setLimitCount] = useState(String(rule?.rateLimit?.count ?? 10));
  const [limitMin, setLimitMin] = useState(String((rule?.rateLimit?.windowMs ?? 3_600_000) / 60_000));
  const [error, setError] = useState<string | null>(null);
  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const input: RuleInput = {
      ...(rule ? { id: rule.id } : {}),
      name,
      enabled,
      categories,
      minSeverity,
      minPriority: Number(minPriority),
      sinkIds,
      dedupWindowMs: Math.round(Number(dedupMin) * 60_000),
      liveOnly,
      quietHours: quiet ? { start: quietStart, end: quietEnd } : null,
      rateLimit: limit ? { count: Number(limitCount), windowMs: Math.round(Number(limitMin) * 60_000) } : null,
    };
    void saveRule(input)
      .then(onClose)
      .catch((err: unknown) => setError(errorText(err)));
  };

  return (
    <form
      className="card"
      aria-label={rule ? `Edit rule ${rule.name}` : 'New rule'}
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
      style={{ marginBottom: 12 }}
    >
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
        <label className="field grow">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        <label className="field">
          Lowest severity
          <select value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as IncidentSeverity)}>
            {INCIDENT_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Lowest priority (0–100)
          <input value={minPriority} onChange={(e) => setMinPriority(e.target.value)} inputMode="numeric" style={{ width: 90 }} />
        </label>
        <div className="field">
          <label className="inc-check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
          <label
            className="inc-check"
            title="Incidents an import finds are remembered without alerting; they alert when live collection changes them."
          >
            <input type="checkbox" checked={liveOnly} onChange={(e) => setLiveOnly(e.target.checked)} /> While collecting only
          </label>
        </div>
      </div>
      <fieldset className="field" style={{ flexWrap: 'wrap' }}>
        <legend>Categories (none ticked: all)</legend>
        {INCIDENT_CATEGORIES.map((c) => (
          <label key={c} className="inc-check">
            <input type="checkbox" checked={categories.includes(c)} onChange={() => setCategories(toggle(categories, c))} /> {c}
          </label>
        ))}
      </fieldset>
      <fieldset className="field" style={{ flexWrap: 'wrap' }}>
        <legend>Send to</legend>
        {sinks.map((s) => (
          <label key={s.id} className="inc-check">
            <input type="checkbox" checked={sinkIds.includes(s.id)} onChange={() => setSinkIds(toggle(sinkIds, s.id))} /> {s.name}
          </label>
        ))}
      </fieldset>
      <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap', alignItems: 'flex-end' }}>
        <label className="field">
          Dedup window (minutes)
          <input value={dedupMin} onChange={(e) => setDedupMin(e.target.value)} inputMode="decimal" style={{ width: 90 }} />
        </label>
        <div className="field">
          <label className="inc-check">
            <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} /> Quiet hours (alerts wait until they end)
          </label>
          <span className="inc-actions">
            <input
              type="time"
              aria-label="Quiet from"
              value={quietStart}
              onChange={(e) => setQuietStart(e.target.value)}
              disabled={!quiet}
            />
            <input type="time" aria-label="Quiet until" value={quietEnd} onChange={(e) => setQuietEnd(e.target.value)} disabled={!quiet} />
          </span>
        </div>
        <div className="field">
          <label className="inc-check">
            <input type="checkbox" checked={limit} onChange={(e) => setLimit(e.target.checked)} /> Rate limit
          </label>
          <span className="inc-actions" style={{ alignItems: 'center' }}>
            <input
              aria-label="Alerts at most"
              value={limitCount}
              onChange={(e) => setLimitCount(e.target.value)}
              disabled={!limit}
              style={{ width: 60 }}
            />
            per
            <input
              aria-label="Rate window (minutes)"
              value={limitMin}
              onChange={(e) => setLimitMin(e.target.value)}
              disabled={!limit}
              style={{ width: 60 }}
            />
            min
          </span>
        </div>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="inc-actions">
        <button type="submit">{rule ? 'Save rule' : 'Add rule'}</button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/* ---------------------------------------------------------------- outbox */

function DeadLetters() {
  const dead = useAlerting((s) => s.dead);
  const lastDiscarded = useAlerting((s) => s.lastDiscarded);
  const showError = useApp((s) => s.showError);
  const all = dead.map((d) => d.id);
  return (
    <Section
      title={`Dead letters (${dead.length})`}
      label="Dead letters"
      actions={
        dead.length > 1 && (
          <>
            <button type="button" className="ghost" onClick={() => void useAlerting.getState().retry(all).catch(showError)}>
              Retry all
            </button>
            <button type="button" className="ghost" onClick={() => void useAlerting.getState().discard(all).catch(showError)}>
              Discard all
            </button>
          </>
        )
      }
    >
      {lastDiscarded.length > 0 && (
        <p role="status" className="small">
          Discarded {lastDiscarded.length} alert{lastDiscarded.length > 1 ? 's' : ''}.{' '}
          <button type="button" className="ghost small" onClick={() => void useAlerting.getState().undoDiscard().catch(showError)}>
            Undo
          </button>
        </p>
      )}
      {dead.length === 0 ? (
        <p className="muted">None: every alert was delivered or is still being tried.</p>
      ) : (
        <OutboxTable
          rows={dead}
          testId="alert-dead"
          actions={(r) => (
            <div className="inc-actions">
              <button type="button" className="small" onClick={() => void useAlerting.getState().retry([r.id]).catch(showError)}>
                Retry
              </button>
              <button type="button" className="ghost small" onClick={() => void useAlerting.getState().discard([r.id]).catch(showError)}>
                Discard
              </button>
            </div>
          )}
        />
      )}
    </Section>
  );
}

function DeliveryLog() {
  const outbox = useAlerting((s) => s.outbox);
  return (
    <Section title="Recent deliveries" label="Recent deliveries">
      {outbox.length === 0 ? (
        <p className="muted">Nothing sent yet. “Send test alert” on a sink tries it now.</p>
      ) : (
        <OutboxTable rows={outbox} testId="alert-outbox" />
      )}
    </Section>
  );
}

const STATUS_CLASS: Record<OutboxRow['status'], string> = {
  pending: 'badge running',
  sent: 'badge done',
  dead: 'badge failed',
  discarded: 'badge cancelled',
};

function OutboxTable({ rows, testId, actions }: { rows: OutboxRow[]; testId: string; actions?: (r: OutboxRow) => ReactNode }) {
  return (
    <div className="table-scroll plain" style={{ maxHeight: 360 }}>
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            <th>Queued</th>
            <th>Alert</th>
            <th>Sink</th>
            <th>Status</th>
            <th className="num">Attempts</th>
            <th>Last error</th>
            {actions && <th />}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} style={{ cursor: 'default' }}>
              <td className="nowrap">{new Date(r.createdAt).toLocaleString()}</td>
              <td>
                {r.incidentId ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => openIncident(r.incidentId!)}
                    style={{ display: 'inline', height: 'auto', textAlign: 'left' }}
                  >
                    {r.title}
                  </button>
                ) : (
                  r.title
                )}
                {r.reason !== 'new' && <span className="muted"> · {r.reason}</span>}
                {r.repeats > 0 && <span className="muted"> · +{r.repeats} changes</span>}
              </td>
              <td>{r.sinkName}</td>
              <td>
                <span className={STATUS_CLASS[r.status]}>{r.status}</span>
                {r.status === 'pending' && r.nextAttemptAt && r.nextAttemptAt > Date.now() + 1000 && (
                  <div className="muted small">next try {new Date(r.nextAttemptAt).toLocaleTimeString()}</div>
                )}
              </td>
              <td className="num">{r.attempts}</td>
              <td className="error-text" style={{ maxWidth: 320 }}>
                {r.status === 'sent' ? '' : (r.lastError ?? '')}
              </td>
              {actions && <td>{actions(r)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Two steps, so a stray click or Enter does not delete. */
function ConfirmButton({ label, confirm, onConfirm }: { label: string; confirm: string; onConfirm(): Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const showError = useApp((s) => s.showError);
  if (!asking) {
    return (
      <button type="button" className="ghost small" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="inc-actions" style={{ alignItems: 'center' }}>
      <span className="small">{confirm}</span>
      <button
        type="button"
        className="small"
        onClick={() =>
          void onConfirm()
            .catch(showError)
            .finally(() => setAsking(false))
        }
        autoFocus
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" className="ghost small" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
