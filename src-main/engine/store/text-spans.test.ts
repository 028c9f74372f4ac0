/** Event texts stored as spans of the raw line read back as the parser gave them, by every reader. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../src-shared/event';
import { newDrain, SourceNormalizer } from '../pipeline/normalize';
import { tempDir } from '../test-support';
import { CaseDb } from './case-db';
import { EventWriter } from './event-writer';
import { JsonColumns, packedToEvents, rowToEvent, TimeOrderedEvents, type StoredRow } from './event-rows';
import { eventValues, ROW_WIDTH, RowPacker } from './row-batch';

const ACCESS = [
  '203.0.113.5 - - [17/May/2015:10:05:03 +0000] "GET /index.html?q=1 HTTP/1.1" 200 5120 "http://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"',
  // Outside the BMP: SQLite's character offsets would not be JavaScript's, so texts stay texts.
  '203.0.113.6 - - [17/May/2015:10:05:04 +0000] "GET /emoji HTTP/1.1" 200 12 "-" "Bot 😀/1.0"',
  // Inside the BMP: offsets agree.
  '203.0.113.7 - - [17/May/2015:10:05:05 +0000] "GET /café/menü HTTP/1.1" 404 0 "-" "curl/8.0"',
  // The same path twice: any occurrence is the same text.
  '198.51.100.7 - - [17/May/2015:10:05:06 +0000] "GET / HTTP/1.1" 200 10 "http://example.com/" "/"',
];
const AUTH = ['May 17 12:00:02 bastion sshd[101]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2'];

function parse(name: string, format: 'access' | 'auth', lines: string[]): NormalizedEvent[] {
  const n = new SourceNormalizer(newDrain(), { name, format, head: lines, referenceTime: Date.UTC(2015, 5, 1) });
  return lines.map((l) => n.line(l).event);
}

const TEXTS = (e: NormalizedEvent) => ({ message: e.message, params: e.params, path: e.path, user_agent: e.user_agent, raw: e.raw });

describe('event texts as spans of the raw line', () => {
  const events = [...parse('access.log', 'access', ACCESS), ...parse('auth.log', 'auth', AUTH)];
  const lines = [...ACCESS, ...AUTH];

  it('come back from a packed batch as they were parsed', () => {
    const packer = new RowPacker(events.length);
    const row: unknown[] = new Array(ROW_WIDTH);
    for (let i = 0; i < events.length; i++) {
      eventValues(events[i]!, row, 0);
      packer.add(row, lines[i]!);
    }
    const back = packedToEvents(packer.finish(), lines, Float64Array.from(events, (_, i) => i + 1), 1, 'x', new JsonColumns());
    expect(back.map(TEXTS)).toEqual(events.map(TEXTS));
  });

  it('are stored once, and read back the same by detection passes, event detail and SQL', () => {
    const store = CaseDb.create(join(tempDir(), 'spans.vigil'), 'spans');
    const db = store.db;
    db.prepare(`INSERT INTO imports (id, path, name, status, started_at) VALUES (1, '/a', 'a', 'done', 1)`).run();
    const writer = new EventWriter(db);
    db.transaction(() => {
      writer.begin();
      events.forEach((e, i) => writer.add(1, null as unknown as number, i + 1, { ...e }, []));
      writer.commit(() => undefined);
    })();
    const stored = db.prepare('SELECT line_no, message, path_text, user_agent_text, path_span FROM events ORDER BY line_no').all() as {
      path_text: string | null;
      user_agent_text: string | null;
      message: string | null;
      path_span: number | null;
    }[];
    // The plain access line keeps no copy of its request, path or agent.
    expect(stored[0]).toMatchObject({ message: null, path_text: null, user_agent_text: null });
    expect(stored[1]).toMatchObject({ path_text: '/emoji', user_agent_text: 'Bot 😀/1.0', path_span: null });
    expect(stored[2]).toMatchObject({ path_text: null, user_agent_text: null });

    const pass = [...new TimeOrderedEvents(db, null).pages(100)].flat();
    expect(pass.map(TEXTS)).toEqual(events.map(TEXTS));
    const detail = (db.prepare('SELECT e.*, NULL AS source FROM events e ORDER BY id').all() as StoredRow[]).map(rowToEvent);
    expect(detail.map(TEXTS)).toEqual(events.map(TEXTS));
    // Searches filter on the generated columns.
    expect(db.prepare('SELECT path, user_agent FROM events ORDER BY id').all()).toEqual(events.map((e) => ({ path: e.path, user_agent: e.user_agent })));
    expect(db.prepare(`SELECT line_no FROM events WHERE path LIKE '/caf%' AND user_agent = 'curl/8.0'`).pluck().all()).toEqual([3]);
    store.close();
  });
});
