/**
 * Suites that read third-party data from ../shared (never shipped, absent from a user's clone).
 * Where the data is missing the suite is skipped with one test whose title says what is missing;
 * where it must be there (CI sets VIGIL_REQUIRE_SHARED=1 when ../shared sits beside the clone)
 * that test fails instead, so no suite goes quiet unnoticed.
 */
import { describe, it } from 'vitest';
import { missingShared } from './paths';

/** describe(), run only when every path exists; the body is not even collected otherwise. */
export function describeShared(name: string, paths: readonly string[], body: () => void): void {
  const why = missingShared(paths);
  if (why === null) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    if (process.env.VIGIL_REQUIRE_SHARED) {
      it(why, () => {
        throw new Error(`${why}, and VIGIL_REQUIRE_SHARED is set`);
      });
    } else it.skip(`skipped: ${why}`, () => {});
  });
}

/** it(), run only when every path exists; skipped (or failing, where required) as above. */
export function itShared(name: string, paths: readonly string[], body: () => unknown, timeout?: number): void {
  const why = missingShared(paths);
  if (why === null) it(name, body, timeout);
  else if (process.env.VIGIL_REQUIRE_SHARED)
    it(`${name}: ${why}`, () => {
      throw new Error(`${why}, and VIGIL_REQUIRE_SHARED is set`);
    });
  else it.skip(`${name} (skipped: ${why})`, () => {});
}
