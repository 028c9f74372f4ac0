/**
 * Every common Linux auth source counts (issue 24). One row per source (auth-sources.table.ts and
 * auth-sources.services.ts), written in the program's own wording into the file an analyst would
 * have, imported into a case and detected as `vigil analyze` does. Each row:
 *   - 60 failures from one source in 3 minutes -> a brute-force incident about that source,
 *   - 40 accounts from one source -> password spraying,
 *   - a login after 5 failures (sudo: after two runs of 3) -> possible compromise,
 *   - and the 60 failures counted as 60 attempts, however many lines each attempt left (Debian's
 *     pam_unix beside sshd, sudo's summary beside pam, Dovecot's two processes).
 * A row that cannot show a pattern says why (a source that names no account cannot show spraying).
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { CaseInfo, StartImportResult } from '../../../src-shared/dto';
import { TestEngine, tempDir } from '../test-support';
import { SERVICE_ROWS } from './auth-sources.services';
import { type Connection, HOST, type Line, LOCAL_AND_SSH_ROWS, type SourceRow } from './auth-sources.table';

const T0 = Date.UTC(2024, 2, 6, 9, 0, 0);
const HOUR = 3_600_000;
const ROWS: SourceRow[] = [...LOCAL_AND_SSH_ROWS, ...SERVICE_ROWS];

/** Tries of one source on its accounts, cut into connections of at most `maxTries`. */
function connections(
  row: SourceRow,
  from: string,
  plan: { user: string; ok: boolean; ts: number }[],
  pid: number,
  invalid: (u: string) => boolean,
): Connection[] {
  const out: Connection[] = [];
  for (const p of plan) {
    const last = out[out.length - 1];
    if (last && last.user === p.user && last.tries.length < row.maxTries && !last.tries.some((t) => t.ok))
      last.tries.push({ ts: p.ts, ok: p.ok });
    else
      out.push({
        from,
        user: p.user,
        invalid: invalid(p.user),
        pid: pid + out.length,
        port: 40000 + ((pid + out.length) % 20000),
        tries: [{ ts: p.ts, ok: p.ok }],
      });
  }
  return out;
}

interface Planted {
  brute: string;
  spray: string | null;
  compromise: string | null;
  lines: Line[];
}

/** The three attacks of a row, hours apart: sources are addresses, or callers for local sources. */
function plant(row: SourceRow): Planted {
  const local = row.actor('x').startsWith('user:');
  const [a, b, c] = local ? ['mallory', 'eve', 'trent'] : ['203.0.113.10', '198.51.100.20', '192.0.2.30'];
  const invalid = (u: string) => u.startsWith('ghost');
  const lines: Line[] = [];
  const brute = Array.from({ length: 60 }, (_, i) => ({ user: local ? 'root' : 'admin', ok: false, ts: T0 + i * 3000 }));
  for (const k of connections(row, a!, brute, 2000, invalid)) lines.push(...row.lines(k));
  if (row.noSpray === null) {
    // 40 accounts, one try each; half of them do not exist.
    const spray = Array.from({ length: 40 }, (_, i) => ({
      user: `${i % 2 ? 'ghost' : 'acct'}${String(i).padStart(2, '0')}`,
      ok: false,
      ts: T0 + 2 * HOUR + i * 8000,
    }));
    for (const k of connections(row, b!, spray, 3000, invalid)) lines.push(...row.lines(k));
  }
  if (row.noSuccess === null) {
    const n = row.guessFailures ?? 5;
    const guess = Array.from({ length: n + 1 }, (_, i) => ({ user: local ? 'root' : 'deploy', ok: i === n, ts: T0 + 4 * HOUR + i * 3000 }));
    for (const k of connections(row, c!, guess, 4000, invalid)) lines.push(...row.lines(k));
  }
  lines.sort((x, y) => x.ts - y.ts);
  return {
    brute: row.actor(a!),
    spray: row.noSpray === null ? row.actor(b!) : null,
    compromise: row.noSuccess === null ? row.actor(c!) : null,
    lines,
  };
}

const engines: TestEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.link.close();
});

async function analyze(row: SourceRow, p: Planted): Promise<{ rows: IncidentRow[]; db: Database.Database }> {
  const dir = tempDir('vigil-auth-src-');
  const file = join(dir, row.file);
  writeFileSync(file, p.lines.map((l) => l.text).join('\n') + '\n');
  // Copied off the host after its last line: the file's own time dates yearless lines.
  const end = p.lines[p.lines.length - 1]!.ts / 1000 + 60;
  utimesSync(file, end, end);
  const engine = new TestEngine(join(dir, 'data'));
  engines.push(engine);
  await engine.call('cases.create', { name: row.name.slice(0, 60) });
  const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [file] });
  await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === started.jobs[0]!.id, 120_000);
  const page = await engine.call<IncidentsPage>('incidents.list', { limit: 1000 });
  const info = await engine.call<CaseInfo>('cases.getCurrent');
  return { rows: page.rows, db: new Database(info.path, { readonly: true }) };
}

/** The auth incident about `actor` around `at`, with its pattern. */
function incidentOf(rows: IncidentRow[], actor: string, at: number): IncidentRow | undefined {
  return rows.find(
    (r) => r.category === 'auth_attack' && r.groupKey === actor && (r.firstTs ?? 0) <= at + HOUR && (r.lastTs ?? 0) >= at - HOUR,
  );
}

describe('every common Linux auth source counts', () => {
  const summary: string[] = [];
  afterAll(() => console.log(`auth sources (60 failures / 40 accounts / a login after failures / counted once):\n${summary.join('\n')}`));

  for (const row of ROWS) {
    it(
      row.name,
      async () => {
        const p = plant(row);
        const { rows, db } = await analyze(row, p);
        try {
          const brute = incidentOf(rows, p.brute, T0);
          expect(brute?.pattern, `${p.brute}: ${rows.map((r) => `${r.groupKey} ${r.pattern}`).join('; ')}`).toBe('brute_force');
          // The bundled Sigma correlations read the same meaning: they confirm it for every source.
          expect(brute!.detectors, row.name).toEqual(expect.arrayContaining(['behaviour', 'sigma']));
          // Counted once: the brute-force finding saw 60 attempts, whatever the number of lines.
          const details = db
            .prepare(
              `SELECT details FROM alerts WHERE detector = 'behaviour' AND kind = 'brute_force' AND key = ? ORDER BY first_ts LIMIT 1`,
            )
            .pluck()
            .get(p.brute) as string;
          const facts = (JSON.parse(details) as { facts: Record<string, number> }).facts;
          const counted = (facts['failures'] ?? 0) + (facts['unknown_result_attempts'] ?? 0);
          expect(counted, JSON.stringify(facts)).toBe(60);

          // The host that wrote the log is no actor, unless the attempts came from its own console.
          if (p.brute !== `host:${HOST}`) {
            const self = rows.filter((r) => r.category === 'auth_attack' && r.groupKey === `host:${HOST}`);
            expect(self.map((r) => r.title)).toEqual([]);
          }

          let spray = `n/a (${row.noSpray})`;
          if (p.spray !== null) {
            const s = incidentOf(rows, p.spray, T0 + 2 * HOUR);
            expect(s?.pattern, `${p.spray}: ${rows.map((r) => `${r.groupKey} ${r.pattern}`).join('; ')}`).toBe('password_spraying');
            spray = 'spraying';
          }
          let got = `n/a (${row.noSuccess})`;
          if (p.compromise !== null) {
            const c = incidentOf(rows, p.compromise, T0 + 4 * HOUR);
            expect(c?.pattern, `${p.compromise}: ${rows.map((r) => `${r.groupKey} ${r.pattern}`).join('; ')}`).toBe('possible_compromise');
            got = 'possible compromise';
          }
          summary.push(`  ${row.name}: ${p.lines.length} lines -> brute force (${counted} attempts) | ${spray} | ${got}`);
        } finally {
          db.close();
        }
      },
      120_000,
    );
  }
});
