import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** A webhook receiver on 127.0.0.1: answers `status()` and keeps what it got. */
async function receiver(status: () => number) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/s3cr3t-token`,
    got,
    close: () => new Promise((r) => server.close(r)),
  };
}

test('alerts: a webhook sink gets a signed test alert; a failing sink’s alert lands in the dead letters and can be retried', async ({
  page,
}) => {
  const good = await receiver(() => 200);
  let failing = true;
  const bad = await receiver(() => (failing ? 500 : 200));
  try {
    await page.getByLabel('Case name').fill('alerts');
    await page.getByRole('button', { name: 'Create case' }).click();
    await page.locator('.nav-item', { hasText: 'Alerts' }).click();
    const view = page.getByRole('region', { name: 'Alerts' });
    await expect(view.getByText('No sinks yet')).toBeVisible();

    // A webhook sink with an HMAC key; the URL (and its token) is never shown back.
    await view.getByRole('button', { name: 'Add sink' }).click();
    const form = view.getByRole('form', { name: 'New sink' });
    await form.getByLabel('Name').fill('Team hook');
    await form.getByLabel('URL').fill(good.url);
    await form.getByLabel(/HMAC-SHA256 key/).fill('shared-key');
    await form.getByRole('button', { name: 'Add sink' }).click();
    const sinks = view.getByTestId('alert-sinks');
    const row = sinks.getByRole('row', { name: 'Sink Team hook' });
    await expect(row).toContainText('signed (HMAC-SHA256)');
    await expect(row).toContainText(/http:\/\/127\.0\.0\.1:\d+\/…/);
    await expect(view).not.toContainText('s3cr3t-token');

    await row.getByRole('button', { name: 'Send test alert' }).click();
    await expect(row.getByRole('status')).toHaveText('Test alert delivered.');
    expect(good.got).toHaveLength(1);
    const sent = good.got[0]!;
    const sig = 'sha256=' + createHmac('sha256', 'shared-key').update(`${sent.headers['x-vigil-timestamp']}.${sent.body}`).digest('hex');
    expect(sent.headers['x-vigil-signature']).toBe(sig);
    expect(JSON.parse(sent.body).alert).toMatchObject({ reason: 'test', caseName: 'alerts' });
    const log = view.getByTestId('alert-outbox');
    await expect(log.getByRole('row').nth(1)).toContainText('Test alert from Vigil to Team hook');
    await expect(log.getByRole('row').nth(1)).toContainText('sent');

    // A rule that uses it.
    await view.getByRole('button', { name: 'Add rule' }).click();
    const ruleForm = view.getByRole('form', { name: 'New rule' });
    await ruleForm.getByLabel('Name').fill('Attacks');
    await ruleForm.getByLabel('auth_attack').check();
    await ruleForm.getByLabel('Lowest severity').selectOption('medium');
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    await expect(view.getByTestId('alert-rules').getByRole('row', { name: 'Rule Attacks' })).toContainText('auth_attack · medium and up');

    // A sink whose receiver fails, giving up after one attempt: a dead letter.
    await view.getByRole('button', { name: 'Add sink' }).click();
    const form2 = view.getByRole('form', { name: 'New sink' });
    await form2.getByLabel('Name').fill('Broken hook');
    await form2.getByLabel('URL').fill(bad.url);
    await form2.getByLabel('Attempts before dead letter').fill('1');
    await form2.getByRole('button', { name: 'Add sink' }).click();
    const badRow = sinks.getByRole('row', { name: 'Sink Broken hook' });
    await badRow.getByRole('button', { name: 'Send test alert' }).click();
    await expect(badRow.getByRole('status')).toContainText('Test alert failed');
    await expect(badRow.getByRole('status')).toContainText('HTTP 500');
    const dead = view.getByTestId('alert-dead');
    await expect(dead.getByRole('row')).toHaveCount(2);
    await expect(dead).toContainText('Broken hook');
    await expect(view.getByRole('heading', { name: 'Dead letters (1)' })).toBeVisible();

    // Discarding can be undone.
    await dead.getByRole('button', { name: 'Discard' }).click();
    await expect(view.getByRole('heading', { name: 'Dead letters (0)' })).toBeVisible();
    await view.getByRole('region', { name: 'Dead letters' }).getByRole('button', { name: 'Undo' }).click();
    await expect(view.getByRole('heading', { name: 'Dead letters (1)' })).toBeVisible();

    // The receiver is fixed: retry from the dead letters delivers it.
    failing = false;
    await dead.getByRole('button', { name: 'Retry' }).click();
    await expect(view.getByRole('heading', { name: 'Dead letters (0)' })).toBeVisible();
    await expect.poll(() => bad.got.length).toBe(2);
    await expect(badRow).toContainText(/0\s*1\s*0/); // pending 0, sent 1, dead 0
  } finally {
    await good.close();
    await bad.close();
  }
});

/** What the page's notifications look like from here (the spec compiles without the DOM types). */
interface PageNote {
  title: string;
  onclick: ((e: unknown) => void) | null;
}
type NotesWindow = { __notes: PageNote[]; Notification: new (title: string, options?: object) => PageNote };

/** Keeps every notification the page creates (real ones: the permission is granted) to read and click. */
async function recordNotifications(page: Page): Promise<void> {
  await page.context().grantPermissions(['notifications']);
  await page.addInitScript(() => {
    const g = globalThis as unknown as NotesWindow;
    const Real = g.Notification;
    const made: PageNote[] = [];
    g.__notes = made;
    g.Notification = class extends Real {
      constructor(title: string, options?: object) {
        super(title, options);
        made.push(this);
      }
    };
  });
  await page.reload();
}

test('alerts: an incident found while collecting reaches the webhook and its alert history says so', async ({ page, host }) => {
  const hook = await receiver(() => 200);
  const port = 30000 + Math.floor(Math.random() * 20000);
  try {
    // The browser host shows desktop alerts through the page; Electron's main process shows its own.
    if (host === 'browser') await recordNotifications(page);
    await page.getByLabel('Case name').fill('live alerts');
    await page.getByRole('button', { name: 'Create case' }).click();
    await page.locator('.nav-item', { hasText: 'Alerts' }).click();
    const view = page.getByRole('region', { name: 'Alerts' });
    await view.getByRole('button', { name: 'Add sink' }).click();
    const form = view.getByRole('form', { name: 'New sink' });
    await form.getByLabel('Name').fill('SOC hook');
    await form.getByLabel('URL').fill(hook.url);
    await form.getByRole('button', { name: 'Add sink' }).click();
    await expect(form).toBeHidden();
    await view.getByRole('button', { name: 'Add sink' }).click();
    await view.getByRole('form', { name: 'New sink' }).getByLabel('Kind').selectOption('desktop');
    await view.getByRole('form', { name: 'New sink' }).getByLabel('Name').fill('This laptop');
    await view.getByRole('form', { name: 'New sink' }).getByRole('button', { name: 'Add sink' }).click();
    await expect(view.getByTestId('alert-sinks').getByRole('row')).toHaveCount(3);
    await view.getByRole('button', { name: 'Add rule' }).click();
    await view.getByRole('form', { name: 'New rule' }).getByLabel('Lowest severity').selectOption('medium');
    await view.getByRole('form', { name: 'New rule' }).getByRole('button', { name: 'Add rule' }).click();
    await expect(view.getByTestId('alert-rules').getByRole('row')).toHaveCount(2);

    await page.locator('.nav-item', { hasText: 'Sources' }).click();
    const panel = page.getByRole('region', { name: 'Live collector' });
    await panel.getByLabel('UDP address').fill(`127.0.0.1:${port}`);
    await panel.getByText('Syslog TCP').click();
    await panel.getByRole('button', { name: 'Start' }).click();
    await expect(panel.locator('.badge')).toHaveText('running');
    const sock = createSocket('udp4');
    const base = Date.now() - 300_000;
    for (let i = 0; i < 300; i++) {
      const ts = new Date(base + i * 1000).toISOString();
      const msg = `<38>1 ${ts} bastion sshd ${3000 + i} - - Failed password for invalid user user${i % 40} from 203.0.113.77 port ${40000 + i} ssh2`;
      await new Promise<void>((r) => sock.send(msg, port, '127.0.0.1', () => r()));
    }
    sock.close();
    await expect.poll(() => hook.got.length, { timeout: 45_000 }).toBeGreaterThan(0);
    await expect(panel.locator('.badge')).toHaveText('running');
    const alert = JSON.parse(hook.got[0]!.body).alert as { incidentId: string; title: string; severity: string };

    // The desktop notification names the incident; clicking it opens the incident.
    if (host === 'browser') {
      const notes = () => page.evaluate(() => (globalThis as unknown as NotesWindow).__notes.map((n) => n.title));
      await expect.poll(notes).toContain(`${alert.severity.toUpperCase()} · ${alert.title}`);
      await page.evaluate(() => {
        (globalThis as unknown as NotesWindow).__notes[0]!.onclick?.({ type: 'click' });
      });
    } else {
      await page.locator('.nav-item', { hasText: 'Incidents' }).click();
      await page.getByTestId('incident-queue').getByRole('row').filter({ hasText: alert.title }).first().click();
      await page.keyboard.press('Enter');
    }
    await expect(page.getByRole('heading', { name: alert.title })).toBeVisible();
    const history = page.getByTestId('incident-alert-history');
    await expect(history).toContainText('sent');
    await expect(history).toContainText('SOC hook');
    await expect(history).toContainText('This laptop');
    await expect(history).toContainText('queued');
    await page.locator('.nav-item', { hasText: 'Sources' }).click();
    await page.getByRole('region', { name: 'Live collector' }).getByRole('button', { name: 'Stop' }).click();
  } finally {
    await hook.close();
  }
});
