/**
 * Handlers of the experiments domain (src-main/engine/experiments): model runs and their metrics
 * against labels. Ground truth comes from a truth.json of the scenario generator until incident
 * labels exist.
 */
import { resolve } from 'node:path';
import type { DomainHandlers, EngineContext, OpenCase } from '../engine-context';
import { EngineError } from '../errors';
import { compareStoredRuns } from '../experiments/compare';
import { getRun, listRuns, stored } from '../experiments/records';
import { runExperiment } from '../experiments/run';
import { readTruth } from '../experiments/truth';

export function experimentsHandlers(ctx: EngineContext): DomainHandlers<'experiments'> {
  const db = () => ctx.open().store.db;
  return {
    'experiments.runExperiment': async ({ name, truthPath, params, notes }) => {
      const c = ctx.open();
      // Read the truth before queueing: a wrong path should fail at once, not after an import.
      const truth = readTruth(resolve(truthPath));
      return afterPendingWork(ctx, c, () => runExperiment(c.store.db, { name, truthFile: resolve(truthPath), truth, params, notes }));
    },
    'experiments.listRuns': () => listRuns(db()),
    'experiments.getRun': ({ id }) => getRun(db(), id),
    'experiments.compareRuns': ({ a, b }) => compareStoredRuns(getRun(db(), a), getRun(db(), b), stored(db(), a), stored(db(), b)),
    'experiments.deleteRun': ({ id }) => {
      const changes = db().prepare('DELETE FROM experiments WHERE id = ?').run(id).changes;
      if (changes === 0) throw new EngineError('not_found', `No experiment run #${id} in this case.`);
      return null;
    },
  };
}

/**
 * Imports and detection passes run one after another in the importer's queue; a run queued
 * behind them measures the case as it will be once they finish, not a half-written one.
 */
function afterPendingWork<T>(ctx: EngineContext, c: OpenCase, work: () => T): Promise<T> {
  return new Promise<T>((resolveWork, reject) => {
    let started = false;
    // The importer drops queued work when the case closes; do not leave the caller hanging.
    const watch = setInterval(() => {
      if (started) return;
      let current: OpenCase | null = null;
      try {
        current = ctx.open();
      } catch {
        current = null;
      }
      if (current !== c) {
        clearInterval(watch);
        reject(new EngineError('cancelled', 'The case was closed before the experiment could run.'));
      }
    }, 250);
    c.work.schedule(async () => {
      started = true;
      clearInterval(watch);
      try {
        resolveWork(work());
      } catch (err) {
        reject(err);
      }
    });
  });
}
