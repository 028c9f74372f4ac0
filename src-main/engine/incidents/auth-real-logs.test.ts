/**
 * Real logs (Loghub's Linux set: a 2005 Red Hat host's /var/log/messages, and its OpenSSH set:
 * an Ubuntu auth.log), imported and detected as `vigil analyze` does. The Red Hat file holds only
 * `sshd(pam_unix)` lines, some naming the source by host name in rhost=; before the auth meaning
 * was normalized it gave no auth incident at all.
 */
import { copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { IncidentRow, IncidentsPage } from '../../../src-shared/contract-incidents';
import type { StartImportResult } from '../../../src-shared/dto';
import { SHARED_DATA } from '../../../test/paths';
import { describeShared } from '../../../test/shared-data';
import { TestEngine, tempDir } from '../test-support';

const LINUX = join(SHARED_DATA, 'loghub-2k', 'Linux', 'Linux_2k.log');
const OPENSSH = join(SHARED_DATA, 'loghub-2k', 'OpenSSH', 'OpenSSH_2k.log');

const engines: TestEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.link.close();
});

/** The queue of one real file, copied as an analyst would get it (the copy's time in late 2005). */
async function queueOf(src: string, name: string, copiedAt: number): Promise<IncidentRow[]> {
  const dir = tempDir('vigil-real-auth-');
  const file = join(dir, name);
  copyFileSync(src, file);
  utimesSync(file, copiedAt / 1000, copiedAt / 1000);
  const engine = new TestEngine(join(dir, 'data'));
  engines.push(engine);
  await engine.call('cases.create', { name });
  const started = await engine.call<StartImportResult>('ingest.startImport', { paths: [file] });
  await engine.next<{ importId: number | null }>('detect.finished', (r) => r.importId === started.jobs[0]!.id, 180_000);
  const page = await engine.call<IncidentsPage>('incidents.list', { limit: 1000 });
  console.log(
    `${name}: ${page.rows.length} rows\n` +
      page.rows.map((r) => `  ${r.category} ${r.pattern ?? '-'} ${r.groupKey} [${r.entities.map((e) => `${e.type}:${e.value}`).join(' ')}] ${r.title}`).join('\n'),
  );
  return page.rows;
}

/** Every value a row names, of one entity type. */
const named = (rows: IncidentRow[], type: string) => new Set(rows.flatMap((r) => r.entities.filter((e) => e.type === type).map((e) => e.value)));

describeShared('auth incidents in real logs', [LINUX, OPENSSH], () => {
  it("a 2005 Red Hat host's messages: sshd(pam_unix) failures by address and by host name are auth attacks", async () => {
    const rows = await queueOf(LINUX, 'messages', Date.UTC(2005, 11, 31));
    const auth = rows.filter((r) => r.category === 'auth_attack');
    expect(auth.length).toBeGreaterThanOrEqual(10);
    // The heaviest guesser (80 failures for root in 95 seconds) and the heaviest host name (23).
    expect(named(auth, 'ip').has('150.183.249.110')).toBe(true);
    expect(named(auth, 'host').has('n219076184117.netvigator.com')).toBe(true);
    expect(auth.find((r) => r.groupKey === 'host:n219076184117.netvigator.com')?.pattern).toBe('brute_force');
    // A campaign whose members include host names counts sources, not addresses.
    const mixed = auth.filter((r) => r.kind === 'campaign' && r.entities.some((e) => e.type === 'host'));
    expect(mixed.length).toBeGreaterThan(0);
    for (const r of mixed) expect(r.title).toMatch(/campaign: \d+ sources/);
    // The logging host is no actor, and an attempt that named no account names no account.
    expect(auth.some((r) => r.groupKey === 'host:combo')).toBe(false);
    expect(named(rows, 'user').has('(unknown)')).toBe(false);
    // Dated in the summer of 2005, the year before the copy.
    for (const r of auth) expect(new Date(r.firstTs!).toISOString().slice(0, 7)).toMatch(/^2005-0[67]$/);
  }, 240_000);

  it('an Ubuntu auth.log (OpenSSH set): the heaviest guessers are brute force and spraying', async () => {
    const rows = await queueOf(OPENSSH, 'auth.log', Date.UTC(2005, 11, 31));
    const auth = rows.filter((r) => r.category === 'auth_attack');
    // 295 failures on 10 accounts; 81 on 19 accounts; 109 on 28.
    expect(auth.find((r) => r.groupKey === 'ip:183.62.140.253')?.pattern).toBe('brute_force');
    expect(auth.find((r) => r.groupKey === 'ip:103.99.0.122')?.pattern).toBe('password_spraying');
    expect(auth.find((r) => r.groupKey === 'ip:187.141.143.180')?.pattern).toBe('password_spraying');
    expect(named(rows, 'user').has('(unknown)')).toBe(false);
  }, 240_000);
});
