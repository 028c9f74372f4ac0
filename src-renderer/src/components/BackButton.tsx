/** "← Back to …": returns to where a pivot came from (also Alt+←). */
import { useEffect } from 'react';
import { useApp } from '../store/app';

export function BackButton() {
  const last = useApp((s) => s.trail[s.trail.length - 1]);
  const goBack = useApp((s) => s.goBack);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key === 'ArrowLeft' && useApp.getState().trail.length) {
        e.preventDefault();
        useApp.getState().goBack();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!last) return null;
  return (
    <button className="ghost small back-button" onClick={goBack} title="Back (Alt+←)">
      ← {last.label}
    </button>
  );
}
