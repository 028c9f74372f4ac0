/** Rules: the Sigma packs of the case (bundled and imported), per-rule hits, switches, load errors and matches. */
import { useEffect, useState } from 'react';
import { api } from '../api';
import { useApp } from '../store/app';
import { useRules } from '../store/rules';
import { RuleDetail } from './RulesDetail';
import { RulePacks } from './RulesPacks';
import { RulesTable } from './RulesTable';

export function RulesView() {
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);
  const selectedId = useRules((s) => s.selectedId);

  useEffect(() => {
    const rules = useRules.getState();
    rules.reset();
    void rules.refresh().catch(showError);
    const offs = [
      api().on('detect.finished', (run) => useRules.getState().onDetectionFinished(run.scope)),
      api().on('rules.changed', () => void useRules.getState().refresh().catch(() => undefined)),
    ];
    return () => offs.forEach((off) => off());
  }, [casePath, showError]);

  return (
    <section className="panel rules-view" aria-label="Rules">
      <h2>Rules</h2>
      <ImportPack />
      <RerunNotice />
      <RulePacks />
      <div className={selectedId ? 'rules-main with-detail' : 'rules-main'}>
        <RulesTable />
        {selectedId && <RuleDetail />}
      </div>
    </section>
  );
}

function ImportPack() {
  const [path, setPath] = useState('');
  const importing = useRules((s) => s.importing);
  const importPack = useRules((s) => s.importPack);
  const lastImport = useRules((s) => s.lastImport);
  const dismiss = useRules((s) => s.dismissImport);
  const rerunning = useRules((s) => s.rerunning);
  const showError = useApp((s) => s.showError);

  const run = async (target: string) => {
    if (!target) return;
    try {
      await importPack(target);
      setPath('');
    } catch (err) {
      showError(err);
    }
  };

  const choose = async () => {
    try {
      const [picked] = await api().bridge.pickFiles({ title: 'Choose a Sigma rule pack (.zip) or rule file (.yml)', multiple: false });
      if (picked) await run(picked);
    } catch (err) {
      showError(err);
    }
  };

  return (
    <>
      <form
        className="inline-form rules-import"
        onSubmit={(e) => {
          e.preventDefault();
          void run(path.trim());
        }}
      >
        <label className="field grow">
          Import a Sigma rule pack: a folder, a .zip or a .yml file on this machine
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/sigma/rules/linux" aria-label="Rule pack path" disabled={importing} />
        </label>
        <button type="submit" disabled={!path.trim() || importing}>
          {importing ? 'Importing…' : 'Import pack'}
        </button>
        <button type="button" className="ghost" onClick={() => void choose()} disabled={importing}>
          Choose file…
        </button>
      </form>
      {lastImport && (
        <div className={lastImport.failed > 0 ? 'notice rules-import-result' : 'notice rules-import-result ok'} role="status">
          <p>
            <strong>{lastImport.pack.name}</strong> {lastImport.replaced ? 'replaced the pack of the same name' : 'imported'}: {lastImport.loaded} rule
            {lastImport.loaded === 1 ? '' : 's'} loaded
            {lastImport.failed > 0 && (
              <>
                , <span className="error-text">{lastImport.failed} could not load</span> (see the pack's errors below)
              </>
            )}
            .{lastImport.rerunScheduled && rerunning && ' Detection is re-running over the case so their hits appear.'}
          </p>
          <button className="ghost small" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

function RerunNotice() {
  const pending = useRules((s) => s.pendingChanges);
  const rerunning = useRules((s) => s.rerunning);
  const rerun = useRules((s) => s.rerun);
  const showError = useApp((s) => s.showError);
  if (rerunning) {
    return (
      <p className="muted rules-rerun" role="status">
        Detection is running over the whole case; hits update when it finishes.
      </p>
    );
  }
  if (!pending) return null;
  return (
    <div className="notice rules-rerun" role="status">
      <p>Rules switched on or off take effect on the next detection run. Alerts already found stay until then.</p>
      <button className="small" onClick={() => void rerun().catch(showError)}>
        Re-run detection now
      </button>
    </div>
  );
}
