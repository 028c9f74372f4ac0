/** Handlers of the triage domain: labels, undo, history, tuning, suppressed incidents, export, merge. */
import { isAbsolute, join, resolve } from 'node:path';
import type { DomainHandlers, EngineContext } from '../engine-context';
import { exportIncidents } from '../triage/export';
import { history, incidentTriage, label, listActions, removeTuning, undo } from '../triage/labels';
import { importLabels, writeGroundTruth } from '../triage/merge';
import { listSuppressed, listTuning } from '../triage/tuning';

/** Where exports land by default, under the app's data folder (the browser host serves them). */
export function exportsDir(dataDir: string): string {
  return join(resolve(dataDir), 'exports');
}

export function triageHandlers(ctx: EngineContext): DomainHandlers<'triage'> {
  const db = () => ctx.open().store.db;
  const running = new Set<AbortController>();
  const changed = (reason: 'labelled' | 'undone' | 'tuning' | 'imported') => {
    ctx.emit('triage.changed', { reason });
    ctx.emit('incidents.changed', { reason: 'updated', total: db().prepare('SELECT count(*) FROM incidents').pluck().get() as number });
  };
  return {
    'triage.label': (input) => {
      const r = label(db(), input);
      changed('labelled');
      return r;
    },
    'triage.undo': ({ actionId }) => {
      const r = undo(db(), actionId);
      changed('undone');
      return r;
    },
    'triage.history': ({ incidentId, limit }) => history(db(), incidentId, limit),
    'triage.listActions': ({ limit }) => listActions(db(), limit),
    'triage.listTuning': ({ includeRemoved }) => listTuning(db(), includeRemoved),
    'triage.removeTuning': ({ id, author }) => {
      const r = removeTuning(db(), id, author);
      changed('tuning');
      return r;
    },
    'triage.listSuppressed': ({ limit }) => listSuppressed(db(), limit),
    'triage.getIncident': ({ id }) => incidentTriage(db(), id),
    'triage.export': async ({ format, path, label: which, maxEvents }) => {
      const c = ctx.open();
      const info = c.store.info();
      const opts = ctx.options();
      const abort = new AbortController();
      running.add(abort);
      return exportIncidents(c.store.db, {
        format,
        label: which,
        // A bare name lands in the exports folder (and can be downloaded from the browser host).
        ...(path ? { path: isAbsolute(path) ? path : resolve(exportsDir(opts.dataDir), path) } : {}),
        maxEvents,
        caseName: info.name,
        casePath: info.path,
        version: opts.version,
        exportsDir: exportsDir(opts.dataDir),
        progress: (p) => ctx.emit('triage.exportProgressed', p),
        signal: abort.signal,
      }).finally(() => running.delete(abort));
    },
    'triage.cancelExport': () => {
      const n = running.size;
      for (const a of running) a.abort();
      return { cancelled: n };
    },
    'triage.importLabels': ({ path, author }) => {
      const r = importLabels(db(), resolve(path), author);
      if (r.actionId !== null) changed('imported');
      return r;
    },
    'triage.writeGroundTruth': ({ path }) => {
      const info = ctx.open().store.info();
      const target = path ? resolve(path) : join(exportsDir(ctx.options().dataDir), `${info.name.replace(/[^\w.-]+/g, '_') || 'case'}-truth.json`);
      return writeGroundTruth(db(), target);
    },
  };
}
