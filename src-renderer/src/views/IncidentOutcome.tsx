/** The outcome of an incident, first on its page (who got in, from where, when), and the pivots of its entities. */
import type { IncidentDetail, IncidentEntity, IncidentEntityRef } from '../../../src-shared/contract-incidents';
import { fmtInt } from '../format';
import { entityClause, openEntityEvents, openEvents, openGraph, type PivotOrigin } from '../store/pivot';
import { fmtShort } from './IncidentParts';

export const STANDING: Record<NonNullable<IncidentEntity['standing']>, string> = {
  got_in: 'got in',
  tried: 'tried',
  no_such_account: 'no such account',
};

/** The Events clause of an incident's grouping key (ip:1.2.3.4, user:root, source:auth.log, …). */
export function actorClause(groupKey: string): string {
  const at = groupKey.indexOf(':');
  const type = groupKey.slice(0, at);
  const value = groupKey.slice(at + 1);
  if (type === 'source') return `source:"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return at > 0 ? entityClause({ type, value }) : '';
}

/** "Events · Graph" for one entity. */
export function PivotLinks({ entity, from }: { entity: IncidentEntityRef; from: PivotOrigin }) {
  return (
    <span className="pivots">
      <button className="link small" onClick={() => openEntityEvents(entity, from)} title={`Events that name ${entity.value}`}>
        Events
      </button>
      <button className="link small" onClick={() => openGraph({ entity }, from)} title={`${entity.value} in the entity graph`}>
        Graph
      </button>
    </span>
  );
}

export function IncidentOutcomeBox({ detail, from }: { detail: IncidentDetail; from: PivotOrigin }) {
  const o = detail.outcome;
  if (!o.headline) return null;
  const got = o.access.length > 0;
  return (
    <section className={`inc-outcome ${got ? 'got-in' : 'held'}`} aria-label="Outcome" data-testid="incident-outcome">
      <h3>{got ? 'Outcome: access gained' : 'Outcome'}</h3>
      <p className="inc-outcome-headline">{o.headline}.</p>
      {got && (
        <table className="grid inc-access">
          <thead>
            <tr>
              <th>Account</th>
              <th>From</th>
              <th>First login (UTC)</th>
              <th>Last login (UTC)</th>
              <th className="num">Logins</th>
              <th>Open</th>
            </tr>
          </thead>
          <tbody>
            {o.access.map((a) => (
              <tr key={a.user}>
                <td className="mono">
                  <strong>{a.user}</strong>
                  {a.afterIncident && <span className="badge inc-standing tried">after the alerts</span>}
                </td>
                <td className="mono">{a.from.join(', ')}</td>
                <td className="mono">{fmtShort(a.firstTs)}</td>
                <td className="mono">{fmtShort(a.lastTs)}</td>
                <td className="num">{fmtInt(a.logins)}</td>
                <td className="nowrap">
                  <button
                    className="link small"
                    title="This account's successful logins from these addresses"
                    onClick={() =>
                      openEvents(
                        `${entityClause({ type: 'user', value: a.user })} outcome:success (${a.from.map((ip) => entityClause({ type: 'ip', value: ip })).join(' OR ')})`,
                        from,
                      )
                    }
                  >
                    Logins
                  </button>
                  <PivotLinks entity={{ type: 'user', value: a.user }} from={from} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
