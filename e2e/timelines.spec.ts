import { join } from 'node:path';
import { writeScenario } from '../src-main/engine/scenario';
import { expect, test } from './fixtures';

test('timelines show every detector with thresholds, and a brushed interval lists its events', async ({ page, workDir }) => {
  const scenario = writeScenario(join(workDir, 'scenario'), { seed: 5, days: 2 });
  await page.getByLabel('Case name').fill('timelines');
  await page.getByRole('button', { name: 'Create case' }).click();
  for (const file of [scenario.authLog, scenario.accessLog]) {
    await page.getByLabel('Path to import').fill(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
  }
  await expect(page.locator('.job .badge').filter({ hasText: 'done' })).toHaveCount(2, { timeout: 60_000 });
  await page.getByRole('button', { name: /Timelines/ }).click();
  const chart = page.getByTestId('timeline-chart');
  // Two canvas layers: the axes and marks, and the series on a layer of their own.
  await expect(chart.locator('canvas').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Timelines' })).toContainText(/\d+ alerts · one point per/);
  const box = (await chart.boundingBox())!;
  // Drag across the top chart (the blended score) to brush an interval.
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.1, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByRole('heading', { name: /^Events / })).toBeVisible();
  await expect(page.locator('.timeline-events tr').first()).toBeVisible();
});
