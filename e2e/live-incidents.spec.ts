import { createSocket } from 'node:dgram';
import { expect, test } from './fixtures';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** What util-linux `logger --rfc3164 -d -t sshd --id=4711 -p auth.info MSG` sends (local time = UTC here). */
function loggerLine(at: Date, msg: string): string {
  const p = (x: number) => String(x).padStart(2, '0');
  const stamp = `${MONTHS[at.getUTCMonth()]} ${String(at.getUTCDate()).padStart(2, ' ')} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`;
  return `<38>${stamp} bastion sshd[4711]: ${msg}`;
}

test('a brute force sent to a collector started from the workbench is in the queue within 2 s, with no alert rule', async ({ page }) => {
  const port = 30000 + Math.floor(Math.random() * 20000);
  await page.getByLabel('Case name').fill('watch');
  await page.getByRole('button', { name: 'Create case' }).click();
  const panel = page.getByRole('region', { name: 'Live collector' });
  await panel.getByLabel('UDP address').fill(`127.0.0.1:${port}`);
  await panel.getByText('Syslog TCP').click(); // TCP off: one free port
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.locator('.badge')).toHaveText('running');

  await page.locator('.nav-item', { hasText: 'Incidents' }).click();
  await expect(page.getByTestId('queue-collecting')).toBeVisible();

  const sock = createSocket('udp4');
  for (let i = 0; i < 15; i++) {
    const msg = loggerLine(new Date(), `Failed password for root from 198.51.100.23 port ${50100 + i} ssh2`);
    await new Promise<void>((r, j) => sock.send(msg, port, '127.0.0.1', (err) => (err ? j(err) : r())));
  }
  sock.close();
  const sent = Date.now();
  const row = page.getByTestId('incident-queue').getByRole('row', { name: /198\.51\.100\.23/ });
  await expect(row).toBeVisible({ timeout: 15000 });
  const latency = Date.now() - sent;
  console.log(`[e2e] brute force in the queue ${latency} ms after its last line`);
  expect(latency).toBeLessThan(2000);
  await expect(row).toContainText(/brute force/i);
  // Sorted by size, so that the next, larger attack lands above it.
  await page.getByRole('columnheader', { name: 'Events' }).getByRole('button').click();
  await expect(row).toHaveAttribute('aria-selected', 'true');

  // Another attacker arrives while the analyst looks at the first: the queue grows in place and the
  // selection stays on the incident it was on.
  const sock2 = createSocket('udp4');
  for (let i = 0; i < 40; i++) {
    const msg = loggerLine(new Date(), `Failed password for invalid user u${i} from 203.0.113.99 port ${51000 + i} ssh2`);
    await new Promise<void>((r, j) => sock2.send(msg, port, '127.0.0.1', (err) => (err ? j(err) : r())));
  }
  sock2.close();
  const queue = page.getByTestId('incident-queue');
  await expect(queue.getByRole('row', { name: /203\.0\.113\.99/ })).toBeVisible();
  // The new incident ranks above the first (more events): the rows moved under the cursor.
  await expect(queue.getByRole('row').first()).toContainText('203.0.113.99');
  await expect(queue.locator('[role="row"][aria-selected="true"]')).toHaveCount(1);
  await expect(queue.locator('[role="row"][aria-selected="true"]')).toContainText('198.51.100.23');

  // Still collecting: nothing waited for the collector to stop.
  await page.locator('.nav-item', { hasText: 'Sources' }).click();
  await expect(panel.locator('.badge')).toHaveText('running');
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(panel.locator('.badge')).toHaveText('stopped');
});

test('the Events view, the header and the imports list follow a running collector', async ({ page }) => {
  const port = 30000 + Math.floor(Math.random() * 20000);
  await page.getByLabel('Case name').fill('follow');
  await page.getByRole('button', { name: 'Create case' }).click();
  const panel = page.getByRole('region', { name: 'Live collector' });
  await panel.getByLabel('UDP address').fill(`127.0.0.1:${port}`);
  await panel.getByText('Syslog TCP').click();
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.locator('.badge')).toHaveText('running');

  const sock = createSocket('udp4');
  const send = async (n: number, from: number) => {
    for (let i = from; i < from + n; i++) {
      const msg = loggerLine(new Date(), `Accepted publickey for deploy from 192.0.2.7 port ${40000 + i} ssh2 follow-${i}`);
      await new Promise<void>((r, j) => sock.send(msg, port, '127.0.0.1', (err) => (err ? j(err) : r())));
    }
  };
  await send(10, 0);
  await page.locator('.nav-item', { hasText: 'Events' }).click();
  await expect(page.getByTestId('events-count')).toHaveText('10 lines');
  // More arrive while the view is open: it follows, and so does the header.
  await send(25, 10);
  await expect(page.getByTestId('events-count')).toHaveText('35 lines');
  await expect(page.locator('header.topbar')).toContainText('35 events');

  await page.locator('.nav-item', { hasText: 'Sources' }).click();
  await expect(page.getByTestId('live-import')).toContainText('35 lines stored');
  await expect(page.getByTestId('live-import')).not.toContainText(' of 0 B');
  await expect(panel.getByRole('table', { name: 'Sender clocks' })).toContainText('127.0.0.1 bastion');
  await panel.screenshot({ path: test.info().outputPath('collector-running.png') });
  sock.close();
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('live-import')).toContainText('done');
});
