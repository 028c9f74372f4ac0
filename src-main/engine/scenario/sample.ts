/**
 * The sample case bundled with Vigil (resources/samples/sample-case.tar.gz): one generated day of
 * a small company's auth.log and web access log with benign staff and crawlers, and one of each
 * attack: brute force ending in a login, password spraying, credential stuffing, a scanner, an
 * error burst and a compromise. Written by our own generator, no third-party data. Auth lines
 * carry ISO timestamps with the year, so the sample lands on the same dates whenever it is opened.
 *
 * Regenerate with: npx tsx src-main/engine/scenario/sample.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { generateScenario, type Scenario } from './generate';

export const SAMPLE_SEED = 7;
export const SAMPLE_RELATIVE_PATH = 'resources/samples/sample-case.tar.gz';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function sampleScenario(): Scenario {
  return generateScenario({ seed: SAMPLE_SEED, days: 1, attacksPerPattern: 1 });
}

/** `Mar  4 00:07:00 host ...` becomes `2024-03-04T00:07:00+00:00 host ...` (the year from the scenario). */
export function withIsoTimestamp(line: string, year: number): string {
  const m = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}) /.exec(line);
  if (!m) return line;
  const month = MONTHS.indexOf(m[1]!) + 1;
  if (month === 0) return line;
  return `${year}-${String(month).padStart(2, '0')}-${m[2]!.padStart(2, '0')}T${m[3]}+00:00 ${line.slice(m[0].length)}`;
}

export async function sampleArchive(): Promise<{ bytes: Buffer; scenario: Scenario }> {
  const sc = sampleScenario();
  const year = new Date(sc.start).getUTCFullYear();
  const auth = sc.authLines.map((l) => withIsoTimestamp(l, year)).join('\n') + '\n';
  const access = sc.accessLines.join('\n') + '\n';
  const tar = pack();
  const mtime = new Date(sc.end);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    tar.on('data', (c: unknown) => void chunks.push(c as Buffer));
    tar.on('end', () => res());
    tar.on('error', rej);
  });
  tar.entry({ name: 'sample/auth.log', mtime, mode: 0o644 }, auth);
  tar.entry({ name: 'sample/access.log', mtime, mode: 0o644 }, access);
  tar.finalize();
  await done;
  return { bytes: gzipSync(Buffer.concat(chunks), { level: 9 }), scenario: sc };
}

export async function writeSampleArchive(path: string): Promise<Scenario> {
  const { bytes, scenario } = await sampleArchive();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return scenario;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const target = resolve(root, SAMPLE_RELATIVE_PATH);
  const sc = await writeSampleArchive(target);
  process.stdout.write(
    `wrote ${target}: ${sc.authLines.length} auth + ${sc.accessLines.length} access lines, ${sc.truth.length} planted attacks\n`,
  );
}
