/** Per-detector score timelines and a mini graph of an incident's entities, drawn as plain SVG. */
import { useMemo } from 'react';
import type { IncidentGraph, IncidentTimelineSeries } from '../../../src-shared/contract-incidents';
import { fmtRisk } from '../format';
import { fmtShort } from './IncidentParts';

const W = 560;
const H = 64;
const PAD = 4;

export function ScoreTimeline({
  series,
  window,
  span,
  onPick,
}: {
  series: IncidentTimelineSeries;
  window: { from: number; to: number };
  span: { first: number | null; last: number | null };
  /** A point was clicked: its time. */
  onPick?: (ts: number) => void;
}) {
  const { path, thresholdPath, max } = useMemo(() => {
    const max = Math.max(1e-9, ...series.points.map((p) => Math.max(p[1], p[2] ?? 0)));
    const x = (t: number) => PAD + ((t - window.from) / Math.max(1, window.to - window.from)) * (W - 2 * PAD);
    const y = (v: number) => H - PAD - (v / max) * (H - 2 * PAD);
    const pts = series.points.filter((p) => p[0] >= window.from && p[0] <= window.to);
    const discrete = !series.detector.startsWith('ensemble/');
    const path = discrete
      ? pts.map((p) => `M${x(p[0]).toFixed(1)},${H - PAD}V${y(p[1]).toFixed(1)}`).join('')
      : pts.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    const th = pts.filter((p) => p[2] !== null);
    const thresholdPath = th.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[2] as number).toFixed(1)}`).join('');
    return { path, thresholdPath, max };
  }, [series, window]);
  const x = (t: number) => PAD + ((t - window.from) / Math.max(1, window.to - window.from)) * (W - 2 * PAD);
  const discrete = !series.detector.startsWith('ensemble/');
  return (
    <figure className="inc-timeline">
      <figcaption>
        <span>{series.name}</span>
        <span className="muted small">max {max >= 10 ? max.toFixed(0) : max.toFixed(2)}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Score timeline of ${series.name}`}
        className={onPick ? 'pickable' : undefined}
        onClick={(e) => {
          if (!onPick || (e.target as Element).tagName === 'circle') return;
          const box = e.currentTarget.getBoundingClientRect();
          const f = (e.clientX - box.left) / Math.max(1, box.width);
          onPick(window.from + f * (window.to - window.from));
        }}
      >
        {span.first !== null && span.last !== null && (
          <rect className="inc-span" x={x(span.first)} y={0} width={Math.max(2, x(span.last) - x(span.first))} height={H} />
        )}
        {thresholdPath && <path className="inc-threshold" d={thresholdPath} />}
        <path className={discrete ? 'inc-bars' : 'inc-curve'} d={path} />
        {series.markers.slice(0, 200).map((m, i) => (
          <circle key={i} className="inc-marker" cx={x(m.ts)} cy={PAD + 2} r={2.5} onClick={() => onPick?.(m.ts)}>
            <title>{`${fmtShort(m.ts)} ${m.title} · click for its events`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}

const GW = 420;
const GH = 260;

export function MiniGraph({ graph, onPick }: { graph: IncidentGraph; onPick?: (n: { type: string; value: string }) => void }) {
  const layout = useMemo(() => {
    const actor = graph.nodes.find((n) => n.actor) ?? graph.nodes[0];
    const others = graph.nodes.filter((n) => n !== actor);
    const pos = new Map<string, { x: number; y: number }>();
    if (actor) pos.set(actor.id, { x: GW / 2, y: GH / 2 });
    // Rings by type around the actor: users close, hosts and paths further out.
    const rings = new Map<string, typeof others>();
    for (const n of others) {
      const ring = n.type === 'user' || n.type === 'ip' ? 0 : 1;
      const key = String(ring);
      rings.set(key, [...(rings.get(key) ?? []), n]);
    }
    for (const [key, list] of rings) {
      const r = key === '0' ? 78 : 118;
      list.forEach((n, i) => {
        const a = (2 * Math.PI * i) / list.length + (key === '0' ? 0 : Math.PI / list.length);
        pos.set(n.id, { x: GW / 2 + r * 1.55 * Math.cos(a), y: GH / 2 + r * 0.95 * Math.sin(a) });
      });
    }
    const maxW = Math.max(1, ...graph.edges.map((e) => e.weight));
    return { pos, maxW };
  }, [graph]);
  if (graph.nodes.length === 0) return <p className="muted">No entities to draw.</p>;
  return (
    <svg
      className="inc-graph"
      viewBox={`0 0 ${GW} ${GH}`}
      role="img"
      aria-label="Entities of this incident and how they co-occur"
      data-testid="incident-graph"
    >
      {graph.edges.map((e, i) => {
        const a = layout.pos.get(e.source);
        const b = layout.pos.get(e.target);
        if (!a || !b) return null;
        return <line key={i} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="inc-edge" strokeWidth={0.6 + 2.4 * (e.weight / layout.maxW)} />;
      })}
      {graph.nodes.map((n) => {
        const p = layout.pos.get(n.id);
        if (!p) return null;
        const r = n.actor ? 11 : 5 + Math.min(5, Math.log2(1 + n.weight));
        return (
          <g
            key={n.id}
            transform={`translate(${p.x},${p.y})`}
            className={onPick ? 'pickable' : undefined}
            onClick={() => onPick?.({ type: n.type, value: n.value })}
          >
            <circle r={r} className={`inc-node ${n.type}${n.actor ? ' actor' : ''}${n.risk >= 15 ? ' risky' : ''}`}>
              <title>{`${n.type} ${n.value} · ${n.weight} evidence lines · peak risk ${fmtRisk(n.risk)} · click for its place in the graph`}</title>
            </circle>
            <text y={r + 10} textAnchor="middle" className="inc-node-label">
              {n.value.length > 22 ? n.value.slice(0, 21) + '…' : n.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
