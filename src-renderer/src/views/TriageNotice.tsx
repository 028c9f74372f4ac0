/** What the last triage action did, with the way to apply it (re-run detection) and to undo it. */
import { useApp } from '../store/app';
import { useTriage } from '../store/triage';

export function TriageNotice() {
  const { notice, undo, rerun, rerunning, dismiss, busy, pending } = useTriage();
  const showError = useApp((s) => s.showError);
  if (!notice && !rerunning && !pending) return null;
  return (
    <div className="notice triage-notice" role="status" data-testid="triage-notice">
      {rerunning ? (
        <p>Re-running detection over the whole case with the current tuning…</p>
      ) : (
        <>
          <p>
            {notice?.text}
            {pending ? `${notice ? ' — ' : ''}Tuning changed: re-run detection to apply it to the queue.` : ''}
          </p>
          <div className="toolbar">
            {pending && <button onClick={() => void rerun().catch(showError)}>Re-run detection</button>}
            {notice?.undoable && (
              <button className="ghost" disabled={busy} onClick={() => void undo()} title="Undo the last triage action (Ctrl+Z)">
                Undo
              </button>
            )}
            {notice && (
              <button className="ghost small" onClick={dismiss} aria-label="Dismiss">
                ✕
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
