/** One incident: what happened, why the detectors think so, its evidence, entities, timelines and graph. */
import { useEffect, useRef } from 'react';
import { IncidentAlertHistory } from './IncidentAlertHistory';
import { IncidentEvidence } from './IncidentEvidence';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useIncidents } from '../store/incidents';
import { MiniGraph, ScoreTimeline } from './IncidentCharts';
import { categoryLabel, fmtShort, patternLabel, RiskBadge, SeverityBadge } from './IncidentParts';
import { TriageLabelBar } from './TriageLabelBar';
import { IncidentOutcomeBox, PivotLinks, STANDING, actorClause } from './IncidentOutcome';
import { openEvents, openGraph } from '../store/pivot';
import { CampaignLink, CampaignMembers } from './IncidentCampaign';
import { useGraph } from '../store/graph';

export function IncidentDetailView() {
  const { detail, detailError, back, update, rephrase, rephrasing, rephraseBusy, llm, rows, cursor, open } = useIncidents();
  const showError = useApp((s) => s.showError);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing =
        e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      if (e.key === 'Escape' && !typing) {
        e.preventDefault();
        back();
      } else if (!typing && (e.key === 'j' || e.key === 'k')) {
        // Walk the queue without leaving the detail.
        const next = rows[cursor + (e.key === 'j' ? 1 : -1)];
        if (next) void open(next.id);
      } else if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && e.key === 'm') {
        // A campaign's members, one key away.
        const members = document.getElementById('campaign-members');
        if (members) {
          e.preventDefault();
          members.scrollIntoView({ block: 'start' });
          members.querySelector<HTMLInputElement>('input')?.focus({ preventScroll: true });
        }
      } else if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && e.key === 'g') {
        const d = useIncidents.getState().detail;
        if (d?.incident.kind === 'campaign') {
          e.preventDefault();
          useGraph.getState().openGroup(d.incident.id);
          useApp.getState().setView('graph');
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [back, rows, cursor, open]);

  useEffect(() => {
    if (detail) heading.current?.focus();
  }, [detail?.incident.id]);

  if (detailError) {
    return (
      <div className="empty small">
        <p>{detailError}</p>
        <button onClick={back}>Back to the queue</button>
      </div>
    );
  }
  if (!detail) return <p className="muted">Loading incident…</p>;
  const inc = detail.incident;
  const e = detail.explanation;
  const safe = (p: Promise<unknown>) => void p.catch(showError);
  const here = { view: 'incidents' as const, label: `Back to ${inc.title}` };

  return (
    <article className="inc-detail" aria-labelledby="inc-detail-title">
      <div className="inc-detail-head">
        <button className="ghost small" onClick={back} title="Back to the queue (Esc)">
          ← Queue
        </button>
        <h2 id="inc-detail-title" ref={heading} tabIndex={-1}>
          {inc.title}
        </h2>
      </div>
      <div className="inc-meta">
        <SeverityBadge severity={inc.severity} />
        <span className={`inc-cat ${inc.category}`}>{categoryLabel(inc.category)}</span>
        {inc.pattern && <span className="chip">{patternLabel(inc.pattern)}</span>}
        <span className="muted">priority {inc.priority.toFixed(0)}</span>
        <span className="muted">confidence {(inc.confidence * 100).toFixed(0)}%</span>
        <span className="muted">
          {fmtShort(inc.firstTs)} → {fmtShort(inc.lastTs)} UTC
        </span>
        <span className="muted">
          {fmtInt(inc.eventCount)} events · {fmtInt(inc.alertCount)} alerts
        </span>
        <span className="muted mono small">{inc.id}</span>
        {inc.kind === 'campaign' && (
          <a className="chip" href="#campaign-members" title="Members (m)">
            campaign of {fmtInt(inc.memberCount)} addresses
          </a>
        )}
      </div>
      <CampaignLink detail={detail} />
      <div className="inc-triage toolbar">
        <label className="muted">
          Status{' '}
          <select
            aria-label="Incident status"
            value={inc.status}
            onChange={(ev) => safe(update({ status: ev.target.value as typeof inc.status }))}
          >
            <option value="open">open</option>
            <option value="investigating">investigating</option>
            <option value="closed">closed</option>
          </select>
        </label>
      </div>
      <TriageLabelBar incident={inc} note={detail.note} />

      <IncidentOutcomeBox detail={detail} from={here} />

      <section className="inc-summary" aria-label="Summary">
        <p data-testid="incident-summary">{e.summary}</p>
        {llm?.enabled && (
          <button className="ghost small" disabled={rephraseBusy} onClick={() => safe(rephrase())}>
            {rephraseBusy ? 'Asking the LLM…' : 'Rephrase with the LLM'}
          </button>
        )}
        {rephrasing && (
          <div className="inc-rephrased">
            <p>{rephrasing.text}</p>
            <p className="muted small">
              {rephrasing.source === 'llm' ? 'Rephrased by the configured LLM' : `Built text kept: ${rephrasing.error ?? 'the LLM is off'}`}
              {rephrasing.redactions
                ? ` · ${rephrasing.redactions} secret${rephrasing.redactions === 1 ? '' : 's'} redacted before sending`
                : ''}
            </p>
          </div>
        )}
      </section>

      <CampaignMembers detail={detail} />

      <div className="inc-columns">
        <section aria-label="Why">
          <h3>Why</h3>
          <ul className="inc-why">
            {e.detectors.map((d) => (
              <li key={`${d.detector}/${d.kind}`}>
                <span className="badge">{d.detector}</span> {d.why}
              </li>
            ))}
          </ul>
          <h3>Facts</h3>
          <ul className="inc-facts">
            {e.facts.map((f, i) => (
              <li key={i}>{f}</li>
            ))}
          </ul>
          {inc.tags.length > 0 && (
            <>
              <h3>ATT&amp;CK</h3>
              <div className="inc-tags">
                {inc.tags.map((t) => (
                  <span key={t} className="chip mono">
                    {t.replace(/^attack\./, '')}
                  </span>
                ))}
              </div>
            </>
          )}
        </section>
        <section aria-label="Graph">
          <h3>Graph</h3>
          <MiniGraph graph={detail.graph} onPick={(n) => openGraph({ entity: n }, here)} />
        </section>
      </div>

      <section aria-label="Detector contributions">
        <h3>Detector contributions</h3>
        <table className="grid inc-contrib">
          <thead>
            <tr>
              <th>Detector</th>
              <th>What fired</th>
              <th className="num">Alerts</th>
              <th className="num">Max score</th>
              <th>Share of risk</th>
            </tr>
          </thead>
          <tbody>
            {detail.contributions.map((c) => (
              <tr key={`${c.detector}/${c.kind}`}>
                <td>{c.detector}</td>
                <td>{c.title}</td>
                <td className="num">{fmtInt(c.alerts)}</td>
                <td className="num">{c.maxScore === null ? '—' : c.maxScore.toFixed(2)}</td>
                <td>
                  <span className="inc-share">
                    <span style={{ width: `${Math.round(c.share * 100)}%` }} />
                  </span>{' '}
                  {(c.share * 100).toFixed(0)}%
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-label="Score timelines" data-testid="incident-timelines">
        <h3>Score timelines</h3>
        {detail.window && detail.timelines.length ? (
          <div className="inc-timelines">
            {detail.timelines.slice(0, 8).map((s) => (
              <ScoreTimeline
                key={s.name}
                series={s}
                window={detail.window!}
                span={{ first: inc.firstTs, last: inc.lastTs }}
                onPick={(t) => openEvents(actorClause(inc.groupKey), here, { from: t - 60_000, to: t + 60_000 })}
              />
            ))}
          </div>
        ) : (
          <p className="muted">No detector scored this window.</p>
        )}
        {detail.window && (
          <p className="muted small">
            {fmtShort(detail.window.from)} → {fmtShort(detail.window.to)} UTC; the shaded band is the incident, dashed lines are thresholds,
            dots are alerts.
          </p>
        )}
      </section>

      <section aria-label="Entities">
        <h3>Entities</h3>
        <table className="grid inc-entities">
          <thead>
            <tr>
              <th>Type</th>
              <th>Value</th>
              <th>Role</th>
              <th className="num">Risk</th>
              <th className="num">Events in case</th>
              <th>First seen (UTC)</th>
              <th>Open</th>
            </tr>
          </thead>
          <tbody>
            {detail.entities.slice(0, 50).map((en) => (
              <tr key={`${en.type}:${en.value}`} className={en.standing === 'got_in' ? 'inc-got-in' : undefined}>
                <td>{en.type}</td>
                <td className="mono">{en.value}</td>
                <td>
                  {en.role}
                  {en.standing && <span className={`badge inc-standing ${en.standing}`}>{STANDING[en.standing]}</span>}
                </td>
                <td className="num">
                  <RiskBadge risk={en.risk} />
                </td>
                <td className="num">{fmtInt(en.events)}</td>
                <td className="mono">{fmtShort(en.firstSeen)}</td>
                <td className="nowrap">
                  <PivotLinks entity={en} from={here} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <IncidentEvidence detail={detail} />

      <IncidentAlertHistory incidentId={inc.id} />
    </article>
  );
}
