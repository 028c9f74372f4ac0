/** The first screen: create a case, reopen a recent one, or open one by path. */
import { useState } from 'react';
import { useApp } from '../store/app';
import { fmtTime } from '../format';
import { openSampleCase } from '../store/incidents';

export function CaseLauncher() {
  const { recent, busy, error, info, createCase, openCase, forgetRecent, clearError } = useApp();
  const [name, setName] = useState('');
  const [openPath, setOpenPath] = useState('');

  return (
    <div className="launcher">
      <header>
        <h1>Vigil</h1>
        <p className="muted">Open a log archive and triage it offline. Everything stays in one case file on this machine.</p>
      </header>
      {error && (
        <p className="error-text" role="alert">
          {error.message}{' '}
          <button className="link" onClick={clearError}>
            Dismiss
          </button>
        </p>
      )}
      <div className="launcher-grid">
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void createCase(name.trim());
          }}
        >
          <h2>New case</h2>
          <label className="field">
            Case name
            <input autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. web-01 incident" maxLength={120} />
          </label>
          {info && <p className="muted small">Saved in {info.casesDir}</p>}
          <button type="submit" disabled={busy || !name.trim()}>
            Create case
          </button>
        </form>
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            if (openPath.trim()) void openCase(openPath.trim());
          }}
        >
          <h2>Open a case file</h2>
          <label className="field">
            Path to a .vigil file
            <input value={openPath} onChange={(e) => setOpenPath(e.target.value)} placeholder="/path/to/case.vigil" />
          </label>
          <button type="submit" disabled={busy || !openPath.trim()}>
            Open
          </button>
        </form>
      </div>
      <section className="card">
        <h2>Recent cases</h2>
        {recent.length === 0 ? (
          <div>
            <p className="muted">No cases yet. Create one above, then import logs into it, or look around a sample first.</p>
            <button disabled={busy} onClick={() => void openSampleCase()}>
              Open the sample case
            </button>
          </div>
        ) : (
          <ul className="recent-list">
            {recent.map((r) => (
              <li key={r.path}>
                <button className="link" disabled={!r.exists || busy} onClick={() => void openCase(r.path)} title={r.path}>
                  {r.name}
                </button>
                <span className="muted small">
                  {r.exists ? `opened ${fmtTime(r.openedAt)}` : 'file missing'} · {r.path}
                </span>
                <button className="ghost small" onClick={() => void forgetRecent(r.path)} aria-label={`Forget ${r.name}`}>
                  Forget
                </button>
              </li>
            ))}
          </ul>
        )}
        {recent.length > 0 && (
          <button className="ghost small" disabled={busy} onClick={() => void openSampleCase()}>
            Open the sample case
          </button>
        )}
      </section>
    </div>
  );
}
