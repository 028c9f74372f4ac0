/**
 * Graph: the entity graph explorer. A capped overview of the most central vertices (or one
 * community, or ego graphs expanded by hand), filters by time, type and risk, a side panel with the
 * selected entity and the communities, and PNG export of what is on screen.
 */
import { memo, useCallback, useEffect, useRef } from 'react';
import { api } from '../api';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useGraph } from '../store/graph';
import { EmptyView } from './EmptyView';
import { GraphCanvas, type GraphCanvasHandle } from './GraphCanvas';
import { GraphSide } from './GraphSide';
import { GraphToolbar } from './GraphToolbar';

/** How often the graph follows live incident rebuilds. */
const LIVE_GRAPH_MS = 3000;

export function GraphView() {
  const casePath = useApp((s) => s.currentCase?.path);
  const showError = useApp((s) => s.showError);
  const summary = useGraph((s) => s.summary);
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const layoutKey = useGraph((s) => s.layoutKey);
  const viewBase = useGraph((s) => s.viewBase);
  // A layout is cached per case, per computation of its graph (vertex numbers may change with one) and per view.
  const viewKey = `${casePath ?? ''}|${summary?.last?.finishedAt ?? 0}|${viewBase}`;
  const selectedId = useGraph((s) => s.selectedId);
  const expanded = useGraph((s) => s.expanded);
  const groupIds = useGraph((s) => s.groupIds);
  const canvas = useRef<GraphCanvasHandle>(null);

  useEffect(() => {
    let liveShown = 0;
    const g = useGraph.getState();
    g.reset();
    void g
      .refresh()
      .then(async () => {
        // Opened from a campaign: its members as one selected group; from a pivot: centred on its
        // entity; otherwise the overview.
        const g = useGraph.getState();
        if (g.pendingGroup) await g.showGroup(g.pendingGroup);
        else if (!(await g.applyPending())) await useGraph.getState().showOverview();
      })
      .catch(showError);
    const offs = [
      api().on('graph.computed', () => useGraph.getState().onChanged()),
      api().on('graph.progressed', () => useGraph.getState().onComputing()),
      api().on('detect.finished', () => useGraph.getState().onChanged()),
      // While collecting, risk on the vertices follows the live incidents, a few times a minute at
      // most (the layout keeps its positions; the selection stays).
      api().on('incidents.changed', (c) => {
        if (c.reason !== 'rebuilt' || Date.now() - liveShown < LIVE_GRAPH_MS) return;
        liveShown = Date.now();
        useGraph.getState().onChanged();
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      // Leave nothing behind for the next visit's canvas to lay out before the view reloads.
      useGraph.getState().reset();
    };
  }, [casePath, showError]);

  const pending = useGraph((s) => s.pending);
  const focusKey = useGraph((s) => s.focusKey);
  const notice = useGraph((s) => s.notice);
  useEffect(() => {
    // A pivot asked for while the view is already open.
    if (pending && useGraph.getState().summary) void useGraph.getState().applyPending().catch(showError);
  }, [pending, showError]);

  // Stable, so the memoised toolbar does not re-render when a new slice arrives.
  const onExport = useCallback(() => void exportPng(canvas.current).catch(showError), [showError]);
  const onFit = useCallback(() => canvas.current?.fit(), []);

  if (summary && summary.vertices === 0) {
    return (
      <EmptyView
        title="Entity graph"
        next="No entities have met yet. Import auth, web or syslog files in Sources: users, addresses, hosts and paths seen together in events become the graph, with its communities."
      />
    );
  }

  return (
    <section className="panel graph-view" aria-label="Entity graph">
      <GraphToolbar onExport={onExport} onFit={onFit} />
      <div className="graph-main">
        <div className="graph-stage">
          <GraphCanvas
            ref={canvas}
            nodes={nodes}
            edges={edges}
            layoutKey={layoutKey}
            viewKey={viewKey}
            selectedId={selectedId}
            focusKey={focusKey}
            expanded={expanded}
            groupIds={groupIds}
            onSelect={(id) => void useGraph.getState().select(id).catch(showError)}
            onExpand={(id) => void useGraph.getState().expand(id).catch(showError)}
          />
          <GraphLegend />
          {notice && (
            <div className="graph-notice small" role="status">
              {notice}
            </div>
          )}
        </div>
        <GraphSide />
      </div>
    </section>
  );
}

/** Save what is on screen as a PNG. */
async function exportPng(view: GraphCanvasHandle | null): Promise<void> {
  const bg = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#0f1419';
  const url = await view?.png(bg);
  if (!url) return;
  const a = document.createElement('a');
  a.href = url;
  a.download = `vigil-graph-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.png`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const GraphLegend = memo(function GraphLegend() {
  const matched = useGraph((s) => s.matchedNodes);
  const more = useGraph((s) => s.moreNodes);
  const moreEdges = useGraph((s) => s.moreEdges);
  const shown = useGraph((s) => s.nodes.id.length);
  const edges = useGraph((s) => s.edges.src.length);
  const mode = useGraph((s) => s.mode);
  const loading = useGraph((s) => s.loading);
  const group = useGraph((s) => s.groupIds.size);
  const what =
    mode.kind === 'community'
      ? `community ${mode.id}`
      : mode.kind === 'ego'
        ? 'ego graph'
        : mode.kind === 'group'
          ? `campaign “${mode.title}”: ${fmtInt(group)} member addresses selected`
          : 'most central first';
  return (
    <div className="graph-legend muted small" role="status" data-testid="graph-count">
      {loading ? 'Loading… ' : ''}
      {fmtInt(shown)} vertices · {fmtInt(edges)} edges ({what})
      {more > 0 && (
        <>
          {' '}
          · <span className="graph-more">{fmtInt(more)} more</span> of {fmtInt(matched)} not shown
        </>
      )}
      {moreEdges > 0 && <> · {fmtInt(moreEdges)} more edges</>}
      <span className="graph-hint"> · click: details · double-click: expand</span>
    </div>
  );
});
