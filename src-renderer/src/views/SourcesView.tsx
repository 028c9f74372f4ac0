/** Sources: bring logs into the case (dialog, path, drag and drop) and watch imports progress. */
import { useState, type DragEvent } from 'react';
import type { ImportJob, SourceRow } from '../../../src-shared/dto';
import { api } from '../api';
import { CollectorPanel } from './CollectorPanel';
import { fmtBytes, fmtDuration, fmtInt } from '../format';
import { useCollector } from '../store/collector';
import { useApp } from '../store/app';
import { useIngest } from '../store/ingest';

export function SourcesView() {
  const jobs = useIngest((s) => s.jobs);
  const start = useIngest((s) => s.start);
  const showError = useApp((s) => s.showError);
  const [path, setPath] = useState('');
  const [dragging, setDragging] = useState(false);
  const [preparing, setPreparing] = useState(false);

  /** Start importing; true when the engine took the paths. */
  const importPaths = async (paths: string[]): Promise<boolean> => {
    if (paths.length === 0) return false;
    try {
      await start(paths);
      return true;
    } catch (err) {
      showError(err);
      return false;
    }
  };

  const choose = async () => {
    setPreparing(true);
    try {
      await importPaths(await api().bridge.pickFiles({ title: 'Choose log files to import', multiple: true }));
    } catch (err) {
      showError(err);
    } finally {
      setPreparing(false);
    }
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    setPreparing(true);
    try {
      await importPaths(await api().bridge.resolveDroppedFiles(Array.from(e.dataTransfer.files)));
    } catch (err) {
      showError(err);
    } finally {
      setPreparing(false);
    }
  };

  return (
    <section className="panel" aria-label="Sources">
      <h2>Sources</h2>
      <div
        className={dragging ? 'dropzone dragging' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <p>Drop log files here, or</p>
        <button onClick={() => void choose()} disabled={preparing}>
          {preparing ? 'Preparing…' : 'Choose files…'}
        </button>
      </div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const submitted = path.trim();
          if (!submitted) return;
          // Clear the field once the import started, unless the analyst has typed the next path
          // meanwhile; after a failure the path stays, to be corrected.
          void importPaths([submitted]).then((ok) => {
            if (ok) setPath((current) => (current.trim() === submitted ? '' : current));
          });
        }}
      >
        <label className="field grow">
          Or a path on this machine
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/var/log/auth.log" aria-label="Path to import" />
        </label>
        <button type="submit" disabled={!path.trim()}>
          Import
        </button>
      </form>
      <Duplicates />
      <CollectorPanel />
      <h3>Imports</h3>
      {jobs.length === 0 ? (
        <p className="muted">
          Nothing imported yet. Files, folders and archives (.gz, .bz2, .zip, .tar, .tar.gz) of syslog, auth, web access and JSON-lines logs.
        </p>
      ) : (
        <ul className="job-list">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </section>
  );
}

function Duplicates() {
  const duplicates = useIngest((s) => s.duplicates);
  const start = useIngest((s) => s.start);
  const dismiss = useIngest((s) => s.dismissDuplicates);
  const showError = useApp((s) => s.showError);
  if (duplicates.length === 0) return null;
  return (
    <div className="notice" role="alert">
      {duplicates.map((d) => (
        <p key={d.path}>
          <strong>{d.path}</strong> is already in this case (import #{d.of.id}, {d.of.name}, {fmtInt(d.of.lines)} lines).
        </p>
      ))}
      <button className="ghost small" onClick={() => void start(duplicates.map((d) => d.path), true).catch(showError)}>
        Import again anyway
      </button>{' '}
      <button className="ghost small" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** The live collector's row: what arrived so far (from the collector's pushed status while it runs). */
function LiveJobRow({ job }: { job: ImportJob }) {
  const status = useCollector((s) => s.status);
  const running = job.status === 'running' && status?.running === true;
  const lines = running ? status.stored : job.lines;
  const bytes = running ? status.listeners.reduce((n, l) => n + l.bytes, 0) : job.bytesRead;
  return (
    <li className="job" data-status={job.status} data-testid="live-import">
      <div className="job-head">
        <strong title={job.path}>{job.name}</strong>
        <span className={`badge ${job.status}`}>{job.status === 'running' ? 'collecting' : job.status}</span>
      </div>
      <div className="muted small">
        {fmtInt(lines)} lines stored · {fmtBytes(bytes)} received · {job.path}
        {job.unparsed > 0 && ` · ${fmtInt(job.unparsed)} lines fit no parser (kept as text)`}
        {job.error && <span className="error-text"> · {job.error}</span>}
      </div>
    </li>
  );
}

function JobRow({ job }: { job: ImportJob }) {
  if (job.live) return <LiveJobRow job={job} />;
  return <FileJobRow job={job} />;
}

function FileJobRow({ job }: { job: ImportJob }) {
  const progress = useIngest((s) => s.progress[job.id]);
  const cancel = useIngest((s) => s.cancel);
  const resume = useIngest((s) => s.resume);
  const showError = useApp((s) => s.showError);
  const bytesRead = progress?.bytesRead ?? job.bytesRead;
  const fraction = job.bytesTotal > 0 ? Math.min(1, bytesRead / job.bytesTotal) : job.status === 'done' ? 1 : 0;
  const pct = Math.round(fraction * 100);
  return (
    <li className="job" data-status={job.status}>
      <div className="job-head">
        <strong title={job.path}>{job.name}</strong>
        <span className={`badge ${job.status}`}>{job.status}</span>
        {job.status === 'running' && (
          <button className="ghost small" onClick={() => void cancel(job.id).catch(showError)}>
            Cancel
          </button>
        )}
        {(job.status === 'interrupted' || job.status === 'cancelled' || job.status === 'failed') && (
          <button className="ghost small" title="Continue from the last checkpoint; nothing is stored twice" onClick={() => void resume(job.id).catch(showError)}>
            Resume
          </button>
        )}
      </div>
      <div className="progress" role="progressbar" aria-label={`Import of ${job.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="muted small">
        {fmtInt(progress?.lines ?? job.lines)} lines · {fmtBytes(bytesRead)} of {fmtBytes(job.bytesTotal)}
        {job.members > 1 && ` · ${fmtInt(job.members)} files`}
        {job.unparsed > 0 && ` · ${fmtInt(job.unparsed)} lines fit no parser (kept as text)`}
        {job.status === 'running' && progress && (
          <>
            {' '}
            · {fmtInt(progress.linesPerSec)} lines/s{progress.etaMs !== null && ` · ${fmtDuration(progress.etaMs)} left`}
          </>
        )}
        {job.error && <span className="error-text"> · {job.error}</span>}
      </div>
      <SourceFiles job={job} />
      {job.notes.length > 0 && (
        <details className="notes">
          <summary>{job.notes.length} skipped</summary>
          <ul>
            {job.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

/** What an import read, file by file: format, lines, lines no parser fit, and the year assumed for yearless times. */
function SourceFiles({ job }: { job: ImportJob }) {
  const rows = useIngest((s) => s.sources[job.id]);
  if (!rows || rows.length === 0 || job.status === 'running') return null;
  const years = rows.filter((r) => r.assumedYears);
  return (
    <details className="notes" data-testid="import-files">
      <summary>
        {rows.length === 1 ? '1 file' : `${fmtInt(rows.length)} files`}
        {years.length > 0 && ` · times without a year read as ${yearSpan(years)}`}
      </summary>
      <table className="source-files">
        <thead>
          <tr>
            <th>File</th>
            <th>Format</th>
            <th className="num">Lines</th>
            <th className="num">Fit no parser</th>
            <th>Year assumed</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td title={r.name}>{r.name}</td>
              <td>{r.format}</td>
              <td className="num">{fmtInt(r.lines)}</td>
              <td className="num">{r.unparsed > 0 ? fmtInt(r.unparsed) : ''}</td>
              <td title={r.assumedYears ? 'These lines carry no year; it was chosen so that no line is dated after the file was last written.' : undefined}>
                {r.assumedYears ? yearSpan([r]) : ''}
                {r.assumedYears && r.assumedYears.futureKept > 0 && ` (${fmtInt(r.assumedYears.futureKept)} lines kept in ${r.assumedYears.last})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function yearSpan(rows: SourceRow[]): string {
  const first = Math.min(...rows.map((r) => r.assumedYears!.first));
  const last = Math.max(...rows.map((r) => r.assumedYears!.last));
  return first === last ? String(first) : `${first}–${last}`;
}
