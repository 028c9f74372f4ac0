import { join } from 'node:path';
import { SHARED_DATA, sharedSkip } from '../test/paths';
import { expect, test } from './fixtures';

const AUTH_LOG = join(SHARED_DATA, 'elastic', 'auth.log');
const BRUTE_FORCE = '72496425-0dde-47e7-832a-0379da885e5d';
const BRUTE_TITLE = 'Brute Force Against One Account';

test.skip(...sharedSkip([AUTH_LOG]));

test('rules: bundled pack, hits after an import, matches with title and author, a rule switched off', async ({ page }) => {
  await page.getByLabel('Case name').fill('rules e2e');
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByLabel('Path to import').fill(AUTH_LOG);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('.job .badge')).toHaveText('done', { timeout: 60_000 });

  await page.getByRole('button', { name: /Rules/ }).click();
  const rules = page.getByRole('region', { name: 'Rules' });
  await expect(rules).toBeVisible();
  const bundled = page.getByTestId('rule-pack').filter({ hasText: 'Bundled rules' });
  await expect(bundled).toBeVisible();
  await expect(bundled).toContainText('correlations');
  await expect(rules.getByText('No pack imported yet')).toBeVisible();

  // Detection may still be finishing: the view refreshes when it does.
  const row = page.locator(`tr[data-rule-id="${BRUTE_FORCE}"]`);
  await expect(row.getByTestId('rule-hits')).toHaveText(/^[1-9][\d,]*$/, { timeout: 60_000 });
  await expect(row).toContainText('T1110.001');
  await expect(bundled.getByTestId('pack-hits')).not.toHaveText('0 hits');

  // Search narrows the table; the keyboard opens a rule.
  await page.getByLabel('Search rules').fill('brute force against');
  await expect(page.getByTestId('rules-count')).toHaveText('1 rule');
  await page.getByLabel('Search rules').press('ArrowDown');
  await expect(row).toBeFocused();
  await page.keyboard.press('Enter');

  const detail = page.getByRole('complementary', { name: 'Rule detail' });
  await expect(detail.getByRole('heading', { name: BRUTE_TITLE })).toBeVisible();
  const attribution = detail.getByTestId('rule-attribution');
  await expect(attribution).toContainText(BRUTE_TITLE);
  await expect(attribution).toContainText('Vigil');
  const firstMatch = detail.getByTestId('rule-match').first();
  await expect(firstMatch).toBeVisible();
  await expect(firstMatch).toContainText('event count');
  await expect(firstMatch.locator('.rules-evidence li').first()).toContainText('sshd');

  // Switch it off: it shows as off, and after a re-run it has no hits.
  const toggle = row.getByRole('switch', { name: `Enabled: ${BRUTE_TITLE}` });
  await expect(toggle).toBeChecked();
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect(bundled).toContainText('1 off');
  await page.getByRole('button', { name: 'Re-run detection now' }).click();
  await expect(row.getByTestId('rule-hits')).toHaveText('0', { timeout: 60_000 });
  await expect(detail.getByText('This rule is switched off')).toBeVisible();

  await page.getByLabel('Search rules').fill('');
  await page.getByLabel('Filter by state').selectOption('off');
  await expect(page.getByTestId('rules-count')).toHaveText('1 rule');
});

test('rules: importing a missing pack path says so', async ({ page, workDir }) => {
  await page.getByLabel('Case name').fill('rules errors');
  await page.getByRole('button', { name: 'Create case' }).click();
  await page.getByRole('button', { name: /Rules/ }).click();
  await page.getByLabel('Rule pack path').fill(join(workDir, 'no-such-pack'));
  await page.getByRole('button', { name: 'Import pack' }).click();
  await expect(page.locator('.statusbar')).toContainText('does not exist');
});
