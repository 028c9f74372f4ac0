/** Labelling one incident: true / benign with a note (t, b, u, n), its label history and the tuning its label made. */
import { useEffect, useRef, useState } from 'react';
import type { IncidentRow } from '../../../src-shared/contract-incidents';
import type { IncidentTriage } from '../../../src-shared/contract-triage';
import { api } from '../api';
import { useApp } from '../store/app';
import { useTriage } from '../store/triage';
import { fmtShort } from './IncidentParts';
import './Triage.css';

function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
}

export function labelName(l: string | null): string {
  return l === 'true' ? 'true incident' : l === 'benign' ? 'benign' : 'no label';
}

export function TriageLabelBar({ incident, note }: { incident: IncidentRow; note: string | null }) {
  const { label, saveNote, busy, notice, tuneBenign, setTuneBenign } = useTriage();
  const showError = useApp((s) => s.showError);
  const [draft, setDraft] = useState(note ?? '');
  const [info, setInfo] = useState<IncidentTriage | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const id = incident.id;

  useEffect(() => setDraft(note ?? ''), [note, id]);
  useEffect(() => {
    let live = true;
    api()
      .call('triage.getIncident', { id })
      .then((r) => live && setInfo(r))
      .catch(() => live && setInfo(null));
    return () => {
      live = false;
    };
  }, [id, incident.label, note, notice]);

  const noteArg = () => (draft.trim() === (note ?? '') ? undefined : draft.trim() || null);
  const apply = (l: 'true' | 'benign' | null) => void label([id], l, noteArg()).catch(showError);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 't') apply(incident.label === 'true' ? null : 'true');
      else if (e.key === 'b') apply(incident.label === 'benign' ? null : 'benign');
      else if (e.key === 'u') apply(null);
      else if (e.key === 'n') noteRef.current?.focus();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const dirty = draft.trim() !== (note ?? '');
  return (
    <section className="inc-triage triage-bar" aria-label="Label">
      <div className="toolbar">
        <span className="muted">Label</span>
        <button
          className={incident.label === 'true' ? 'inc-on' : 'ghost'}
          aria-pressed={incident.label === 'true'}
          disabled={busy}
          title="A real incident: kept as ground truth (t)"
          onClick={() => apply(incident.label === 'true' ? null : 'true')}
        >
          True incident
        </button>
        <button
          className={incident.label === 'benign' ? 'inc-on' : 'ghost'}
          aria-pressed={incident.label === 'benign'}
          disabled={busy}
          title="Nothing to act on: raises the thresholds of the detectors that fired for it, or suppresses them (b)"
          onClick={() => apply(incident.label === 'benign' ? null : 'benign')}
        >
          Benign
        </button>
        <button className="ghost small" disabled={busy || !incident.label} onClick={() => apply(null)} title="Clear the label (u)">
          Clear
        </button>
        <label className="muted small" title="Off: a benign label changes nothing in detection">
          <input type="checkbox" checked={tuneBenign} onChange={(e) => setTuneBenign(e.target.checked)} /> benign tunes detection
        </label>
        <span className="muted small">t · b · u · n note · Ctrl+Z undo</span>
      </div>
      <div className="triage-note">
        <textarea
          ref={noteRef}
          aria-label="Note"
          placeholder="Note: why this label (n to focus, Ctrl+Enter saves)"
          rows={2}
          value={draft}
          maxLength={10_000}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void saveNote(id, draft.trim() || null).catch(showError);
            } else if (e.key === 'Escape') {
              e.stopPropagation();
              setDraft(note ?? '');
              e.currentTarget.blur();
            }
          }}
        />
        <button className="ghost small" disabled={!dirty || busy} onClick={() => void saveNote(id, draft.trim() || null).catch(showError)}>
          Save note
        </button>
      </div>
      {info && info.tunings.some((t) => t.removedAt === null) && (
        <div className="triage-tunings" data-testid="incident-tunings">
          <p className="muted small">What this benign label changed in detection (applies when detection re-runs):</p>
          <ul>
            {info.tunings
              .filter((t) => t.removedAt === null)
              .map((t) => (
                <li key={t.id}>
                  <span className="badge">{t.mode === 'threshold' ? 'threshold' : 'suppressed'}</span> {t.reason}
                </li>
              ))}
          </ul>
        </div>
      )}
      {info && info.history.length > 0 && (
        <details className="triage-history">
          <summary>Label history ({info.history.length})</summary>
          <ul data-testid="incident-label-history">
            {info.history.map((h) => (
              <li key={h.id} className={h.undone ? 'muted' : undefined}>
                <span className="mono">{fmtShort(h.at)}</span> {h.author}: {labelName(h.before)} → <strong>{labelName(h.after)}</strong>
                {h.note ? ` · “${h.note}”` : ''}
                {h.via === 'import' ? ' · merged' : ''}
                {h.undone ? ' · undone' : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
