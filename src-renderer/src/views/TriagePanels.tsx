/** The triage tabs of the Incidents view: tuning and suppressed incidents, export and merge, label history. */
import { useState } from 'react';
import { EXPORT_FORMATS, type ExportFormat, type ExportLabel } from '../../../src-shared/contract-triage';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { downloadUrl, useTriage } from '../store/triage';
import { fmtShort, SeverityBadge } from './IncidentParts';
import { labelName } from './TriageLabelBar';
import './Triage.css';

const FORMAT_NAMES: Record<ExportFormat, string> = {
  json: 'JSON (re-importable)',
  csv: 'CSV',
  timesketch: 'Timesketch (JSON lines)',
  stix: 'STIX 2.1 bundle',
  misp: 'MISP event (JSON)',
};

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

export function TriageTuning() {
  const { tunings, suppressed, removeTuning, rerun, rerunning, label, busy } = useTriage();
  const showError = useApp((s) => s.showError);
  return (
    <div className="triage-panel">
      <div className="toolbar">
        <h3>Tuning from benign labels</h3>
        <button onClick={() => void rerun().catch(showError)} disabled={rerunning}>
          {rerunning ? 'Re-running…' : 'Re-run detection'}
        </button>
      </div>
      {tunings.length === 0 ? (
        <p className="muted">
          No tuning. Labelling an incident benign raises the thresholds of the detectors that fired for its entity or template (alerts must score
          higher than what you called benign), or suppresses rules without a score. It takes effect when detection re-runs.
        </p>
      ) : (
        <table className="grid" data-testid="tuning-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Detector</th>
              <th>About</th>
              <th className="num">Threshold</th>
              <th>Why</th>
              <th className="num" title="At the last incident build">
                Alerts held
              </th>
              <th className="num">Incidents out</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tunings.map((t) => (
              <tr key={t.id}>
                <td>
                  <span className="badge">{t.mode === 'threshold' ? 'threshold' : 'suppressed'}</span>
                </td>
                <td className="mono">
                  {t.detector}
                  {t.kind ? `/${t.kind}` : ''}
                </td>
                <td className="mono">{t.subject}</td>
                <td className="num">{t.threshold === null ? '—' : t.threshold.toFixed(3)}</td>
                <td className="small">{t.reason}</td>
                <td className="num">{fmtInt(t.heldAlerts)}</td>
                <td className="num">{fmtInt(t.suppressedIncidents)}</td>
                <td>
                  <button className="ghost small" onClick={() => void removeTuning(t.id).catch(showError)} aria-label={`Remove tuning ${t.id}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Suppressed incidents ({suppressed.length})</h3>
      {suppressed.length === 0 ? (
        <p className="muted">No incident is suppressed. After a re-run, incidents that only tuned-away alerts made show up here, with why.</p>
      ) : (
        <table className="grid" data-testid="suppressed-table">
          <thead>
            <tr>
              <th>Incident</th>
              <th>Severity</th>
              <th>When (UTC)</th>
              <th>Label</th>
              <th>Why it is out of the queue</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {suppressed.map((s) => (
              <tr key={s.id}>
                <td>
                  <strong>{s.title}</strong>
                  <div className="muted small mono">{s.id}</div>
                </td>
                <td>
                  <SeverityBadge severity={s.severity as Parameters<typeof SeverityBadge>[0]['severity']} />
                </td>
                <td className="mono small">
                  {fmtShort(s.firstTs)} → {fmtShort(s.lastTs)}
                </td>
                <td>{labelName(s.label)}</td>
                <td className="small">
                  <ul className="triage-reasons">
                    {s.reasons.map((r) => (
                      <li key={r.tuningId}>
                        #{r.tuningId}: {r.text}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {s.label === 'benign' && (
                    <button
                      className="ghost small"
                      disabled={busy}
                      title="Clear its benign label: the tuning it made goes, and the incident returns when detection re-runs"
                      onClick={() =>
                        void label([s.id], null)
                          .then(() => useTriage.getState().load())
                          .catch(showError)
                      }
                    >
                      Not benign
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function TriageExport() {
  const { exportTo, cancelExport, exporting, exported, exportError, importLabels, merge, writeTruth, truth } = useTriage();
  const showError = useApp((s) => s.showError);
  const [format, setFormat] = useState<ExportFormat>('json');
  const [label, setLabel] = useState<ExportLabel>('any');
  const [path, setPath] = useState('');
  const [importPath, setImportPath] = useState('');
  const [merging, setMerging] = useState(false);
  const link = exported?.download ? downloadUrl(exported.download) : null;

  const doImport = async (p: string) => {
    if (!p.trim()) return;
    setMerging(true);
    try {
      await importLabels(p.trim());
    } catch (err) {
      showError(err);
    } finally {
      setMerging(false);
    }
  };

  return (
    <div className="triage-panel">
      <h3>Export labelled incidents</h3>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void exportTo(format, label, path.trim() || null);
        }}
      >
        <label>
          Format{' '}
          <select aria-label="Export format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
            {EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_NAMES[f]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Incidents{' '}
          <select aria-label="Export label" value={label} onChange={(e) => setLabel(e.target.value as ExportLabel)}>
            <option value="any">every labelled one</option>
            <option value="true">true incidents</option>
            <option value="benign">benign</option>
          </select>
        </label>
        <input
          type="text"
          className="search"
          aria-label="Export to file"
          placeholder="File to write: a full path, or a name in the exports folder (empty: a new name there)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" disabled={!!exporting}>
          {exporting ? 'Exporting…' : 'Export'}
        </button>
        {exporting && (
          <button type="button" className="ghost" onClick={() => void cancelExport().catch(showError)}>
            Cancel
          </button>
        )}
      </form>
      {exporting && (
        <p className="muted" role="status">
          Writing {FORMAT_NAMES[exporting.format]}: {fmtInt(exporting.incidents)} incidents, {fmtInt(exporting.events)} events, {fmtBytes(exporting.bytes)}…
        </p>
      )}
      {exportError && <p className="error-text">{exportError}</p>}
      {exported && (
        <p data-testid="export-result">
          Wrote {fmtInt(exported.incidents)} incident{exported.incidents === 1 ? '' : 's'} and {fmtInt(exported.events)} evidence events (
          {fmtBytes(exported.bytes)}, {(exported.ms / 1000).toFixed(1)} s) to <span className="mono">{exported.path}</span>
          {link && (
            <>
              {' '}
              · <a href={link} download={exported.download ?? undefined}>Download</a>
            </>
          )}
          {exported.incidents === 0 && <span className="muted"> — no incident has this label yet.</span>}
        </p>
      )}

      <h3>Merge labels from another analyst</h3>
      <p className="muted small">A JSON export from Vigil. Per incident the newer label wins; the report lists what changed and what stayed.</p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void doImport(importPath);
        }}
      >
        <input
          type="text"
          className="search"
          aria-label="Labels file"
          placeholder="Path of a JSON export"
          value={importPath}
          onChange={(e) => setImportPath(e.target.value)}
        />
        <button
          type="button"
          className="ghost"
          onClick={() =>
            void window.vigil
              ?.pickFiles({ title: 'Labels to merge (a Vigil JSON export)' })
              .then((paths) => {
                if (paths[0]) {
                  setImportPath(paths[0]);
                  return doImport(paths[0]);
                }
              })
              .catch(showError)
          }
        >
          Choose file…
        </button>
        <button type="submit" disabled={merging || !importPath.trim()}>
          {merging ? 'Merging…' : 'Merge labels'}
        </button>
      </form>
      {merge && (
        <div data-testid="merge-report">
          <p>
            {merge.applied.length} applied · {merge.kept.length} kept (ours newer) · {merge.unchanged} unchanged
            {merge.unknown ? ` · ${merge.unknown} not in this case (kept by id)` : ''}
          </p>
          {merge.applied.length + merge.kept.length > 0 && (
            <table className="grid">
              <thead>
                <tr>
                  <th>Incident</th>
                  <th>Ours</th>
                  <th>Theirs</th>
                  <th>Result</th>
                </tr>
              </thead>
              <tbody>
                {[...merge.applied.map((c) => ({ c, took: true })), ...merge.kept.map((c) => ({ c, took: false }))].map(({ c, took }) => (
                  <tr key={c.id}>
                    <td>{c.title || c.id}</td>
                    <td>
                      {labelName(c.local)} <span className="muted small mono">{c.localAt ? fmtShort(c.localAt) : ''}</span>
                    </td>
                    <td>
                      {labelName(c.incoming)} <span className="muted small mono">{c.incomingAt ? fmtShort(c.incomingAt) : ''}</span>
                    </td>
                    <td>{took ? 'took theirs (newer)' : 'kept ours (newer)'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}

      <h3>Ground truth for experiments</h3>
      <div className="toolbar">
        <button className="ghost" onClick={() => void writeTruth().catch(showError)}>
          Write true labels as ground truth
        </button>
        {truth && (
          <span>
            {truth.attacks} attack{truth.attacks === 1 ? '' : 's'} written to <span className="mono">{truth.path}</span>
            {truth.skipped ? ` (${truth.skipped} left out: no IP actor or no named pattern)` : ''} — use it as the truth file of an experiment.
          </span>
        )}
      </div>
    </div>
  );
}

export function TriageHistory() {
  const { history, actions, undo, busy, author, setAuthor } = useTriage();
  const latest = actions.find((a) => a.undoneAt === null);
  return (
    <div className="triage-panel">
      <div className="toolbar">
        <h3>Label history</h3>
        <label className="muted small">
          Labelling as{' '}
          <input
            type="text"
            aria-label="Analyst name"
            placeholder="your name (default: the system user)"
            value={author}
            maxLength={120}
            onChange={(e) => setAuthor(e.target.value)}
          />
        </label>
        {latest && (
          <button className="ghost" disabled={busy} onClick={() => void undo()} title="Ctrl+Z">
            Undo: {latest.summary}
          </button>
        )}
      </div>
      {history.length === 0 ? (
        <p className="muted">No label yet. Label incidents from the queue (t, b) or their detail.</p>
      ) : (
        <table className="grid" data-testid="label-history">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Who</th>
              <th>Incident</th>
              <th>Label</th>
              <th>Note</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.id} className={h.undone ? 'muted' : undefined}>
                <td className="mono">{fmtShort(h.at)}</td>
                <td>{h.author}</td>
                <td>{h.title || h.incidentId}</td>
                <td>
                  {labelName(h.before)} → <strong>{labelName(h.after)}</strong>
                </td>
                <td>{h.note ?? ''}</td>
                <td className="small">
                  {h.via === 'import' ? 'merged' : ''}
                  {h.undone ? ' undone' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
