import { useApp } from '../store/app';

export function SettingsView() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const info = useApp((s) => s.info);
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
      {info && (
        <p className="muted">
          Vigil {info.version} · new cases go to <code>{info.casesDir}</code>
        </p>
      )}
    </section>
  );
}
