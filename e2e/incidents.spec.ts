import { expect, test } from './fixtures';

test('incidents: the sample case shows its attacks at the top; one opens with evidence, timelines and graph', async ({ page }) => {
  await page.getByRole('button', { name: 'Open the sample case' }).click();

  const queue = page.getByTestId('incident-queue');
  const rows = queue.getByRole('row');
  // Detection runs after the import: the queue fills in when it finishes.
  // Six attacks and the internet's background guessing, one campaign row.
  await expect(rows).toHaveCount(7, { timeout: 90_000 });
  await expect(rows.first()).toContainText('Credential stuffing from 131.233.55.242');
  await expect(rows.first()).toContainText('critical');
  await expect(queue).toContainText('Possible compromise after failed logins from 160.192.123.213');
  await expect(queue).toContainText('Password spraying from 147.177.109.152');
  await expect(queue).toContainText('Scanning / reconnaissance from 145.57.18.110');
  await expect(queue).toContainText('Error burst on sensitive paths from 57.14.149.103');

  // Filters narrow the queue; the cursor stays on its incident when the filter is cleared.
  await page.getByLabel('Filter by category').selectOption('scanner');
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Filter by category').selectOption('');
  await expect(rows).toHaveCount(7);
  await expect(rows.filter({ hasText: 'Scanning / reconnaissance from 145.57.18.110' })).toHaveAttribute('aria-selected', 'true');

  // Keyboard: Home goes to the top, j moves, Enter opens, Esc goes back.
  // Out of the filter (the queue's keys stay off while a field has focus).
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.keyboard.press('Home');
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('k');
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Credential stuffing from 131.233.55.242' })).toBeVisible();
  await expect(page.getByTestId('incident-summary')).toContainText('tried 90 accounts');
  const evidence = page.getByTestId('incident-evidence');
  await expect(evidence).toContainText('131.233.55.242');
  await expect(evidence.locator('.inc-line').first()).toBeVisible();
  await expect(page.getByTestId('incident-timelines').getByRole('img').first()).toBeVisible();
  const graph = page.getByTestId('incident-graph');
  await expect(graph).toBeVisible();
  expect(await graph.locator('circle').count()).toBeGreaterThan(3);
  await expect(page.getByRole('region', { name: 'Entities' })).toContainText('131.233.55.242');

  // The analyst's decision sticks.
  await page.getByRole('button', { name: 'True incident' }).click();
  await expect(page.getByRole('button', { name: 'True incident' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(rows.first()).toContainText('true');
});

test('campaigns: the background guessers are one row; its members are a key away, and one group in the graph', async ({ page }) => {
  await page.getByRole('button', { name: 'Open the sample case' }).click();
  const queue = page.getByTestId('incident-queue');
  const rows = queue.getByRole('row');
  await expect(rows).toHaveCount(7, { timeout: 90_000 });
  await page.getByLabel('Filter by kind').selectOption('campaign');
  await expect(rows).toHaveCount(1);
  const campaign = rows.first();
  await expect(campaign).toContainText(/campaign · \d+/);
  const count = Number((await campaign.locator('.inc-campaign').textContent())!.replace(/\D+/g, ''));
  expect(count).toBeGreaterThanOrEqual(20);
  // Those that got in stay rows of their own, marked.
  await page.getByLabel('Filter by kind').selectOption('');
  await expect(queue.locator('.inc-lifted').first()).toBeVisible();

  await page.getByLabel('Filter by kind').selectOption('campaign');
  await rows.first().dblclick();
  await expect(page.getByTestId('incident-summary')).toContainText(`SSH dictionary attack: ${count} addresses`);
  await page.keyboard.press('m');
  const members = page.getByTestId('campaign-members');
  await expect(members.locator('tbody tr')).toHaveCount(count);
  await expect(members.locator('tbody tr').first()).toContainText('got in');
  // The one that got in opens its own incident, which leads back to the campaign.
  await members.getByRole('button', { name: 'its incident ↑' }).first().click();
  await expect(page.getByTestId('open-campaign')).toBeVisible();
  await page.getByTestId('open-campaign').click();
  await expect(page.getByTestId('campaign-members')).toBeVisible();

  // g: every member selected together in the graph.
  await page.getByRole('heading', { level: 2 }).focus();
  await page.keyboard.press('g');
  await expect(page.getByTestId('graph-count')).toContainText(`${count} member addresses selected`, { timeout: 30_000 });
});
