/**
 * Campaigns in the incident detail: the members of a campaign (every address with first and last
 * seen, tries, outcome; those that got in first, each a click from its own incident), the way to
 * select them together in the graph, and for a member the way back to its campaign.
 */
import { useMemo, useState } from 'react';
import type { CampaignMember, IncidentDetail } from '../../../src-shared/contract-incidents';
import { fmtInt } from '../format';
import { useApp } from '../store/app';
import { useGraph } from '../store/graph';
import { useIncidents } from '../store/incidents';
import { fmtShort } from './IncidentParts';

const PAGE = 200;

/** "Part of campaign …" for a member or a member that got in. */
export function CampaignLink({ detail }: { detail: IncidentDetail }) {
  const open = useIncidents((s) => s.open);
  const c = detail.campaign;
  if (!c) return null;
  const lifted = detail.incident.topLevel;
  return (
    <p className={`inc-campaign-link${lifted ? ' lifted' : ''}`} role="note">
      {lifted ? 'Got in during a campaign, so it is an incident of its own: ' : 'One of the incidents a campaign stands for: '}
      <button className="link" onClick={() => void open(c.id)} data-testid="open-campaign">
        {c.title}
      </button>{' '}
      <span className="muted">({fmtInt(c.memberCount)} addresses)</span>
    </p>
  );
}

/** The members table of a campaign, filterable, a page at a time. */
export function CampaignMembers({ detail }: { detail: IncidentDetail }) {
  const open = useIncidents((s) => s.open);
  const setView = useApp((s) => s.setView);
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE);
  const members = detail.members;
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return members;
    return members.filter(
      (m) => m.ip.includes(q) || m.tried.some((t) => t.toLowerCase().includes(q)) || (q === 'got in' && m.outcome === 'got_in'),
    );
  }, [members, query]);
  if (detail.incident.kind !== 'campaign') return null;
  const gotIn = members.filter((m) => m.outcome === 'got_in').length;
  const showInGraph = () => {
    useGraph.getState().openGroup(detail.incident.id);
    setView('graph');
  };
  return (
    <section aria-label="Campaign members" id="campaign-members" data-testid="campaign-members">
      <h3>
        Members{' '}
        <span className="muted small">
          {fmtInt(detail.incident.memberCount)} addresses{gotIn ? ` · ${gotIn} got in` : ''}
        </span>
      </h3>
      <div className="toolbar">
        <input
          type="search"
          className="search"
          placeholder="Filter members: address, account or path"
          aria-label="Filter members"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setShown(PAGE);
          }}
        />
        <button className="ghost small" onClick={showInGraph} title="Open the graph with every member selected (g)">
          Select all in the graph
        </button>
      </div>
      <div className="inc-members-wrap">
        <table className="grid inc-members">
          <thead>
            <tr>
              <th>Address</th>
              <th>First seen (UTC)</th>
              <th>Last seen (UTC)</th>
              <th className="num">Tries</th>
              <th>Outcome</th>
              <th>Tried</th>
              <th>Incident</th>
            </tr>
          </thead>
          <tbody>
            {filtered.slice(0, shown).map((m) => (
              <MemberRow key={m.ip} m={m} onOpen={(id) => void open(id)} />
            ))}
          </tbody>
        </table>
      </div>
      {filtered.length > shown && (
        <button className="ghost small" onClick={() => setShown(shown + PAGE * 5)}>
          Show more ({fmtInt(filtered.length - shown)} not shown)
        </button>
      )}
      {members.length < detail.incident.memberCount && (
        <p className="muted small">The detail lists the first {fmtInt(members.length)}; every member is in the exports.</p>
      )}
    </section>
  );
}

function MemberRow({ m, onOpen }: { m: CampaignMember; onOpen: (id: string) => void }) {
  return (
    <tr className={m.outcome === 'got_in' ? 'inc-member-in' : undefined}>
      <td className="mono">{m.ip}</td>
      <td className="mono">{fmtShort(m.firstTs)}</td>
      <td className="mono">{fmtShort(m.lastTs)}</td>
      <td className="num">{fmtInt(m.tries)}</td>
      <td>{m.outcome === 'got_in' ? <span className="badge inc-sev critical">got in</span> : <span className="muted">failed</span>}</td>
      <td className="mono" title={m.tried.join(' ')}>
        <span className="inc-ellipsis inc-member-tried">
          {m.tried.slice(0, 6).join(', ')}
          {m.tried.length > 6 ? ', …' : ''}
        </span>
      </td>
      <td>
        {m.incidentId ? (
          <button className="link" onClick={() => onOpen(m.incidentId!)}>
            {m.lifted ? 'its incident ↑' : 'open'}
          </button>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
