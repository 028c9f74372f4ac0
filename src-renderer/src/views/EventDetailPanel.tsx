/** An expanded event: its whole line, every parsed field, its template and entities; a click narrows the search. */
import type { EventDetail } from '../../../src-shared/dto';
import { fieldClause } from '../../../src-shared/query-text';
import { fmtInt, fmtTime } from '../format';
import { useEvents } from '../store/events';
import { entityClause, openGraph } from '../store/pivot';
import { Highlighted } from './QueryParts';

const SEVERITY_NAME = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** The fields of an event that the query language can ask for, as [field, value]. */
function queryable(d: EventDetail): [string, string][] {
  const e = d.event;
  const out: [string, string | number | null][] = [
    ['src_ip', e.src_ip],
    ['dst_ip', e.dst_ip],
    ['user', e.user],
    ['host', e.host],
    ['app', e.app],
    ['method', e.method],
    ['path', e.path],
    ['status', e.status],
    ['bytes', e.bytes],
    ['ua', e.user_agent],
    ['outcome', e.outcome],
    ['action', e.action],
    ['severity', e.severity === null ? null : (SEVERITY_NAME[e.severity] ?? e.severity)],
    ['parser', e.parser],
    ['source', e.source],
  ];
  return out.filter((f): f is [string, string | number] => f[1] !== null && f[1] !== '').map(([k, v]) => [k, String(v)]);
}

export function EventDetailPanel({ id, re }: { id: number; re: RegExp | null }) {
  const d = useEvents((s) => s.details[id]);
  const addClause = useEvents((s) => s.addClause);
  const show = useEvents((s) => s.show);
  if (!d || d === 'loading') return <div className="event-detail muted small">Loading…</div>;
  if (typeof d === 'string') return <div className="event-detail error-text small">{d}</div>;
  const e = d.event;
  const extra = Object.entries(e.fields);
  return (
    <div className="event-detail" data-testid="event-detail">
      <pre className="event-raw">
        <Highlighted text={e.raw} re={re} />
      </pre>
      {d.rawLength > e.raw.length && (
        <p className="muted small">
          First {fmtInt(e.raw.length)} of {fmtInt(d.rawLength)} characters shown.
        </p>
      )}
      <div className="event-detail-cols">
        <dl className="event-fields">
          <dt>time</dt>
          <dd>
            {fmtTime(e.ts)}
            {e.ts !== null && (
              <button
                className="link small"
                title="Lines of the same file within a minute of this one"
                onClick={() => show(fieldClause('source', e.source), { from: e.ts! - 60_000, to: e.ts! + 60_000 })}
              >
                context
              </button>
            )}
          </dd>
          <dt>line</dt>
          <dd className="mono">
            {e.source}:{d.lineNo}
          </dd>
          {queryable(d).map(([field, value]) => (
            <FieldRow key={field} field={field} value={value} onAdd={addClause} />
          ))}
          {extra.map(([k, v]) => (
            <FieldRow key={`x-${k}`} field={k} value={String(v)} />
          ))}
        </dl>
        <div className="event-side">
          {e.template_id && (
            <>
              <h4>Template</h4>
              <p className="mono small">
                <button className="link mono" onClick={() => addClause(`template:${e.template_id}`)} title="Only lines of this template">
                  {e.template_id}
                </button>{' '}
                {d.template}
              </p>
            </>
          )}
          <h4>Entities</h4>
          {d.entities.length === 0 ? (
            <p className="muted small">None.</p>
          ) : (
            <ul className="event-entities">
              {d.entities.map((en) => (
                <li key={en.id}>
                  <span className="badge">{en.type.replace('_', ' ')}</span>{' '}
                  <button className="link mono" onClick={() => addClause(entityClause(en))} title="Only lines that name it">
                    {en.value}
                  </button>{' '}
                  <button
                    className="link small"
                    onClick={() => openGraph({ entity: en }, { view: 'events', label: 'Events' })}
                    title="Show it in the entity graph"
                  >
                    graph
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}

function FieldRow({ field, value, onAdd }: { field: string; value: string; onAdd?: (clause: string) => void }) {
  const clause = onAdd ? fieldClause(field, value) : '';
  return (
    <>
      <dt>{field}</dt>
      <dd className="mono">
        {onAdd ? (
          <>
            <button className="link mono" onClick={() => onAdd(clause)} title={`Only lines with ${clause}`}>
              {value}
            </button>
            <button
              className="link small exclude"
              onClick={() => onAdd(`-${clause}`)}
              title={`Leave out lines with ${clause}`}
              aria-label={`Exclude ${clause}`}
            >
              ⊖
            </button>
          </>
        ) : (
          value
        )}
      </dd>
    </>
  );
}
