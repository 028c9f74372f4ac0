/** Handlers of the incidents domain: the queue, detail, analyst state, risk, LLM settings, the sample. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { IncidentExplanation } from '../../../src-shared/contract-incidents';
import type { DomainHandlers, EngineContext } from '../engine-context';
import { publicSettings, readLlmConfig, rephrase, writeLlmConfig } from '../incidents/llm';
import { getIncidentDetail, getIncidentEvidence, getIncidentRow, listIncidents, listRisk, setIncidentState } from '../incidents/queries';

export const SAMPLE_ARCHIVE = join('samples', 'sample-case.tar.gz');

export function incidentsHandlers(ctx: EngineContext): DomainHandlers<'incidents'> {
  const db = () => ctx.open().store.db;
  return {
    'incidents.list': (o) => listIncidents(db(), o),
    'incidents.get': ({ id, evidenceLimit }) => getIncidentDetail(db(), id, evidenceLimit),
    'incidents.getEvidence': ({ id, offset, limit }) => getIncidentEvidence(db(), id, offset, limit),
    'incidents.setStatus': ({ id, status, label, note }) => {
      const row = setIncidentState(db(), id, { status, label, note });
      ctx.emit('incidents.changed', { reason: 'updated', total: db().prepare('SELECT count(*) FROM incidents').pluck().get() as number });
      return row;
    },
    'incidents.listRisk': (o) => listRisk(db(), o),
    'incidents.getLlmSettings': () => publicSettings(readLlmConfig(db())),
    'incidents.setLlmSettings': ({ apiKey, ...rest }) => {
      const cur = readLlmConfig(db());
      const next = { ...cur, ...rest, apiKey: apiKey === undefined ? cur.apiKey : apiKey || null };
      writeLlmConfig(db(), next);
      return publicSettings(next);
    },
    'incidents.rephrase': async ({ id }) => {
      const d = db();
      getIncidentRow(d, id);
      const explanation = JSON.parse(
        d.prepare('SELECT explanation FROM incidents WHERE id = ?').pluck().get(id) as string,
      ) as IncidentExplanation;
      return rephrase(readLlmConfig(d), explanation);
    },
    'incidents.getSample': () => {
      const opts = ctx.options();
      const resources = opts.rulesDir ? dirname(resolve(opts.rulesDir)) : resolve('resources');
      const archive = join(resources, SAMPLE_ARCHIVE);
      const casePath = join(resolve(opts.dataDir), 'cases', 'Sample.vigil');
      return { archive, archiveExists: existsSync(archive), casePath, caseExists: existsSync(casePath) };
    },
  };
}
