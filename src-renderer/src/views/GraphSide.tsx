/** The explorer's side panel: the selected entity (facts, community, edges, events, alerts) and the communities. */
import { memo, useEffect, useState } from 'react';
import type { GraphCommunity } from '../../../src-shared/contract-graph';
import { fmtInt, fmtRisk, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useGraph } from '../store/graph';
import { openEntityEvents } from '../store/pivot';
import { communityColour } from './GraphCanvas';

/** Memoised: it reads the store itself, so a new slice on screen does not re-render the community table. */
export const GraphSide = memo(function GraphSide() {
  const selectedId = useGraph((s) => s.selectedId);
  const [tab, setTab] = useState<'entity' | 'communities'>('entity');
  useEffect(() => {
    if (selectedId !== null) setTab('entity');
  }, [selectedId]);
  const showEntity = tab === 'entity' && selectedId !== null;
  return (
    <aside className="graph-side" data-testid="graph-side" aria-label="Graph details">
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={showEntity} className={showEntity ? 'tab active' : 'tab'} onClick={() => setTab('entity')} disabled={selectedId === null}>
          Entity
        </button>
        <button role="tab" aria-selected={!showEntity} className={!showEntity ? 'tab active' : 'tab'} onClick={() => setTab('communities')}>
          Communities
        </button>
      </div>
      {showEntity ? <EntityDetail /> : <CommunityList onPick={() => setTab('entity')} />}
    </aside>
  );
});

function EntityDetail() {
  const detail = useGraph((s) => s.detail);
  const hidden = useGraph((s) => s.hidden);
  const expanded = useGraph((s) => s.expanded);
  const events = useGraph((s) => s.events);
  const eventsTotal = useGraph((s) => s.eventsTotal);
  const showError = useApp((s) => s.showError);
  if (!detail) return <p className="muted">Loading…</p>;
  const n = detail.node;
  const neighbours = detail.edges.length + detail.moreEdges;
  const notShown = hidden[String(n.id)];
  const g = useGraph.getState();
  return (
    <div className="graph-detail">
      <h3 className="graph-title">
        <span className="badge">{n.type}</span> <span className="mono">{n.value}</span>
      </h3>
      <div className="graph-actions">
        <button className="small" onClick={() => void g.expand(n.id).catch(showError)}>
          {expanded.has(n.id) ? 'Expand again' : 'Expand'}
          {notShown ? ` (+${fmtInt(notShown)} more)` : ''}
        </button>
        <button className="ghost small" onClick={() => openEntityEvents({ type: n.type, value: n.value }, { view: 'graph', label: `Back to the graph (${n.value})` })}>
          Events
        </button>
        {n.community !== null && (
          <button className="ghost small" onClick={() => void g.showCommunity(n.community!).catch(showError)}>
            Show community
          </button>
        )}
      </div>
      <dl className="graph-facts">
        <dt>Community</dt>
        <dd data-testid="graph-community">
          {detail.community ? (
            <>
              <span className="graph-swatch" style={{ background: communityColour(detail.community.id) }} />
              Community {detail.community.id} · {fmtInt(detail.community.size)} members
            </>
          ) : (
            <span className="muted">not computed yet</span>
          )}
        </dd>
        <dt>PageRank</dt>
        <dd>{n.pagerank === null ? '—' : `${n.pagerank.toExponential(2)}`}</dd>
        <dt>Betweenness</dt>
        <dd>{n.betweenness === null ? <span className="muted">outside the computed core</span> : n.betweenness.toFixed(4)}</dd>
        <dt>Fan-out / in</dt>
        <dd>
          {fmtInt(n.fanOut)} / {fmtInt(n.fanIn)}
        </dd>
        <dt>Events</dt>
        <dd>{fmtInt(n.events)}</dd>
        <dt>Seen</dt>
        <dd className="small">
          {fmtTime(n.firstSeen)} → {fmtTime(n.lastSeen)}
        </dd>
        <dt>Risk</dt>
        <dd>
          <span data-testid="graph-risk">{fmtRisk(n.risk)}</span> <span className="muted small">peak · {fmtInt(n.alerts)} alerts name it</span>
        </dd>
      </dl>
      {detail.community && detail.community.top.length > 0 && (
        <p className="small muted graph-top">
          Top of its community: {detail.community.top.map((m) => m.value).join(', ')}
        </p>
      )}

      <h3>
        Edges <span className="muted small">({fmtInt(neighbours)})</span>
      </h3>
      <table className="grid graph-edges">
        <tbody>
          {detail.edges.map((e) => {
            const out = e.src === n.id;
            const other = detail.neighbours.find((x) => x.id === (out ? e.dst : e.src));
            return (
              <tr key={`${e.src}-${e.dst}-${e.type}`} tabIndex={0} onClick={() => other && void g.focus(other).catch(showError)} title={`${fmtTime(e.firstSeen)} → ${fmtTime(e.lastSeen)}`}>
                <td className="muted">{out ? '→' : '←'}</td>
                <td>{e.type.replace(/_/g, ' ')}</td>
                <td className="mono">{other?.value ?? e.dst}</td>
                <td className="num">{fmtInt(e.count)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {detail.moreEdges > 0 && <p className="muted small">{fmtInt(detail.moreEdges)} more edges</p>}

      <h3>
        Alerts <span className="muted small">({fmtInt(detail.alertsTotal)})</span>
      </h3>
      {detail.alerts.length === 0 ? (
        <p className="muted small">No alert names this entity.</p>
      ) : (
        <ul className="graph-alerts">
          {detail.alerts.map((a) => (
            <li key={a.id}>
              <span className={`badge graph-sev-${a.severity}`}>{a.severity}</span> {a.title}
              <span className="muted small"> · {a.detector} · {fmtTime(a.firstTs)}</span>
            </li>
          ))}
        </ul>
      )}
      {detail.alertsTotal > detail.alerts.length && <p className="muted small">{fmtInt(detail.alertsTotal - detail.alerts.length)} more alerts</p>}

      <h3>
        Events <span className="muted small">({fmtInt(eventsTotal)})</span>
      </h3>
      <ul className="graph-events">
        {events.map((e) => (
          <li key={e.id} className="mono small" title={`${e.source}:${e.lineNo}`}>
            {e.raw}
          </li>
        ))}
      </ul>
      {eventsTotal > events.length && (
        <p className="muted small">
          First {events.length} shown;{' '}
          <button className="link small" onClick={() => openEntityEvents({ type: n.type, value: n.value }, { view: 'graph', label: `Back to the graph (${n.value})` })}>
            all {fmtInt(eventsTotal)} in Events
          </button>
        </p>
      )}
    </div>
  );
}

function CommunityList({ onPick }: { onPick(): void }) {
  const page = useGraph((s) => s.communities);
  const mode = useGraph((s) => s.mode);
  const showError = useApp((s) => s.showError);
  if (!page) return <p className="muted">Loading…</p>;
  if (page.rows.length === 0) return <p className="muted">No communities yet: they are computed at the end of each detection pass.</p>;
  const pickMember = (m: GraphCommunity['top'][number]) => {
    onPick();
    void useGraph.getState().focus({ id: m.id }).catch(showError);
  };
  return (
    <div className="graph-communities">
      <p className="muted small">
        {fmtInt(page.total)} communities of two or more (Louvain); click one to show it.
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>#</th>
            <th className="num">Size</th>
            <th>Top members</th>
            <th className="num">Risk</th>
          </tr>
        </thead>
        <tbody>
          {page.rows.map((c) => (
            <tr
              key={c.id}
              tabIndex={0}
              aria-selected={mode.kind === 'community' && mode.id === c.id}
              className={mode.kind === 'community' && mode.id === c.id ? 'graph-current' : ''}
              onClick={() => void useGraph.getState().showCommunity(c.id).catch(showError)}
              onKeyDown={(e) => e.key === 'Enter' && void useGraph.getState().showCommunity(c.id).catch(showError)}
            >
              <td>
                <span className="graph-swatch" style={{ background: communityColour(c.id) }} />
                {c.id}
              </td>
              <td className="num">{fmtInt(c.size)}</td>
              <td className="graph-members">
                {c.top.map((m) => (
                  <span key={m.id}>
                    <button
                      className="link small"
                      title={m.value}
                      onClick={(e) => {
                        e.stopPropagation();
                        pickMember(m);
                      }}
                    >
                      {m.value}
                    </button>
                  </span>
                ))}
              </td>
              <td className="num">{fmtInt(c.risk)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
