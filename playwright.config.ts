import { defineConfig } from '@playwright/test';
import type { HostOptions } from './e2e/fixtures';

export default defineConfig<HostOptions>({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  // CI machines are shared and noisy: a test that fails once gets one more run there, and the
  // summary of `npm test` counts it as flaky by name. Locally a failure is a failure.
  retries: process.env.CI ? 1 : 0,
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
