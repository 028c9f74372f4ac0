import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

test.setTimeout(240_000);

test('triage: bulk labels with undo; a benign label suppresses its incident after a re-run; export, download and merge back', async ({ page }) => {
  await page.getByRole('button', { name: 'Open the sample case' }).click();
  const queue = page.getByTestId('incident-queue');
  const rows = queue.getByRole('row');
  await expect(rows).toHaveCount(7, { timeout: 90_000 });
  // Who labels: the history and exports carry the name.
  await page.getByRole('tab', { name: 'Label history' }).click();
  await page.getByLabel('Analyst name').fill('ana');
  await page.getByRole('tab', { name: 'Queue' }).click();

  // Bulk: select two incidents (checkbox, then x on the next), label them true at once.
  await rows.nth(0).getByRole('checkbox').check();
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  const bulk = page.getByTestId('triage-bulk');
  await expect(bulk).toContainText('2 selected');
  await bulk.getByRole('button', { name: 'True incident' }).click();
  await expect(page.getByTestId('triage-notice')).toContainText('Labelled true incident: 2 incidents');
  await expect(rows.nth(0)).toContainText('true');
  await expect(rows.nth(1)).toContainText('true');
  await expect(page.getByLabel('Filter by label')).toContainText('true incident (2)');

  // Undo takes both back.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('triage-notice')).toContainText('Undone');
  await expect(page.getByLabel('Filter by label')).toContainText('true incident (0)');

  // Open the scanner, label it benign with a note.
  const scanner = 'Scanning / reconnaissance from 145.57.18.110';
  await rows.filter({ hasText: scanner }).dblclick();
  await expect(page.getByRole('heading', { name: scanner })).toBeVisible();
  await page.getByLabel('Note').fill('our weekly vulnerability scan');
  await page.getByRole('button', { name: 'Benign' }).click();
  await expect(page.getByRole('button', { name: 'Benign' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('triage-notice')).toContainText('tuning');
  await expect(page.getByTestId('incident-tunings')).toContainText('ip:145.57.18.110');
  await page.getByText('Label history (1)').click();
  await expect(page.getByTestId('incident-label-history')).toContainText('ana: no label → benign · “our weekly vulnerability scan”');

  // The true incident is labelled with t from the detail of the top incident.
  await page.keyboard.press('Escape');
  await expect(rows).toHaveCount(7);
  await page.keyboard.press('Home');
  await page.keyboard.press('t');
  await expect(rows.nth(0)).toContainText('true');

  // Re-run: the benign scanner drops out of the queue; the tuning tab says why.
  await page.getByTestId('triage-notice').getByRole('button', { name: 'Re-run detection' }).click();
  await expect(page.getByTestId('triage-notice')).toContainText('Detection re-ran', { timeout: 90_000 });
  await expect(rows).toHaveCount(6);
  await expect(queue).not.toContainText(scanner);
  await page.getByRole('tab', { name: /Tuning & suppressed/ }).click();
  const suppressed = page.getByTestId('suppressed-table');
  await expect(suppressed).toContainText(scanner);
  await expect(suppressed).toContainText('ip:145.57.18.110');
  await expect(suppressed).toContainText('benign');
  await expect(page.getByTestId('tuning-table')).toContainText('our');

  // Export JSON: the file is written under the data folder and offered for download.
  await page.getByRole('tab', { name: 'Export & merge' }).click();
  await page.getByLabel('Export format').selectOption('json');
  await page.getByRole('button', { name: 'Export' }).click();
  const result = page.getByTestId('export-result');
  // The suppressed benign scanner is still labelled, so it is exported too.
  await expect(result).toContainText('Wrote 2 incidents');
  const path = (await result.locator('.mono').textContent())!;
  const href = (await result.getByRole('link', { name: 'Download' }).getAttribute('href'))!;
  const download = await page.request.get(new URL(href, page.url()).toString());
  expect(download.ok()).toBe(true);
  const doc = (await download.json()) as { incidents: { title: string; label: string; note: string | null; suppressed: boolean; events: unknown[] }[] };
  expect(doc.incidents.map((i) => [i.label, i.suppressed])).toEqual([
    ['true', false],
    ['benign', true],
  ]);
  expect(doc.incidents[1]).toMatchObject({ title: scanner, note: 'our weekly vulnerability scan' });
  for (const i of doc.incidents) expect(i.events.length).toBeGreaterThan(0);
  expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(doc);
  // Without the token the host refuses it.
  const anonymous = new URL(href, page.url());
  anonymous.searchParams.delete('token');
  expect((await page.request.get(anonymous.toString())).status()).toBe(401);

  // STIX too.
  await page.getByLabel('Export format').selectOption('stix');
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(result).toContainText('.stix.json');

  // A copy without that label (undone here): merging the export brings it back and says so.
  await page.getByRole('tab', { name: 'Queue' }).click();
  await page.keyboard.press('Control+z');
  await expect(page.getByLabel('Filter by label')).toContainText('true incident (0)');
  await page.getByRole('tab', { name: 'Export & merge' }).click();
  await page.getByLabel('Labels file').fill(path);
  await page.getByRole('button', { name: 'Merge labels' }).click();
  await expect(page.getByTestId('merge-report')).toContainText('1 applied');
  await expect(page.getByTestId('merge-report')).toContainText('took theirs (newer)');
  await page.getByRole('tab', { name: 'Label history' }).click();
  await expect(page.getByTestId('label-history')).toContainText('merged');
  await page.getByRole('tab', { name: 'Queue' }).click();
  await expect(page.getByLabel('Filter by label')).toContainText('true incident (1)');

  // Changing our mind: the scanner is not benign after all; after a re-run it is back in the queue.
  await page.getByRole('tab', { name: /Tuning & suppressed/ }).click();
  await suppressed.getByRole('button', { name: 'Not benign' }).click();
  await expect(page.getByTestId('tuning-table')).toHaveCount(0);
  await page.getByTestId('triage-notice').getByRole('button', { name: 'Re-run detection' }).click();
  await expect(page.getByTestId('triage-notice')).toContainText('Detection re-ran', { timeout: 90_000 });
  await expect(page.getByText('No incident is suppressed')).toBeVisible();
  await page.getByRole('tab', { name: 'Queue' }).click();
  await expect(rows).toHaveCount(7);
  await expect(queue).toContainText(scanner);
});
