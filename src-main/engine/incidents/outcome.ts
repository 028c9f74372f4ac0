/**
 * The outcome of an incident, read from the case when it is opened: who got in, from where, when;
 * which accounts were only tried, and which do not exist. Logins are judged by the same facts the
 * behaviour models count (EventFactExtractor), so "got in" here is what the detectors saw.
 */
import type { Database } from 'better-sqlite3';
import type { IncidentAccess, IncidentEntity, IncidentOutcome } from '../../../src-shared/contract-incidents';
import { DEFAULT_BEHAVIOUR_CONFIG } from '../detect/behaviour/config';
import { EventFactExtractor, sourceEntity } from '../detect/behaviour/eventFacts';
import { rowToEvent, type StoredRow } from '../store/event-rows';
import { Postings } from '../store/postings';
import { entityRowid } from './persist';

/** The actor's events read at most: the newest ones past this are enough to say who got in. */
const MAX_EVENTS = 50_000;
const MAX_ACCESS = 50;
/** Logins after the incident's last alert still count for this long (the attacker came back). */
const AFTER_MS = 24 * 3_600_000;

export interface AccountFacts {
  /** Accounts that logged in, by name. */
  access: Map<string, IncidentAccess>;
  /** Accounts the actor failed to log in to, with attempts. */
  tried: Map<string, number>;
  /** Accounts sshd called invalid (they do not exist on the host). */
  unknown: Set<string>;
}

/** Successful and failed logins of the incident's actor from its first alert to a day after its last. */
export function accountFacts(db: Database, actor: string, firstTs: number | null, lastTs: number | null): AccountFacts {
  const facts: AccountFacts = { access: new Map(), tried: new Map(), unknown: new Set() };
  const at = actor.indexOf(':');
  const type = actor.slice(0, at);
  if (at < 0 || (type !== 'ip' && type !== 'user' && type !== 'host') || firstTs === null) return facts;
  const rowid = entityRowid(db, type, actor.slice(at + 1));
  if (rowid === null) return facts;
  const ids = new Postings(db, 'entity_events').ids(rowid);
  const until = (lastTs ?? firstTs) + AFTER_MS;
  const rows = db
    .prepare(
      `SELECT e.*, coalesce(s.name, i.name) AS source FROM events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id
       WHERE e.id IN (SELECT value FROM json_each(?)) AND e.ts >= ? AND e.ts <= ? ORDER BY e.ts, e.id`,
    )
    .all(JSON.stringify(ids.slice(-MAX_EVENTS)), firstTs, until) as StoredRow[];
  const extractor = new EventFactExtractor(DEFAULT_BEHAVIOUR_CONFIG.businessHours);
  for (const row of rows) {
    const ev = rowToEvent(row);
    const f = extractor.extract(ev);
    if (!f || f.auth === null || f.auth === 'unknown' || f.user === null) continue;
    if (f.invalidUser) facts.unknown.add(f.user);
    if (f.auth === 'failure') {
      facts.tried.set(f.user, (facts.tried.get(f.user) ?? 0) + f.weight);
      continue;
    }
    let a = facts.access.get(f.user);
    if (!a) {
      if (facts.access.size >= MAX_ACCESS) continue;
      facts.access.set(
        f.user,
        (a = {
          user: f.user,
          from: [],
          firstTs: f.ts,
          lastTs: f.ts,
          logins: 0,
          eventId: f.id,
          afterIncident: lastTs !== null && f.ts > lastTs,
        }),
      );
    }
    a.logins++;
    a.lastTs = f.ts;
    const from = f.source !== null ? sourceEntity(f.source).value : null;
    if (from !== null && !a.from.includes(from) && a.from.length < 10) a.from.push(from);
  }
  return facts;
}

/** The plain-words outcome and the lines to pin at the top of the evidence. */
export function incidentOutcome(facts: AccountFacts, actor: string | null): IncidentOutcome {
  const access = [...facts.access.values()].sort((a, b) => (a.firstTs ?? 0) - (b.firstTs ?? 0));
  const who = actor ? actor.slice(actor.indexOf(':') + 1) : 'the actor';
  const tried = facts.tried.size;
  const unknown = [...facts.tried.keys()].filter((u) => facts.unknown.has(u)).length;
  let headline: string;
  if (access.length > 0) {
    const names = access.slice(0, 4).map((a) => a.user);
    const more = access.length > names.length ? ` and ${access.length - names.length} more` : '';
    const first = access[0]!;
    headline =
      `${who} got into ${access.length === 1 ? 'account' : `${access.length} accounts`}: ${names.join(', ')}${more}` +
      ` — first ${first.user} at ${iso(first.firstTs)} UTC from ${first.from.join(', ')}`;
  } else if (tried > 0) {
    headline = `No login succeeded: ${who} tried ${tried} account${tried === 1 ? '' : 's'}${unknown ? ` (${unknown} that do not exist)` : ''}`;
  } else {
    headline = '';
  }
  return { headline, access, pinned: access.map((a) => a.eventId) };
}

function iso(ts: number | null): string {
  return ts === null ? '—' : new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}

export function standingOf(facts: AccountFacts, user: string): IncidentEntity['standing'] {
  if (facts.access.has(user)) return 'got_in';
  if (facts.unknown.has(user)) return 'no_such_account';
  return facts.tried.has(user) ? 'tried' : null;
}

/**
 * Who matters first: the actor, the accounts it got into, the hosts it reached, accounts that
 * exist and were tried (most tried first), everything else it acted on, accounts that do not
 * exist, then the rest.
 */
export function rankEntities(list: IncidentEntity[]): IncidentEntity[] {
  const rank = (e: IncidentEntity) =>
    e.role === 'actor'
      ? 0
      : e.standing === 'got_in'
        ? 1
        : e.type === 'host' && e.role === 'target'
          ? 2
          : e.standing === 'tried'
            ? 3
            : e.role === 'target' && e.standing !== 'no_such_account'
              ? 4
              : e.standing === 'no_such_account'
                ? 5
                : 6;
  return list
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || b.e.risk - a.e.risk || a.i - b.i)
    .map((x) => x.e);
}
