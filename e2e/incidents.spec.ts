import { expect, test } from './fixtures';

test('incidents: the sample case shows its attacks at the top; one opens with evidence, timelines and graph', async ({ page }) => {
  await page.getByRole('button', { name: 'Open the sample case' }).click();

  const queue = page.getByTestId('incident-queue');
  const rows = queue.getByRole('row');
  // Detection runs after the import: the queue fills in when it finishes.
  await expect(rows).toHaveCount(6, { timeout: 90_000 });
  await expect(rows.first()).toContainText('Credential stuffing from 131.233.55.242');
  await expect(rows.first()).toContainText('critical');
  await expect(queue).toContainText('Possible compromise after failed logins from 160.192.123.213');
  await expect(queue).toContainText('Password spraying from 147.177.109.152');
  await expect(queue).toContainText('Scanning / reconnaissance from 145.57.18.110');
  await expect(queue).toContainText('Error burst on sensitive paths from 57.14.149.103');

  // Filters narrow the queue.
  await page.getByLabel('Filter by category').selectOption('scanner');
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Filter by category').selectOption('');
  await expect(rows).toHaveCount(6);

  // Keyboard: j moves, Enter opens, Esc goes back.
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
