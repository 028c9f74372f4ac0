/** `vigil export CASE --format F [--out FILE] [--label L]`: labelled incidents with their evidence, headless. */
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, EXPORT_LABELS, type ExportResult } from '../../src-shared/contract-triage';
import type { DetectionRun } from '../../src-shared/dto';
import type { Envelope } from '../../src-shared/envelope';
import { InProcessEngineLink } from '../engine/link';
import type { BuiltPaths } from '../host/paths';

const HELP = `Usage: vigil export CASE --format json|csv|timesketch|stix|misp [--out FILE] [--label true|benign|any]
  Write the case's labelled incidents with their evidence events, entities and labels.
  --format F   json (re-importable), csv, timesketch (JSON lines), stix (STIX 2.1 bundle), misp (MISP event)
  --out FILE   where to write (default: standard output)
  --label L    only incidents labelled true, benign, or any label (default any)
  --max-events N  evidence events per incident at most (default 100000)
`;

export async function runExport(
  argv: string[],
  ctx: { paths: BuiltPaths; version: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        out: { type: 'string', short: 'o' },
        label: { type: 'string', default: 'any' },
        'max-events': { type: 'string', default: '100000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err.write(`vigil export: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  const usage = (msg: string) => {
    err.write(`vigil export: ${msg}\n\n${HELP}`);
    return 2;
  };
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

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
  const link = new InProcessEngineLink({ dataDir, version: ctx.version, rulesDir: ctx.paths.rulesDir });
  try {
    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const reply = (await link.request(method, input)) as Envelope<T>;
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value;
    };
    // A case whose last pass was cut short re-runs detection on open: export what it finds.
    const finished = new Promise<void>((done) => {
      const off = link.onEvent((name, payload) => {
        if (name === 'detect.finished' && (payload as DetectionRun).scope === 'all') {
          off();
          done();
        }
      });
    });
    await call('cases.open', { path: casePath });
    const runs = await call<DetectionRun[]>('detect.listRuns', {});
    if (runs.some((r) => r.status === 'running')) await finished;

    const target = values.out ? resolve(values.out) : join(dataDir, 'export.out');
    const r = await call<ExportResult>('triage.export', { format, label, path: target, maxEvents });
    if (values.out) {
      err.write(
        `Exported ${r.incidents} incident${r.incidents === 1 ? '' : 's'} and ${r.events} evidence event${r.events === 1 ? '' : 's'} ` +
          `to ${r.path} (${fmtBytes(r.bytes)}, ${(r.ms / 1000).toFixed(1)} s)\n`,
      );
    } else {
      await pipeline(createReadStream(r.path), out, { end: false });
    }
    if (r.incidents === 0) err.write(`vigil export: no incident of this case is labelled${label === 'any' ? '' : ` ${label}`}\n`);
    return 0;
  } catch (e) {
    err.write(`vigil export: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await link.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}
