/**
 * The renderer's sandbox as an injected script would find it: no Node, no file system, no inline
 * code, no network beyond the host on 127.0.0.1; every violation is reported to the host.
 */
import type { Page, Request } from '@playwright/test';
import type { Bridge } from '../src-shared/bridge';
import { expect, test } from './fixtures';

/** The page's globals, as code injected into it sees them (the e2e tsconfig has no DOM types). */
type PageGlobals = Record<string, unknown> & {
  vigil?: Bridge;
  sessionStorage: { getItem(key: string): string | null };
  XMLHttpRequest: new () => { onload: () => void; onerror: () => void; responseText: string; open(m: string, u: string): void; send(): void };
};

/** The token the browser host keeps for the page (the URL loses it after loading). */
const tokenOf = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('vigil.token') ?? '');

test('security: the renderer cannot reach Node or the file system except through the contract', async ({ page }) => {
  await expect(page.getByRole('button', { name: 'Open the sample case' })).toBeVisible();
  const probe = await page.evaluate(async () => {
    const w = globalThis as unknown as PageGlobals;
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        const v = await f();
        return `allowed: ${String(v).slice(0, 40)}`;
      } catch (e) {
        return `refused: ${(e as Error).name}`;
      }
    };
    return {
      require: typeof w.require,
      process: typeof w.process,
      module: typeof w.module,
      Buffer: typeof w.Buffer,
      electron: typeof w.electron,
      bridge: Object.keys(w.vigil ?? {}).sort(),
      fetchFile: await attempt(() => fetch('file:///etc/passwd').then((r) => r.text())),
      xhrFile: await attempt(
        () =>
          new Promise((resolve, reject) => {
            const x = new w.XMLHttpRequest();
            x.onload = () => resolve(x.responseText);
            x.onerror = () => reject(new TypeError('network error'));
            x.open('GET', 'file:///etc/passwd');
            x.send();
          }),
      ),
      importNode: await attempt(() => import(/* @vite-ignore */ 'node:fs' as string)),
      fetchRemote: await attempt(() => fetch('http://example.com/').then((r) => r.status)),
      fetchOtherPort: await attempt(() => fetch('http://127.0.0.1:1/').then((r) => r.status)),
    };
  });
  expect(probe).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    Buffer: 'undefined',
    electron: 'undefined',
    bridge: ['onEvent', 'pickFiles', 'request', 'resolveDroppedFiles'],
    fetchFile: 'refused: TypeError',
    xhrFile: 'refused: TypeError',
    importNode: expect.stringMatching(/^refused/),
    fetchRemote: 'refused: TypeError',
    fetchOtherPort: 'refused: TypeError',
  });
  // The bridge itself validates: a hostile call comes back as a coded error, not a crash.
  const reply = await page.evaluate(() => (globalThis as unknown as PageGlobals).vigil!.request('cases.open', JSON.parse('{"__proto__":{"x":1},"path":7}')));
  expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  const unknownMethod = await page.evaluate(() => (globalThis as unknown as PageGlobals).vigil!.request('constructor', {}));
  expect(unknownMethod).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
});

test('security: the CSP blocks inline script and the violation is reported to the host', async ({ page }) => {
  await expect(page.getByRole('button', { name: 'Open the sample case' })).toBeVisible();
  // Plain page script (a string: this file is typed without the DOM), as an injected payload would run.
  const seen = (await page.evaluate(`(async () => {
    const violations = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective + ' ' + e.blockedURI));
    const s = document.createElement('script');
    s.textContent = 'window.__pwnedByScript = true';
    document.body.appendChild(s);
    const div = document.createElement('div');
    div.innerHTML = '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onload="window.__pwnedByHandler = true" onerror="window.__pwnedByHandler = true">';
    document.body.appendChild(div);
    const a = document.createElement('a');
    a.href = 'javascript:window.__pwnedByUrl = true';
    document.body.appendChild(a);
    a.click();
    // (eval is not tried: code Playwright injects runs with DevTools' rights, which CSP exempts.)
    await new Promise((r) => setTimeout(r, 500));
    return { ran: ['__pwnedByScript', '__pwnedByHandler', '__pwnedByUrl'].filter((k) => window[k] !== undefined), violations };
  })()`)) as { ran: string[]; violations: string[] };
  expect(seen.ran).toEqual([]);
  expect(seen.violations.some((v) => v.startsWith('script-src-elem inline'))).toBe(true);
  expect(seen.violations.some((v) => v.startsWith('script-src-attr inline'))).toBe(true);

  // The browser reports the same violations to the host, which lists them to a caller with its token.
  const token = await tokenOf(page);
  await expect
    .poll(async () => {
      const listed = await page.evaluate(async (t) => (await fetch('/csp-report', { headers: { 'X-Vigil-Token': t } })).json(), token);
      return (listed as { recent: { directive: string; blocked: string }[] }).recent.map((v) => `${v.directive} ${v.blocked}`);
    }, { timeout: 15_000 })
    .toContain('script-src-elem inline');
});

test('security: every request the workbench makes goes to the host on 127.0.0.1', async ({ page }) => {
  const requests: string[] = [];
  const record = (r: Request) => requests.push(r.url());
  page.context().on('request', record);
  page.on('websocket', (ws) => requests.push(ws.url()));
  // Route everything through interception as well: a request to anywhere else is refused and recorded.
  const refused: string[] = [];
  await page.context().route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    refused.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  await page.reload();

  // A full tour: the sample case imported and detected, an incident with its timelines and graph, every view.
  await page.getByRole('button', { name: 'Open the sample case' }).click();
  const rows = page.getByTestId('incident-queue').getByRole('row');
  await expect(rows.first()).toBeVisible({ timeout: 90_000 });
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('incident-graph')).toBeVisible();
  await page.keyboard.press('Escape');
  const views = page.getByRole('navigation', { name: 'Views' }).getByRole('button');
  const count = await views.count();
  for (let i = 0; i < count; i++) {
    await views.nth(i).click();
    await page.waitForTimeout(400);
  }

  expect(requests.length).toBeGreaterThan(5);
  const elsewhere = requests.filter((u) => {
    const url = new URL(u);
    return !(url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:');
  });
  expect(elsewhere).toEqual([]);
  expect(refused).toEqual([]);
});
