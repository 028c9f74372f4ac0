/**
 * An incident's evidence: first a sample of its whole span (the outcome, the first and last lines,
 * successes, rule hits, and lines spread evenly between, each saying why it is there), then, a
 * click away, every line in event-time order, paged from the engine as the list scrolls.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { EvidenceReason, IncidentDetail, IncidentEvidenceLine } from '../../../src-shared/contract-incidents';
import { api } from '../api';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { fmtShort } from './IncidentParts';

const PAGE = 200;
const ROW = 20;

const WHY: Record<EvidenceReason, { label: string; title: string }> = {
  outcome: { label: 'outcome', title: 'Outcome: a login that succeeded' },
  first: { label: 'first', title: 'Among the first lines of the incident' },
  last: { label: 'last', title: 'Among the last lines of the incident' },
  success: { label: 'success', title: 'A line that succeeded' },
  rule: { label: 'rule', title: 'A Sigma rule matched this line' },
  sample: { label: '', title: 'Spread evenly over the incident' },
};

function Line({ l, index }: { l: IncidentEvidenceLine; index?: number }) {
  const why = l.pinned ? WHY.outcome : l.why ? WHY[l.why] : null;
  return (
    <div className={l.pinned ? 'inc-line pinned' : 'inc-line'} data-pinned={l.pinned ? 'true' : undefined} data-why={l.why} data-index={index}>
      <span className="inc-line-src muted" title={why?.title}>
        {l.pinned && <span className="inc-pin">● </span>}
        {why?.label && !l.pinned && <span className={`inc-why ${l.why}`}>{why.label} </span>}
        {fmtShort(l.ts)} {l.source}:{l.lineNo}
      </span>
      <span className="mono">{l.raw}</span>
    </div>
  );
}

export function IncidentEvidence({ detail }: { detail: IncidentDetail }) {
  const [all, setAll] = useState(false);
  const id = detail.incident.id;
  useEffect(() => setAll(false), [id]);
  const sampled = detail.evidence.length < detail.evidenceTotal;
  return (
    <section aria-label="Evidence">
      <h3>
        Evidence{' '}
        <span className="muted small" data-testid="evidence-count">
          {all
            ? `all ${fmtInt(detail.evidenceTotal)} lines in event time`
            : sampled
              ? `${fmtInt(detail.evidence.length)} of ${fmtInt(detail.evidenceTotal)} lines, sampled across the whole span`
              : `${fmtInt(detail.evidenceTotal)} lines`}
        </span>{' '}
        {sampled && (
          <button className="link small" onClick={() => setAll(!all)} aria-pressed={all}>
            {all ? 'back to the sample' : `show all ${fmtInt(detail.evidenceTotal)} lines`}
          </button>
        )}
      </h3>
      {all ? (
        <AllLines incidentId={id} total={detail.evidenceTotal} />
      ) : (
        <div className="inc-evidence" data-testid="incident-evidence">
          {detail.evidence.map((l) => (
            <Line key={l.id} l={l} />
          ))}
        </div>
      )}
    </section>
  );
}

/** Every line, virtualised: pages of PAGE lines are asked for as they come into view. */
function AllLines({ incidentId, total }: { incidentId: string; total: number }) {
  const [pages, setPages] = useState<Record<number, IncidentEvidenceLine[]>>({});
  const loading = useRef(new Set<number>());
  const box = useRef<HTMLDivElement>(null);
  const showError = useApp((s) => s.showError);
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => box.current, estimateSize: () => ROW, overscan: 30 });
  const items = virtualizer.getVirtualItems();
  const first = Math.floor((items[0]?.index ?? 0) / PAGE);
  const last = Math.floor((items[items.length - 1]?.index ?? 0) / PAGE);

  useEffect(() => {
    for (let p = first; p <= last; p++) {
      if (pages[p] || loading.current.has(p)) continue;
      loading.current.add(p);
      api()
        .call('incidents.getEvidence', { id: incidentId, offset: p * PAGE, limit: PAGE })
        .then((res) => setPages((cur) => ({ ...cur, [p]: res.rows })), showError)
        .finally(() => loading.current.delete(p));
    }
  }, [first, last, pages, incidentId, showError]);

  const at = items[0]?.index ?? 0;
  return (
    <>
      <div className="inc-evidence-nav muted small">
        <span data-testid="evidence-position">
          lines {fmtInt(Math.min(total, at + 1))}–{fmtInt(Math.min(total, (items[items.length - 1]?.index ?? 0) + 1))} of {fmtInt(total)}
        </span>{' '}
        <button className="link small" onClick={() => virtualizer.scrollToIndex(0)}>
          first
        </button>{' '}
        <button className="link small" onClick={() => virtualizer.scrollToIndex(total - 1, { align: 'end' })}>
          last
        </button>
      </div>
      <div ref={box} className="inc-evidence" data-testid="incident-evidence-all" role="list" aria-label="Every evidence line">
        <div className="virtual-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const l = pages[Math.floor(item.index / PAGE)]?.[item.index % PAGE];
            return (
              <div key={item.key} role="listitem" className="virtual-row" style={{ transform: `translateY(${item.start}px)` }}>
                {l ? <Line l={l} index={item.index} /> : <div className="inc-line muted">…</div>}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
