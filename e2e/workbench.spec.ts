import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';

const LINES = 200_000;

function writeAuthLog(dir: string): string {
  const path = join(dir, 'auth.log');
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    lines.push(`Nov 22 10:${String(Math.floor(i / 3600) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} web-01 sshd[${1000 + (i % 5000)}]: Failed password for user${i % 300} from 198.51.100.${i % 250} port ${30000 + (i % 2000)} ssh2`);
  }
  lines[123_456] = 'Nov 22 11:11:11 web-01 sshd[4242]: Accepted password for zebra-needle from 203.0.113.99 port 51515 ssh2';
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('create a case, import a file, watch the progress finish, find a line by search', async ({ page, workDir }) => {
  const logFile = writeAuthLog(workDir);

  await expect(page.getByRole('heading', { name: 'Vigil', level: 1 })).toBeVisible();
  await page.getByLabel('Case name').fill('e2e triage');
  await page.getByRole('button', { name: 'Create case' }).click();

  await expect(page.getByRole('region', { name: 'Sources' })).toBeVisible();
  await page.getByLabel('Path to import').fill(logFile);
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  const bar = page.getByRole('progressbar', { name: 'Import of auth.log' });
  await expect(bar).toBeVisible();
  await expect(page.locator('.job .badge')).toHaveText('done', { timeout: 60_000 });
  await expect(bar).toHaveAttribute('aria-valuenow', '100');
  await expect(page.locator('.job')).toContainText('200,000 lines');

  await page.getByRole('button', { name: /^≡?\s*Events/ }).click();
  await expect(page.getByTestId('events-count')).toHaveText('200,000 lines');
  await page.getByLabel('Search events').fill('zebra-needle 203.0.113.99');
  await expect(page.getByTestId('events-count')).toHaveText('1 match');
  await expect(page.getByRole('row').first()).toContainText('Accepted password for zebra-needle from 203.0.113.99');
  await expect(page.getByRole('row').first()).toContainText('auth.log:123457');
});

test('a case survives closing and reopening from the recent list', async ({ page, workDir }) => {
  const small = join(workDir, 'small.log');
  writeFileSync(small, 'first line\nsecond line with marker-xyz\nthird line');
  await page.getByLabel('Case name').fill('reopen me');
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByLabel('Path to import').fill(small);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('.job .badge')).toHaveText('done');
  // A setting of the case (how far out of time order its lines may come) is kept with it.
  await page.getByRole('button', { name: /Settings/ }).click();
  const lateness = page.getByLabel('Lateness allowed in minutes');
  await expect(lateness).toHaveValue('5');
  await lateness.fill('abc');
  await expect(page.getByText('Between 0 and 1440 minutes.')).toBeVisible();
  await lateness.fill('20');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.getByRole('button', { name: 'Close case' }).click();
  await page.getByRole('button', { name: 'reopen me', exact: true }).click();
  await expect(page.locator('.case-title')).toContainText('3 events');
  await page.getByRole('button', { name: /Settings/ }).click();
  await expect(page.getByLabel('Lateness allowed in minutes')).toHaveValue('20');
  await page.getByRole('button', { name: /Events/ }).click();
  await page.getByLabel('Search events').fill('marker-xyz');
  await expect(page.getByTestId('events-count')).toHaveText('1 match');
});

test('a case created before the host has answered the start screen stays open when the answer comes', async ({ page, host }) => {
  test.skip(host === 'electron', 'holds back an answer on the browser host’s WebSocket; the Electron host has none');
  // The workbench asks for the current case as it starts. A host slow to answer (busy starting)
  // must not send the analyst back to the start screen after they created a case meanwhile.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let heldSent!: () => void;
  const sent = new Promise<void>((r) => (heldSent = r));
  await page.routeWebSocket(/\/bridge/, (ws) => {
    const server = ws.connectToServer();
    let held: number | null = null;
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id: number; method: string };
      if (msg.method === 'cases.getCurrent' && held === null) held = msg.id;
      server.send(m);
    });
    server.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id?: number };
      if (held === null || msg.id !== held) return ws.send(m);
      void released.then(() => {
        ws.send(m);
        heldSent();
      });
    });
  });
  await page.reload();
  await page.getByLabel('Case name').fill('early');
  await page.getByRole('button', { name: 'Create case' }).click();
  await expect(page.getByLabel('Path to import')).toBeVisible();
  release();
  await sent;
  // The late answer ("no case") reaches the page within milliseconds; give it half a second.
  await page.waitForTimeout(500);
  await expect(page.getByLabel('Path to import')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create case' })).toHaveCount(0);
});
