import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA, sharedSkip } from '../test/paths';
import { expect, test } from './fixtures';

const AUTH_LOG = join(SHARED_DATA, 'elastic', 'auth.log');

test.skip(...sharedSkip([AUTH_LOG]));

test('open the graph, find an IP, expand it, see its community; export the view as PNG', async ({ page, workDir }) => {
  await page.getByLabel('Case name').fill('graph e2e');
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByLabel('Path to import').fill(AUTH_LOG);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('.job .badge')).toHaveText('done', { timeout: 60_000 });

  await page.getByRole('button', { name: /Graph/ }).click();
  const canvas = page.getByTestId('graph-canvas');
  await expect(canvas).toHaveAttribute('data-layout', 'done', { timeout: 30_000 });
  await expect(page.getByTestId('graph-count')).toContainText(/^\d+ vertices/);
  // Capped on the engine side, with an honest count of the rest.
  await page.getByLabel('Vertices shown').selectOption('100');
  await expect(page.getByTestId('graph-count')).toContainText(/^100 vertices .* \d+ more of \d+ not shown/);

  // Search shows matching entities; picking one selects it in the side panel.
  await page.getByLabel('Find entity').fill('24.151.103.17');
  const hit = page.getByRole('option', { name: /24\.151\.103\.17/ });
  await expect(hit).toBeVisible();
  await hit.click();
  const side = page.getByTestId('graph-side');
  await expect(side.locator('.graph-title')).toContainText('24.151.103.17');
  await expect(side.getByRole('heading', { name: /^Events/ })).not.toContainText('(0)');

  // Expand: its ego graph joins the view, with the users it tried.
  await side.getByRole('button', { name: /^Expand/ }).click();
  await expect(side.getByRole('button', { name: 'Expand again' })).toBeVisible();
  await expect(canvas).toHaveAttribute('data-layout', 'done');
  await expect(page.getByTestId('graph-count')).toContainText(/^\d+ vertices/);
  await expect(side.getByRole('cell', { name: 'elastic_user_0' }).first()).toBeVisible();

  // Its community, in the side panel.
  await expect(side.getByTestId('graph-community')).toContainText(/Community \d+ · \d+ members/);
  const community = (await side.getByTestId('graph-community').textContent())!.match(/Community (\d+)/)![1]!;

  // The communities tab lists it with its size and top members.
  await side.getByRole('tab', { name: 'Communities' }).click();
  const row = side.getByRole('row', { name: new RegExp(`^${community} \\d+ `) });
  await expect(row).toContainText('24.151.103.17');
  await row.getByRole('cell').first().click();
  await expect(page.getByTestId('graph-count')).toContainText(`community ${community}`);

  // PNG export of the view.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export PNG' }).click();
  const file = join(workDir, 'graph.png');
  await (await download).saveAs(file);
  expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
});
