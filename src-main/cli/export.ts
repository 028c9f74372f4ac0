/** `vigil export CASE --format F [--out FILE] [--label L]`: labelled incidents with their evidence, headless. */
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EXPORT_FORMATS, EXPORT_LABELS, type ExportResult } from '../../src-shared/contract-triage';
import type { BuiltPaths } from '../host/paths';
import { commandArgs } from './args';
import { HeadlessCase } from './headless';

const HELP = `Usage: vigil export CASE --format json|csv|timesketch|stix|misp [--out FILE] [--label true|benign|any|all]
  Write the case's incidents with their evidence events, entities and labels.
  --format F   json (re-importable), csv, timesketch (JSON lines), stix (STIX 2.1 bundle), misp (MISP event)
  --out FILE   where to write (default: standard output)
  --label L    incidents labelled true, benign, with any label (default), or all incidents, labelled or not
  When no incident matches, nothing is written and the command exits 1, whatever the format.
  --max-events N  evidence events per incident at most (default 100000)
`;

export async function runExport(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const args = commandArgs({ name: 'vigil export', help: HELP, out, err }, argv, {
    format: { type: 'string', short: 'f' },
    out: { type: 'string', short: 'o' },
    label: { type: 'string', default: 'any' },
    'max-events': { type: 'string', default: '100000' },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  if (positionals.length !== 1) return usage('give exactly one CASE file');
  const format = values.format as (typeof EXPORT_FORMATS)[number] | undefined;
  if (!format || !EXPORT_FORMATS.includes(format)) return usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const label = values.label as (typeof EXPORT_LABELS)[number];
  if (!EXPORT_LABELS.includes(label)) return usage(`--label must be one of ${EXPORT_LABELS.join(', ')}`);
  const maxEvents = Number(values['max-events']);
  if (!Number.isInteger(maxEvents) || maxEvents < 0) return usage('--max-events must be a whole number');
  const casePath = resolve(positionals[0]!);
  if (!existsSync(casePath)) {
    err.write(`vigil export: no case at ${casePath}\n`);
    return 2;
  }

  const h = new HeadlessCase({ version: ctx.version, rulesDir: ctx.paths.rulesDir, engineWorker: ctx.paths.engineWorker });
  try {
    await h.open(casePath);
    // A case whose last pass was cut short re-runs detection on open: export what it finds.
    await h.settle();
    const target = values.out ? resolve(values.out) : join(h.scratch, 'export.out');
    const r = await h.call<ExportResult>('triage.export', { format, label, path: target, maxEvents });
    if (values.out) {
      err.write(
        `Exported ${r.incidents} incident${r.incidents === 1 ? '' : 's'} and ${r.events} evidence event${r.events === 1 ? '' : 's'} ` +
          `to ${r.path} (${fmtBytes(r.bytes)}, ${(r.ms / 1000).toFixed(1)} s)\n`,
      );
    } else {
      await pipeline(createReadStream(r.path), out, { end: false });
    }
    return 0;
  } catch (e) {
    err.write(`vigil export: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await h.close();
  }
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}
