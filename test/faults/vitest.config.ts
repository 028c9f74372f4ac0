/**
 * `npm run test:faults`: the slow hardening suite (fuzzing for a time budget, killed processes,
 * bombs, floods), kept out of `npm test`. The fast hardening tests (`*.test.ts` here) run in both.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.fault.ts', 'test/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./test/temp-root.ts'],
    // Two cores shared with the rest of the machine: one file at a time keeps timings honest.
    fileParallelism: false,
  },
});
