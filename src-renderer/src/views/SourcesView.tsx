/** Sources: bring logs into the case (dialog, path, drag and drop) and watch imports progress. */
import { useState, type DragEvent } from 'react';
import type { ImportJob } from '../../../src-shared/dto';
import { api } from '../api';
import { fmtBytes, fmtDuration, fmtInt } from '../format';
import { useApp } from '../store/app';
import { useIngest } from '../store/ingest';

export function SourcesView() {
  const jobs = useIngest((s) => s.jobs);
  const start = useIngest((s) => s.start);
  const showError = useApp((s) => s.showError);
  const [path, setPath] = useState('');
  const [dragging, setDragging] = useState(false);
  const [preparing, setPreparing] = useState(false);

  const importPaths = async (paths: string[]) => {
    if (paths.length === 0) return;
    try {
      await start(paths);
    } catch (err) {
      showError(err);
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
          if (path.trim()) void importPaths([path.trim()]).then(() => setPath(''));
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
      <h3>Imports</h3>
      {jobs.length === 0 ? (
        <p className="muted">Nothing imported yet. Plain text logs work today; archives and parsed formats come next.</p>
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

function JobRow({ job }: { job: ImportJob }) {
  const progress = useIngest((s) => s.progress[job.id]);
  const cancel = useIngest((s) => s.cancel);
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
      </div>
      <div className="progress" role="progressbar" aria-label={`Import of ${job.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="muted small">
        {fmtInt(progress?.lines ?? job.lines)} lines · {fmtBytes(bytesRead)} of {fmtBytes(job.bytesTotal)}
        {job.status === 'running' && progress && (
          <>
            {' '}
            · {fmtInt(progress.linesPerSec)} lines/s{progress.etaMs !== null && ` · ${fmtDuration(progress.etaMs)} left`}
          </>
        )}
        {job.error && <span className="error-text"> · {job.error}</span>}
      </div>
    </li>
  );
}
