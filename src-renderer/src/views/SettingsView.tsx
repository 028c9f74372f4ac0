import { useEffect, useState } from 'react';
import type { DetectionSettings } from '../../../src-shared/dto';
import { api } from '../api';
import { useApp } from '../store/app';

/** Minutes as the field shows them: whole minutes, or seconds below one. */
const asText = (ms: number) => (ms % 60_000 === 0 ? String(ms / 60_000) : (ms / 60_000).toFixed(2));

/** How far out of time order a case's lines may come: read from and saved to the open case. */
function CaseDetectionSettings() {
  const showError = useApp((s) => s.showError);
  const [settings, setSettings] = useState<DetectionSettings | null>(null);
  const [draft, setDraft] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api()
      .call('detect.getSettings')
      .then((s) => {
        setSettings(s);
        setDraft(asText(s.latenessMs));
      }, showError);
  }, [showError]);
  if (!settings) return null;
  const minutes = Number(draft);
  const valid = draft.trim() !== '' && Number.isFinite(minutes) && minutes >= 0 && minutes <= 1440;
  const save = () => {
    if (!valid) return;
    api()
      .call('detect.setSettings', { latenessMs: Math.round(minutes * 60_000) })
      .then((s) => {
        setSettings(s);
        setDraft(asText(s.latenessMs));
        setSaved(true);
      }, showError);
  };
  return (
    <fieldset className="field settings-case">
      <legend>This case: time order</legend>
      <p className="muted small">
        Logs are rarely in strict time order (Apache writes a request when it ends). Detection puts each line in its place if it comes no later than
        this behind the latest line seen; later lines are counted as late and scored where they arrive. Applies to imports started from now on.
      </p>
      <form
        className="settings-row"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <label>
          Lateness allowed (minutes){' '}
          <input
            aria-label="Lateness allowed in minutes"
            inputMode="decimal"
            size={6}
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              setSaved(false);
            }}
          />
        </label>{' '}
        <button type="submit" disabled={!valid || Math.round(minutes * 60_000) === settings.latenessMs}>
          Save
        </button>{' '}
        <button type="button" className="link" onClick={() => setDraft(asText(settings.defaultLatenessMs))}>
          Default ({asText(settings.defaultLatenessMs)})
        </button>
        {!valid && <span className="error-text small"> Between 0 and 1440 minutes.</span>}
        {saved && <span className="muted small" role="status"> Saved.</span>}
      </form>
    </fieldset>
  );
}

export function SettingsView() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const info = useApp((s) => s.info);
  const currentCase = useApp((s) => s.currentCase);
  return (
    <section className="panel" aria-label="Settings">
      <h2>Settings</h2>
      <fieldset className="field">
        <legend>Theme</legend>
        <label>
          <input type="radio" name="theme" checked={theme === 'dark'} onChange={() => setTheme('dark')} /> Dark
        </label>
        <label>
          <input type="radio" name="theme" checked={theme === 'light'} onChange={() => setTheme('light')} /> Light
        </label>
      </fieldset>
      {currentCase && <CaseDetectionSettings key={currentCase.path} />}
      {info && (
        <p className="muted">
          Vigil {info.version} · new cases go to <code>{info.casesDir}</code>
        </p>
      )}
    </section>
  );
}
