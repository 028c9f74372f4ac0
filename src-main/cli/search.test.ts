/**
 * `vigil search` against grep and awk on the real Elastic sample logs: the same question asked of
 * the case and of the files must get the same count, and --jsonl must come out in event time.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ImportJob } from '../../src-shared/dto';
import { SHARED_DATA } from '../../test/paths';
import { describeShared } from '../../test/shared-data';
import { capture, tempDir, TestEngine } from '../engine/test-support';
import { runSearch } from './search';

const ELASTIC = join(SHARED_DATA, 'elastic');
const ACCESS = join(ELASTIC, 'apache_access.log');
const AUTH = join(ELASTIC, 'auth.log');

/** Lines a shell pipeline prints, counted (grep exits 1 when nothing matches: that is 0). */
function lines(cmd: string): number {
  const out = execFileSync('sh', ['-c', `${cmd} | wc -l`], { encoding: 'utf8' });
  return Number(out.trim());
}

describeShared('vigil search on the Elastic sample logs, against grep and awk', [ACCESS, AUTH], () => {
  let casePath: string;
  let engine: TestEngine;

  beforeAll(async () => {
    engine = new TestEngine();
    casePath = join(tempDir(), 'elastic.vigil');
    await engine.call('cases.create', { name: 'elastic', path: casePath });
    const done = new Set<number>();
    const finished = new Promise<void>((resolve) => {
      engine.link.onEvent((name, payload) => {
        if (name !== 'ingest.finished') return;
        done.add((payload as ImportJob).id);
        if (done.size === 2) resolve();
      });
    });
    await engine.call('ingest.startImport', { paths: [ACCESS, AUTH] });
    await finished;
    // The case is read by the command on its own connection, as from a second terminal.
    await engine.link.close();
  }, 120_000);

  afterAll(async () => {
    await engine?.link.close();
  });

  const search = async (...args: string[]) => {
    const out = capture();
    const err = capture();
    const code = await runSearch([casePath, ...args], out.stream, err.stream);
    return { code, out: out.text(), err: err.text() };
  };
  const count = async (query: string, ...flags: string[]) => {
    const r = await search(query, '--count', ...flags);
    expect(r, r.err).toMatchObject({ code: 0 });
    return Number(r.out.trim());
  };

  // Apache combined format: $1 client, $6 "METHOD, $7 path, $9 status, $10 bytes.
  const cases: [string, string, string][] = [
    ['field', 'src_ip:83.149.9.216', `awk '$1=="83.149.9.216"' ${ACCESS}`],
    ['field (any address)', 'ip:83.149.9.216', `grep '^83\\.149\\.9\\.216 ' ${ACCESS}`],
    ['field, exact number', 'status:404', `awk '$9==404' ${ACCESS}`],
    ['field, case-insensitive value', 'method:post', `awk '$6=="\\"POST"' ${ACCESS}`],
    ['range', 'status:>=400', `awk '$9>=400' ${ACCESS}`],
    ['range', 'bytes:>1000000', `awk '$10>1000000' ${ACCESS}`],
    ['range, inclusive', 'bytes:[1000 TO 5000]', `awk '$10>=1000 && $10<=5000' ${ACCESS}`],
    ['wildcard', 'path:/presentations/*', `awk '$7 ~ /^\\/presentations\\//' ${ACCESS}`],
    ['wildcard', 'path:*.png', `awk '$7 ~ /\\.png$/' ${ACCESS}`],
    ['NOT', 'failed password -invalid', `cat ${ACCESS} ${AUTH} | grep -i failed | grep -i password | grep -vi invalid`],
    ['NOT on a field', 'status:404 NOT path:*.php', `awk '$9==404 && $7 !~ /\\.php$/' ${ACCESS}`],
    ['OR', 'status:404 OR status:500', `awk '$9==404 || $9==500' ${ACCESS}`],
    ['OR of phrases', '"Accepted password" OR "Accepted publickey"', `grep -Ei 'Accepted (password|publickey)' ${AUTH}`],
    ['phrase', '"invalid user"', `cat ${ACCESS} ${AUTH} | grep -i 'invalid user'`],
    ['AND', 'Failed AND root', `cat ${ACCESS} ${AUTH} | grep -i failed | grep -iw root`],
    ['parentheses', '(status:404 OR status:500) path:*.php', `awk '($9==404 || $9==500) && $7 ~ /\\.php$/' ${ACCESS}`],
    ['time', 'time:2015-05-17T10', `grep '17/May/2015:10:' ${ACCESS}`],
  ];

  for (const [what, query, reference] of cases) {
    it(`counts ${what}: ${query}`, async () => {
      const expected = lines(reference);
      expect(expected).toBeGreaterThan(0);
      expect(await count(query)).toBe(expected);
    });
  }

  it('narrows by --from and --to like a grep on the timestamps', async () => {
    const expected = lines(`grep '17/May/2015:1[0-1]:' ${ACCESS}`);
    expect(await count('', '--from', '2015-05-17T10:00', '--to', '2015-05-17T11')).toBe(expected);
    expect(await count('status:404', '--from', '2015-05-17T10:00', '--to', '2015-05-17T11')).toBe(
      lines(`grep '17/May/2015:1[0-1]:' ${ACCESS} | awk '$9==404'`),
    );
  });

  it('prints --jsonl in event-time order, every match once', async () => {
    const r = await search('status:>=300 OR "invalid user"', '--jsonl');
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; ts: number | null; raw: string });
    expect(events.length).toBe(await count('status:>=300 OR "invalid user"'));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts!).toBeGreaterThanOrEqual(events[i - 1]!.ts!);
    // File order is not time order in this log (Apache writes a line when the request ends):
    // the two orders hold the same events, arranged differently.
    const byFile = (await search('status:>=300 OR "invalid user"', '--jsonl', '--order', 'file')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; ts: number });
    expect(byFile.map((e) => e.id).sort((a, b) => a - b)).toEqual(events.map((e) => e.id).sort((a, b) => a - b));
    expect(byFile.some((e, i) => i > 0 && e.ts < byFile[i - 1]!.ts)).toBe(true);
  });

  it('refuses a bad query with where it went wrong', async () => {
    const r = await search('status:>=abc');
    expect(r.code).toBe(2);
    expect(r.err).toContain('status takes a number here, not "abc" (at character 10)');
    expect(r.err).toContain('  status:>=abc\n           ^^^');
  });
});
