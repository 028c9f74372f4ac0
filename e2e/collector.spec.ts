import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { expect, test } from './fixtures';

test('start the live collector, watch syslog arrive, stop it, and find the lines', async ({ page }) => {
  const port = 30000 + Math.floor(Math.random() * 20000);
  await page.getByLabel('Case name').fill('live');
  await page.getByRole('button', { name: 'Create case' }).click();
  const panel = page.getByRole('region', { name: 'Live collector' });
  await panel.getByLabel('UDP address').fill(`127.0.0.1:${port}`);
  await panel.getByText('Syslog TCP').click(); // TCP off: keep the test to one free port
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.locator('.badge')).toHaveText('running');
  await expect(panel.getByRole('row', { name: /udp/ })).toContainText(`127.0.0.1:${port}`);

  const sock = createSocket('udp4');
  for (let i = 0; i < 30; i++) {
    const msg = `<38>1 ${new Date().toISOString()} laptop sshd 77 - - Failed password for root from 192.0.2.${i % 3} port 22 ssh2 e2e-live-${i}`;
    await new Promise<void>((r) => sock.send(msg, port, '127.0.0.1', () => r()));
  }
  sock.close();
  await expect(panel.getByTestId('collector-totals')).toContainText('30 stored');
  await expect(panel.getByLabel('Last lines received')).toContainText('e2e-live-29');
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(panel.locator('.badge')).toHaveText('stopped');

  await page.getByRole('button', { name: /Events/ }).click();
  await page.getByLabel('Search events').fill('e2e-live-7');
  await expect(page.getByTestId('events-count')).toHaveText('1 match');
});

test('the collector panel shows connections it refused to keep one sender from holding the listener', async ({ page }) => {
  const port = 30000 + Math.floor(Math.random() * 20000);
  await page.getByLabel('Case name').fill('lockout');
  await page.getByRole('button', { name: 'Create case' }).click();
  const panel = page.getByRole('region', { name: 'Live collector' });
  await panel.getByText('Syslog UDP').click(); // UDP off: one free port, TCP
  await panel.getByLabel('TCP address').fill(`127.0.0.1:${port}`);
  await panel.getByRole('button', { name: 'Start' }).click();
  await expect(panel.locator('.badge')).toHaveText('running');
  // One host opens 20 silent connections; it may hold 16.
  const held: Socket[] = [];
  for (let i = 0; i < 20; i++) {
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.66' });
    s.on('error', () => undefined);
    held.push(s);
  }
  const row = panel.getByRole('row', { name: /tcp/ });
  await expect(row.getByLabel(/tcp connections refused or closed: 4\./)).toHaveText('4');
  for (const s of held) s.destroy();
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(panel.locator('.badge')).toHaveText('stopped');
});
