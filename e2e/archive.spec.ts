import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, test } from './fixtures';

/** A small incident archive: an auth log, a rotated gzipped one and a web access log, in a tar.gz. */
function writeArchive(dir: string): string {
  const root = join(dir, 'incident');
  mkdirSync(join(root, 'var', 'log', 'nginx'), { recursive: true });
  const auth: string[] = [];
  for (let i = 0; i < 40; i++) auth.push(`Nov 21 03:1${i % 10}:0${i % 10} bastion sshd[${900 + i}]: Failed password for invalid user admin${i} from 203.0.113.66 port ${40000 + i} ssh2`);
  auth.push('Nov 21 03:20:00 bastion sshd[999]: Accepted password for deploy from 198.51.100.20 port 50000 ssh2');
  writeFileSync(join(root, 'var', 'log', 'auth.log'), auth.join('\n') + '\n');
  writeFileSync(join(root, 'var', 'log', 'auth.log.1.gz'), gzipSync('Nov 20 23:59:59 bastion sshd[1]: Accepted publickey for ops from 192.0.2.5 port 1 ssh2\n'));
  const access = Array.from({ length: 25 }, (_, i) => `192.0.2.${i % 5} - - [21/Nov/2026:03:00:${String(i).padStart(2, '0')} +0000] "GET /page/${i} HTTP/1.1" 200 512 "-" "Mozilla/5.0"`);
  writeFileSync(join(root, 'var', 'log', 'nginx', 'access.log'), access.join('\n') + '\n');
  const archive = join(dir, 'incident.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', root, 'var']);
  return archive;
}

test('import a tar.gz archive: members parsed, templates counted, entities linked to their lines', async ({ page, workDir }) => {
  const archive = writeArchive(workDir);
  await page.getByLabel('Case name').fill('archive');
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByLabel('Path to import').fill(archive);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('.job .badge')).toHaveText('done');
  await expect(page.locator('.job')).toContainText('67 lines');
  await expect(page.locator('.job')).toContainText('3 files');
  // File by file, with the year assumed for times that carry none.
  const files = page.getByTestId('import-files');
  await expect(files.locator('summary')).toHaveText(/^3 files · times without a year read as \d{4}$/);
  await files.locator('summary').click();
  await expect(files.getByRole('row', { name: /auth\.log\.1\.gz/ })).toContainText(/auth\s*1\s*\d{4}/);
  await page.screenshot({ path: test.info().outputPath('sources-files.png') });

  // The same archive again is recognised.
  await page.getByLabel('Path to import').fill(archive);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('is already in this case');

  await page.getByRole('button', { name: /Events/ }).click();
  await page.getByRole('tab', { name: 'Templates' }).click();
  await expect(page.getByRole('row', { name: /Failed password for invalid user/ })).toContainText('40');

  await page.getByRole('tab', { name: 'Entities' }).click();
  await page.getByLabel('Filter entities').fill('203.0.113.66');
  await page.getByRole('row', { name: /203\.0\.113\.66/ }).click();
  await expect(page.getByTestId('events-count')).toHaveText('40 matches');
  // Picking an entity narrows the search to it, as query text the analyst can edit further.
  await expect(page.getByLabel('Search events')).toHaveValue('ip:203.0.113.66');
});
