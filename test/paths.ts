import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Third-party test data (../shared/data beside the repository); never bundled into the app. */
export const SHARED_DATA = resolve(ROOT, '..', 'shared', 'data');
export const SIGMA_SPEC = resolve(ROOT, '..', 'shared', 'reference', 'sigma-specification');
export const STIX_SCHEMAS = resolve(ROOT, '..', 'shared', 'reference', 'stix2-json-schemas');
export const hasSharedData = existsSync(SHARED_DATA);
