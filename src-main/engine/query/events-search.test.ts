/** The Events search through the contract, on a real case: order, fields, entities, histogram, errors. */
import { utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventsHistogram, EventsPage, ImportJob } from '../../../src-shared/dto';
import { tempDir, TestEngine, writeLines } from '../test-support';

let engine: TestEngine;

// Apache writes a line when its request ends: a slow request's line comes after quicker later ones.
const ACCESS = [
  '203.0.113.5 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 5120 "-" "Mozilla/5.0"',
  '203.0.113.5 - - [17/May/2015:10:05:09 +0000] "GET /api/users HTTP/1.1" 200 830 "-" "curl/8.0"',
  '198.51.100.7 - - [17/May/2015:10:05:01 +0000] "POST /api/login HTTP/1.1" 401 120 "-" "python-requests/2.31"',
  '198.51.100.7 - - [17/May/2015:10:06:30 +0000] "GET /wp-login.php HTTP/1.1" 404 210 "-" "python-requests/2.31"',
  '10.0.0.9 - - [17/May/2015:11:30:00 +0000] "GET /big.iso HTTP/1.1" 200 3000000 "-" "Wget/1.21"',
  '10.0.0.9 - - [17/May/2015:11:31:00 +0000] "GET /api/v2/export HTTP/1.1" 503 0 "-" "Wget/1.21"',
];
const AUTH = [
  'May 17 12:00:01 bastion sshd[101]: Invalid user admin from 198.51.100.7 port 4242',
  'May 17 12:00:02 bastion sshd[101]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2',
  'May 17 12:00:05 bastion sshd[102]: Failed password for root from 198.51.100.7 port 4243 ssh2',
  'May 17 12:01:00 bastion sshd[103]: Accepted password for root from 198.51.100.7 port 4244 ssh2',
  'May 17 12:02:00 bastion sudo:     root : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/cat /etc/shadow',
];

beforeAll(async () => {
  engine = new TestEngine();
  await engine.call('cases.create', { name: 'search', path: `${tempDir()}/search.vigil` });
  const dir = tempDir();
  for (const [name, lines] of [
    ['access.log', ACCESS],
    ['auth.log', AUTH],
  ] as const) {
    const done = engine.next<ImportJob>('ingest.finished');
    const file = writeLines(dir, name, [...lines]);
    // Syslog lines carry no year: the file's time gives it.
    const written = new Date(Date.UTC(2015, 4, 18));
    utimesSync(file, written, written);
    await engine.call('ingest.startImport', { paths: [file] });
    expect(await done).toMatchObject({ status: 'done' });
  }
}, 60_000);

afterAll(async () => {
  await engine?.link.close();
});

const search = (input: Record<string, unknown>) => engine.call<EventsPage>('events.search', input);
const raws = async (query: string, extra: Record<string, unknown> = {}) => (await search({ query, ...extra })).rows.map((r) => r.raw);

describe('events.search', () => {
  it('lists lines in event time by default, in file order on request', async () => {
    const byTime = (await search({ query: 'source:access.log' })).rows.map((r) => r.lineNo);
    expect(byTime).toEqual([3, 1, 2, 4, 5, 6]);
    const byFile = (await search({ query: 'source:access.log', order: 'file' })).rows.map((r) => r.lineNo);
    expect(byFile).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pages on after a cursor (keyset) in either order, reaching every match', async () => {
    for (const order of ['time', 'file'] as const) {
      const all = (await search({ query: '', order, limit: 1000 })).rows.map((r) => r.id);
      expect(all).toHaveLength(ACCESS.length + AUTH.length);
      const walked: number[] = [];
      let after: { ts: number | null; id: number } | undefined;
      for (;;) {
        const page = await search({ query: '', order, limit: 3, ...(after ? { after } : {}) });
        walked.push(...page.rows.map((r) => r.id));
        // The total counts what is left past the cursor.
        expect(page.total).toBe(all.length - walked.length + page.rows.length);
        if (page.rows.length < 3) break;
        const last = page.rows[page.rows.length - 1]!;
        after = { ts: last.ts, id: last.id };
      }
      expect(walked).toEqual(all);
    }
    // An offset counts from the cursor.
    const first = (await search({ query: 'source:access.log', limit: 2 })).rows;
    const next = await search({ query: 'source:access.log', limit: 2, offset: 1, after: { ts: first[1]!.ts, id: first[1]!.id } });
    expect(next.rows.map((r) => r.lineNo)).toEqual([4, 5]);
  });

  it('counts a query of words and phrases exactly, as the slower count does', async () => {
    for (const query of ['password', '"failed password" OR sudo', 'password -invalid']) {
      const fast = await search({ query });
      const slow = await search({ query: `${query} time:>=2000-01-01` });
      expect(fast.total).toBe(slow.total);
      expect(fast.totalCapped).toBe(false);
    }
  });

  it('answers fields, ranges, wildcards, networks and booleans', async () => {
    expect(await raws('ip:198.51.100.7 status:4xx')).toEqual([ACCESS[2], ACCESS[3]]);
    expect(await raws('status:>=500 OR bytes:>1000000')).toEqual([ACCESS[4], ACCESS[5]]);
    expect(await raws('path:/api/* -status:200')).toEqual([ACCESS[2], ACCESS[5]]);
    expect(await raws('ip:10.0.0.0/8')).toEqual([ACCESS[4], ACCESS[5]]);
    expect(await raws('ua:python* method:post')).toEqual([ACCESS[2]]);
    expect(await raws('user:root outcome:success app:sshd')).toEqual([AUTH[3]]);
    expect(await raws('host:BASTION "failed password" NOT invalid')).toEqual([AUTH[2]]);
    expect(await raws('(user:admin OR user:root) outcome:failure')).toEqual([AUTH[0], AUTH[1], AUTH[2]]);
    expect(await raws('entity:user:admin')).toEqual([AUTH[0], AUTH[1]]);
    expect(await raws('time:[2015-05-17T10:05:02 TO 2015-05-17T10:06]')).toEqual([ACCESS[0], ACCESS[1], ACCESS[3]]);
    // A NOT keeps the lines that have no such field at all (auth lines have no status).
    expect((await search({ query: '-status:200' })).total).toBe(ACCESS.length - 3 + AUTH.length);
  });

  it('filters by a template and by a time range given beside the query', async () => {
    const [failed] = (await search({ query: '"Failed password for root"' })).rows;
    const t = failed!.templateId!;
    expect(await raws(`template:${t}`)).toContain(AUTH[2]);
    expect(await raws(`template:${t} -root`)).not.toContain(AUTH[2]);
    expect(await raws('', { templateId: t, from: failed!.ts! })).toContain(AUTH[2]);
    expect(await raws('', { templateId: t, to: failed!.ts! })).not.toContain(AUTH[2]);
  });

  it('refuses a query that does not parse, saying where, as plain data', async () => {
    const reply = await engine.raw('events.search', { query: 'status:>=5OO' });
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'Query: status takes a number here, not "5OO" (at character 10)',
        details: { query: 'status:>=5OO', position: 9, length: 3 },
      },
    });
  });
});

describe('events.histogram', () => {
  it('counts the matches per time bucket over their own extent', async () => {
    const h = await engine.call<EventsHistogram>('events.histogram', { query: 'ip:198.51.100.7', buckets: 60 });
    expect(h.total).toBe(6);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.from).toBeLessThanOrEqual(Date.UTC(2015, 4, 17, 10, 5, 1));
    expect(h.to).toBeGreaterThan(Date.UTC(2015, 4, 17, 12, 1));
    expect(h.bucketMs).toBe(120_000);
    const at = (ts: number) => h.counts[Math.floor((ts - h.from) / h.bucketMs)];
    expect(at(Date.UTC(2015, 4, 17, 10, 5, 1))).toBe(1);
    expect(at(Date.UTC(2015, 4, 17, 10, 6, 30))).toBe(1);
    expect(at(Date.UTC(2015, 4, 17, 12, 0, 1))).toBe(4);
  });

  it('keeps to the range it is given', async () => {
    const from = Date.UTC(2015, 4, 17, 11);
    const h = await engine.call<EventsHistogram>('events.histogram', { from, to: from + 3_600_000, buckets: 60 });
    expect(h).toMatchObject({ from, bucketMs: 60_000, total: 2 });
    expect(h.counts.length).toBe(60);
  });
});

describe('events.get', () => {
  it('gives one event in full, with its template and entities', async () => {
    const row = (await search({ query: 'Accepted' })).rows[0]!;
    const d = await engine.call<EventDetail>('events.get', { id: row.id });
    expect(d.event).toMatchObject({ user: 'root', src_ip: '198.51.100.7', outcome: 'success', app: 'sshd', raw: AUTH[3] });
    expect(d.template).toMatch(/Accepted password for/);
    expect(d.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'user', value: 'root' }),
        expect.objectContaining({ type: 'ip', value: '198.51.100.7' }),
      ]),
    );
    expect(d.lineNo).toBe(4);
    expect(await engine.raw('events.get', { id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
