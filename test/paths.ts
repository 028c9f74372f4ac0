import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Third-party test data (../shared/data beside the repository); never bundled into the app. */
export const SHARED_DATA = resolve(ROOT, '..', 'shared', 'data');
export const SIGMA_SPEC = resolve(ROOT, '..', 'shared', 'reference', 'sigma-specification');
export const STIX_SCHEMAS = resolve(ROOT, '..', 'shared', 'reference', 'stix2-json-schemas');
export const hasSharedData = existsSync(SHARED_DATA);

/**
 * Why a test cannot use these paths (third-party data missing beside this clone), or null when
 * they all exist. Where the data must be there, CI sets VIGIL_REQUIRE_SHARED=1 and the tests fail
 * instead of skipping (test/shared-data.ts for vitest; `sharedSkip` for Playwright).
 */
export function missingShared(paths: readonly string[]): string | null {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return null;
  return `needs ${missing.map((p) => relative(ROOT, p)).join(', ')} (third-party test data, not found beside this clone)`;
}

/** For Playwright's test.skip(): skip where the data is missing, unless it is required. */
export function sharedSkip(paths: readonly string[]): [boolean, string] {
  const why = missingShared(paths);
  return [why !== null && !process.env.VIGIL_REQUIRE_SHARED, why ?? ''];
}
