/** Pieces of the query language shared by the Events view and the incident queue: help, errors, highlighting. */
import { useMemo } from 'react';
import { parseQuery, type FieldIndex } from '../../../src-shared/query';
import { highlightPatterns } from '../../../src-shared/query-text';
import { QUERY_SYNTAX_HELP, type FieldSpec } from '../../../src-shared/query-fields';

/** The language in one panel: syntax, then every field with an example; an example click tries it. */
export function QueryHelp({ fields, onTry, onClose }: { fields: readonly FieldSpec[]; onTry(example: string): void; onClose(): void }) {
  return (
    <div className="query-help" role="dialog" aria-label="Search syntax">
      <div className="query-help-head">
        <strong>Search syntax</strong>
        <button className="link" onClick={onClose} aria-label="Close search help">
          ×
        </button>
      </div>
      <div className="query-help-cols">
        <table className="grid">
          <tbody>
            {QUERY_SYNTAX_HELP.map((h) => (
              <tr key={h.example}>
                <td className="mono">
                  <button className="link mono" onClick={() => onTry(h.example)}>
                    {h.example}
                  </button>
                </td>
                <td>{h.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid">
          <tbody>
            {fields.map((f) => (
              <tr key={f.name}>
                <td className="mono nowrap">
                  {f.name}
                  {f.aliases?.length ? <span className="muted"> ({f.aliases.join(', ')})</span> : null}
                </td>
                <td>
                  {f.help}{' '}
                  <button className="link mono small" onClick={() => onTry(f.example)}>
                    {f.example}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Words match whole words of the line, whatever their case (punctuation and _ separate words). Field values match exactly unless they
        hold * or ?. Times are UTC. / focuses the search box, Esc clears it.
      </p>
    </div>
  );
}

/** Where the query is wrong: the message and the query with the bad part marked. */
export function QueryProblemLine({
  query,
  problem,
}: {
  query: string;
  problem: { message: string; position: number | null; length: number };
}) {
  const p = problem.position;
  return (
    <div className="query-problem" role="alert" data-testid="query-problem">
      <span className="error-text">{problem.message}</span>
      {p !== null && p <= query.length && (
        <span className="mono query-problem-text">
          {query.slice(0, p)}
          <mark className="query-problem-mark">{query.slice(p, p + Math.max(1, problem.length)) || ' '}</mark>
          {query.slice(p + Math.max(1, problem.length))}
        </span>
      )}
    </div>
  );
}

/** One regular expression for every term a query asks for (null when nothing to mark or it does not parse). */
export function useHighlighter(query: string, fields: FieldIndex): RegExp | null {
  return useMemo(() => {
    try {
      const patterns = highlightPatterns(parseQuery(query, fields));
      return patterns.length ? new RegExp(patterns.join('|'), 'giu') : null;
    } catch {
      return null;
    }
  }, [query, fields]);
}

/** Text with what the query matched marked. */
export function Highlighted({ text, re }: { text: string; re: RegExp | null }) {
  if (!re) return <>{text}</>;
  const out: React.ReactNode[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    last = m.index + m[0].length;
    if (out.length > 400) break;
  }
  if (last < text.length) out.push(text.slice(last));
  return <>{out}</>;
}
