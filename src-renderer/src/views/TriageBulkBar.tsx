/** Shown while incidents are selected in the queue: label them all at once, with one note. */
import { useState } from 'react';
import { useApp } from '../store/app';
import { useTriage } from '../store/triage';

export function TriageBulkBar() {
  const { selected, label, busy, setSelected, tuneBenign, setTuneBenign } = useTriage();
  const showError = useApp((s) => s.showError);
  const [note, setNote] = useState('');
  if (selected.length === 0) return null;
  const apply = (l: 'true' | 'benign' | null) =>
    void label(selected, l, note.trim() ? note.trim() : undefined)
      .then(() => setNote(''))
      .catch(showError);
  return (
    <div className="toolbar triage-bulk" role="region" aria-label="Bulk labelling" data-testid="triage-bulk">
      <strong>{selected.length} selected</strong>
      <button disabled={busy} onClick={() => apply('true')} title="Label every selected incident a true incident (t)">
        True incident
      </button>
      <button disabled={busy} onClick={() => apply('benign')} title="Label every selected incident benign (b)">
        Benign
      </button>
      <button className="ghost" disabled={busy} onClick={() => apply(null)} title="Clear their labels (u)">
        Clear labels
      </button>
      <input
        type="text"
        aria-label="Note for the selected incidents"
        placeholder="Note for all of them (optional)"
        value={note}
        maxLength={10_000}
        onChange={(e) => setNote(e.target.value)}
      />
      <label className="muted small" title="Off: benign labels change nothing in detection">
        <input type="checkbox" checked={tuneBenign} onChange={(e) => setTuneBenign(e.target.checked)} /> benign tunes detection
      </label>
      <button className="ghost small" onClick={() => setSelected([])} title="Clear the selection (Esc)">
        Deselect
      </button>
    </div>
  );
}
