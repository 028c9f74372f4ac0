import { useApp } from '../store/app';
import { detectingText, useDetect } from '../store/detect';
import { fmtInt } from '../format';
import { useCollector } from '../store/collector';
import { useIngest } from '../store/ingest';

export function StatusBar() {
  const error = useApp((s) => s.error);
  const clearError = useApp((s) => s.clearError);
  const running = useIngest((s) => s.jobs.filter((j) => j.status === 'running' && !j.live).length);
  const detecting = useDetect((s) => s.running);
  const collector = useCollector((s) => s.status);
  const parts = [
    ...(collector?.running ? [`Collecting · ${fmtInt(collector.ratePerSecond)} msgs/s · ${fmtInt(collector.stored)} stored`] : []),
    ...(running > 0 ? [`Importing ${running} file${running > 1 ? 's' : ''}…`] : []),
    ...(detecting ? [detectingText(detecting)] : []),
  ];
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
        <span className={parts.length ? 'busy-text' : 'muted'} data-testid="status-text">
          {parts.length ? parts.join(' · ') : 'Ready'}
        </span>
      )}
    </footer>
  );
}
