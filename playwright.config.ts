import { defineConfig } from '@playwright/test';
import type { HostOptions } from './e2e/fixtures';

export default defineConfig<HostOptions>({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: { trace: 'off', screenshot: 'only-on-failure' },
  projects: [
    // The same specs against both hosts: the browser workbench in Debian's Chromium, and the
    // Electron app wherever its binary is installed (skipped, and saying so, elsewhere).
    { name: 'browser', use: { host: 'browser' } },
    { name: 'electron', use: { host: 'electron' } },
  ],
});
