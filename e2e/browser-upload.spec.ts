import { expect, test } from './fixtures';

test('the browser host imports an uploaded file through the file chooser', async ({ page, host }) => {
  test.skip(host !== 'browser', 'uploads are how the browser host stands in for native dialogs');
  await page.getByLabel('Case name').fill('upload');
  await page.getByRole('button', { name: 'Create case' }).click();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files…' }).click();
  await (await chooser).setFiles({ name: 'web.log', mimeType: 'text/plain', buffer: Buffer.from('GET /index.html 200\nGET /upload-marker 404\n') });
  await expect(page.locator('.job .badge')).toHaveText('done');
  await page.getByRole('button', { name: /Events/ }).click();
  await page.getByLabel('Search events').fill('upload-marker');
  await expect(page.getByTestId('events-count')).toHaveText('1 match');
});
