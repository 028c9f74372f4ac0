import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { writeScenario } from '../src-main/engine/scenario/write';
import { expect, test } from './fixtures';

test('run two experiments against a scenario’s ground truth and compare them', async ({ page, workDir }) => {
  const sc = writeScenario(join(workDir, 'scenario'), { seed: 4, days: 2 });
  // Syslog stamps carry no year: the import takes it from the file's mtime, as with real logs.
  const end = new Date(sc.scenario.end);
  for (const f of [sc.authLog, sc.accessLog]) utimesSync(f, end, end);

  await page.getByLabel('Case name').fill('e2e experiments');
  await page.getByRole('button', { name: 'Create case' }).click();
  for (const path of [sc.authLog, sc.accessLog]) {
    await page.getByLabel('Path to import').fill(path);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
  }
  await expect(page.locator('.job .badge').filter({ hasText: 'done' })).toHaveCount(2, { timeout: 60_000 });

  await page.getByRole('button', { name: /Experiments/ }).click();
  const view = page.getByRole('region', { name: 'Experiments' });
  await expect(view.getByRole('note')).toContainText('ground-truth file');

  // First run: the defaults.
  await view.getByLabel('Run name').fill('defaults');
  await view.getByLabel('Ground-truth file').fill(sc.truthFile);
  await view.getByRole('button', { name: 'Run experiment' }).click();
  const patterns = page.getByRole('table', { name: 'Named pattern metrics' });
  await expect(patterns).toBeVisible({ timeout: 60_000 });
  await expect(patterns.getByRole('row', { name: /Brute force/ })).toContainText('1.000');
  for (const name of ['Brute force', 'Password spraying', 'Credential stuffing', 'Possible compromise', 'Scanning', 'Error burst']) {
    // precision, recall and F1 of every named pattern on the generated scenario
    await expect(patterns.getByRole('row', { name: new RegExp(name) }).locator('td').nth(8)).toHaveText(/^(1\.000|0\.9\d\d)$/);
  }
  await expect(page.getByRole('table', { name: 'Isolation Forest metrics' }).getByRole('row', { name: /Sessions/ })).toBeVisible();

  // Second run: a smaller forest with another seed.
  await view.getByLabel('Run name').fill('small forest');
  await view.getByLabel('Trees').fill('20');
  await view.getByLabel('Sample size').fill('64');
  await view.getByLabel('Seed').fill('3');
  await view.getByRole('button', { name: 'Run experiment' }).click();
  const runs = page.getByRole('table', { name: 'Experiment runs' });
  await expect(runs.getByRole('row')).toHaveCount(3);
  await expect(page.getByRole('region', { name: 'Run small forest' })).toBeVisible();

  await runs.getByLabel('Pick defaults for comparison').check();
  await runs.getByLabel('Pick small forest for comparison').check();
  await view.getByRole('button', { name: 'Compare' }).click();

  const metrics = page.getByRole('table', { name: 'Metrics side by side' });
  await expect(metrics).toBeVisible();
  await expect(metrics.getByRole('row', { name: /ROC-AUC/ }).first()).toBeVisible();
  // Forests that differ score differently: some metric has a winner, and it is marked.
  await expect(metrics.locator('[data-better="true"]').first()).toBeVisible();
  const params = page.getByRole('table', { name: 'Parameters that differ' });
  await expect(params.getByRole('row', { name: /Trees/ })).toContainText('100');
  await expect(params.getByRole('row', { name: /Trees/ })).toContainText('20');
  await expect(params.getByRole('row', { name: /Sample size/ })).toContainText('64');
  await expect(params.getByRole('row', { name: /Seed/ })).toContainText('3');

  // Deleting a run takes it out of the list and closes a comparison that showed it.
  await runs.getByRole('button', { name: 'Delete small forest' }).click();
  await expect(runs.getByRole('row')).toHaveCount(2);
  await expect(metrics).toBeHidden();
});
