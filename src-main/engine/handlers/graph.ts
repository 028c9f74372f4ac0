/**
 * Handlers of the graph domain: summaries, capped slices and ego graphs, search, vertex details and
 * communities, read from the case's graph tables; `graph.recompute` asks the case's graph stage to
 * run the algorithms now. The case session sends the stage's background progress as `graph.*` events.
 */
import type { DomainHandlers, EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { GraphQueries } from '../graph/queries';
import type { CaseGraph } from '../graph/runtime';
import { campaignMembers } from '../incidents/queries';
import { GRAPH_MAX_NODES } from '../../../src-shared/contract-graph';

export function graphHandlers(ctx: EngineContext): DomainHandlers<'graph'> {
  // The open case's session sends its graph's progress to the workbench itself.
  let cached: { graph: CaseGraph; q: GraphQueries } | null = null;
  const queries = (): GraphQueries => {
    const session = ctx.open();
    if (cached?.graph !== session.graph) cached = { graph: session.graph, q: new GraphQueries(session.store.db, session.graph) };
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
      const runtime = ctx.open().graph.runtime;
      if (!runtime) throw new EngineError('internal', 'The graph stage is not running for this case.');
      runtime.recompute();
      return null;
    },
  };
}
