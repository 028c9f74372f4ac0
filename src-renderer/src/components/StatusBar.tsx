import { useApp } from '../store/app';
import { useIngest } from '../store/ingest';

export function StatusBar() {
  const error = useApp((s) => s.error);
  const clearError = useApp((s) => s.clearError);
  const running = useIngest((s) => s.jobs.filter((j) => j.status === 'running').length);
  return (
    <footer className="statusbar" role="status">
      {error ? (
        <span className="error-text">
          {error.message}{' '}
          <button className="link" onClick={clearError}>
            Dismiss
          </button>
        </span>
      ) : (
        <span className="muted">{running > 0 ? `Importing ${running} file${running > 1 ? 's' : ''}…` : 'Ready'}</span>
      )}
    </footer>
  );
}
