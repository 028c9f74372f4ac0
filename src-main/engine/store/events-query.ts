/** Paging and full-text search over a case's events. */
import type { Database, Statement } from 'better-sqlite3';
import type { EventRow, EventsPage } from '../../../src-shared/dto';

/** Counting every match of a broad query over millions of rows is slow; past this we say "N+". */
export const COUNT_CAP = 100_000;
/** Rows cross the contract for display; a 1 MB line is cut here, not in the case. */
const MAX_RAW_CHARS = 8192;

interface Row {
  id: number;
  import_id: number;
  line_no: number;
  ts: number | null;
  raw: string;
  source: string;
}

/**
 * Turn what an analyst types into an FTS5 query: every word or "quoted phrase" must match,
 * a trailing * makes a prefix; FTS operators in the input are taken literally, never as syntax.
 */
export function toFtsQuery(input: string): string | null {
  const terms: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    const phrase = m[1] ?? m[2] ?? '';
    const prefix = m[2] !== undefined && phrase.endsWith('*');
    const text = prefix ? phrase.slice(0, -1) : phrase;
    // A term with no letter or digit tokenizes to nothing and would match nothing; skip it.
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    terms.push(`"${text.replace(/"/g, '""')}"${prefix ? '*' : ''}`);
  }
  return terms.length > 0 ? terms.join(' AND ') : null;
}

export class EventsQuery {
  private readonly page: Statement;
  private readonly count: Statement;
  private readonly searchPage: Statement;
  private readonly searchCount: Statement;

  constructor(db: Database) {
    const cols = 'e.id, e.import_id, e.line_no, e.ts, substr(e.raw, 1, ' + MAX_RAW_CHARS + ') AS raw, i.name AS source';
    this.page = db.prepare(`SELECT ${cols} FROM events e JOIN imports i ON i.id = e.import_id ORDER BY e.id LIMIT ? OFFSET ?`);
    this.count = db.prepare('SELECT count(*) AS n FROM events');
    this.searchPage = db.prepare(
      `SELECT ${cols} FROM events_fts f JOIN events e ON e.id = f.rowid JOIN imports i ON i.id = e.import_id
       WHERE events_fts MATCH ? ORDER BY f.rowid LIMIT ? OFFSET ?`,
    );
    this.searchCount = db.prepare(`SELECT count(*) AS n FROM (SELECT rowid FROM events_fts WHERE events_fts MATCH ? LIMIT ${COUNT_CAP + 1})`);
  }

  search(query: string, offset: number, limit: number): EventsPage {
    const fts = toFtsQuery(query);
    if (fts === null) {
      const rows = this.page.all(limit, offset) as Row[];
      const total = (this.count.get() as { n: number }).n;
      return { rows: rows.map(toEventRow), offset, total, totalCapped: false };
    }
    const rows = this.searchPage.all(fts, limit, offset) as Row[];
    const n = (this.searchCount.get(fts) as { n: number }).n;
    return { rows: rows.map(toEventRow), offset, total: Math.min(n, COUNT_CAP), totalCapped: n > COUNT_CAP };
  }
}

function toEventRow(r: Row): EventRow {
  return { id: r.id, importId: r.import_id, source: r.source, lineNo: r.line_no, ts: r.ts, raw: r.raw };
}
