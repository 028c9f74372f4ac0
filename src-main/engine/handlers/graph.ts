/**
 * Handlers of the graph domain: summaries, capped slices and ego graphs, search, vertex details and
 * communities, read from the case's graph tables; `graph.recompute` asks the case's graph stage to
 * run the algorithms now. The stage's background progress becomes `graph.*` events here.
 */
import type { Database } from 'better-sqlite3';
import type { DomainHandlers, EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { GraphQueries } from '../graph/queries';
import { graphRuntime, onGraphNotice } from '../graph/runtime';
import { campaignMembers } from '../incidents/queries';
import { GRAPH_MAX_NODES } from '../../../src-shared/contract-graph';

export function graphHandlers(ctx: EngineContext): DomainHandlers<'graph'> {
  const current = (): Database | null => {
    try {
      return ctx.open().store.db;
    } catch {
      return null;
    }
  };
  // Only notices of the case this engine has open reach its workbench.
  onGraphNotice((db, notice) => {
    if (db === current()) ctx.emit(notice.name, notice.payload);
  });

  let cached: { db: Database; q: GraphQueries } | null = null;
  const queries = (): GraphQueries => {
    const db = ctx.open().store.db;
    if (cached?.db !== db) cached = { db, q: new GraphQueries(db) };
    return cached.q;
  };

  return {
    'graph.getSummary': () => queries().summary(),
    'graph.getSlice': (input) => queries().slice(input),
    'graph.getEgo': (input) => {
      const slice = queries().ego(input);
      if (slice.center === null) throw new EngineError('not_found', `No vertex ${input.vertexId} in the graph.`);
      return slice;
    },
    'graph.getGroup': ({ campaignId, maxNodes, ...f }) => {
      const db = ctx.open().store.db;
      const campaign = db.prepare(`SELECT title FROM incidents WHERE id = ? AND kind = 'campaign'`).pluck().get(campaignId) as string | undefined;
      if (campaign === undefined) throw new EngineError('not_found', `No campaign ${campaignId} in this case (detection may have re-run: refresh the queue).`);
      const members = campaignMembers(db, campaignId, GRAPH_MAX_NODES).map((m) => ({ type: 'ip' as const, value: m.ip }));
      return { ...queries().group(members, f, maxNodes), title: campaign };
    },
    'graph.findVertices': ({ query, types, limit }) => queries().find(query, types, limit),
    'graph.getVertex': ({ vertexId, maxEdges, maxAlerts }) => {
      const detail = queries().vertex(vertexId, maxEdges, maxAlerts);
      if (!detail) throw new EngineError('not_found', `No vertex ${vertexId} in the graph.`);
      return detail;
    },
    'graph.listCommunities': ({ minSize, topMembers, offset, limit }) => queries().communities(minSize, topMembers, offset, limit),
    'graph.recompute': () => {
      const runtime = graphRuntime(ctx.open().store.db);
      if (!runtime) throw new EngineError('internal', 'The graph stage is not running for this case.');
      runtime.recompute();
      return null;
    },
  };
}
