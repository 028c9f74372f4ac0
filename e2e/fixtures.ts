/**
 * One driver for both hosts: a `page` showing the workbench, whichever host serves it. Specs use
 * only `page` and `workDir`, so they run unchanged against the browser and the Electron host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, chromium, test as base, type Page, type TestInfo } from '@playwright/test';
// @ts-expect-error: a plain .mjs helper shared with scripts/start.mjs
import { electronBinary } from '../scripts/electron-binary.mjs';

export interface HostOptions {
  host: 'browser' | 'electron';
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-20_000)));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`vigil serve did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /workbench: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    child.once('exit', (code) => rej(new Error(`vigil serve exited with ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

/**
 * A failed test says what the analyst saw and what the host said: the page's text and the tail of
 * the host's stderr go to the run's output, where a CI log shows them without the report folder.
 */
async function tellFailure(page: Page, hostErr: string, testInfo: TestInfo): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus) return;
  const text = await page
    .locator('body')
    .innerText({ timeout: 2_000 })
    .catch((e: unknown) => `(the page could not be read: ${e instanceof Error ? e.message : String(e)})`);
  const clip = (s: string) => (s.length > 3_000 ? `…${s.slice(-3_000)}` : s);
  console.log(`[e2e] ${testInfo.title} failed; the page read:\n${clip(text)}\n[e2e] the host's stderr:\n${clip(hostErr) || '(nothing)'}`);
}

export const test = base.extend<HostOptions & { workDir: string; page: Page }>({
  host: ['browser', { option: true }],
  // eslint-disable-next-line no-empty-pattern
  workDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
  page: async ({ host, workDir }, use, testInfo) => {
    const dataDir = join(workDir, 'data');
    if (host === 'electron') {
      const exe = electronBinary() as string | null;
      testInfo.skip(!exe, 'SKIPPED: the Electron binary is not installed on this machine (it cannot be downloaded here); the browser project covers the same spec.');
      const app = await _electron.launch({ executablePath: exe!, args: [ROOT], env: { ...process.env, VIGIL_DATA_DIR: dataDir } as Record<string, string> });
      const page = await app.firstWindow();
      await use(page);
      await tellFailure(page, '', testInfo);
      await app.close();
      return;
    }
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set VIGIL_CHROMIUM`);
    const { child, url, stderr } = await startServe(dataDir);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await use(page);
    await tellFailure(page, stderr(), testInfo);
    await browser.close();
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  },
});

export const expect = test.expect;
