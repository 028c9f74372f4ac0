/**
 * `vigil parse FILE [--format ...] [--mapping FILE] --jsonl`: one normalized event per input line,
 * on the same parsers, miner and entity extractor as an import. `-` reads standard input.
 */
import { createReadStream, statSync } from 'node:fs';
import { LineSplitter } from '../engine/parse/lines';
import { loadMappingFile, sniffFormat, type LogFormat } from '../engine/parse/sniff';
import { SourceNormalizer, newDrain, type FormatChoice } from '../engine/pipeline/normalize';
import { FORMAT_CHOICES } from '../../src-shared/formats';
import { commandArgs } from './args';

/** `syslog` is the command line's own: either syslog format, as the sniffer finds. */
const FORMATS = [...FORMAT_CHOICES, 'syslog'] as const;
const HEAD_LINES = 50;

const HELP = `Usage: vigil parse FILE [--format FORMAT] [--mapping FILE] [--tz MINUTES] [--jsonl]
  Print one normalized event per input line (JSON lines), with its template, on the same parsers,
  template miner and entity extraction as an import. FILE '-' reads standard input.
  --format FORMAT   ${FORMATS.join(', ')} (default auto: sniffed from the first lines)
  --mapping FILE    field mapping for JSON lines (which keys are the time, host, message, ...)
  --tz MINUTES      zone of times written without one, in minutes east of UTC (default 0)
  --jsonl           JSON lines output (the default and only output)
  -h, --help        this help
`;

export async function runParse(argv: string[]): Promise<number> {
  const args = commandArgs({ name: 'vigil parse', help: HELP, out: process.stdout, err: process.stderr }, argv, {
    format: { type: 'string', default: 'auto' },
    mapping: { type: 'string' },
    jsonl: { type: 'boolean', default: true },
    tz: { type: 'string', default: '0' },
  });
  if (typeof args === 'number') return args;
  const { values, positionals, usage } = args;
  const file = positionals[0];
  if (!file || positionals.length > 1) return usage(file ? 'give exactly one FILE' : 'give a FILE (or - for standard input)');
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) {
    process.stderr.write(`vigil parse: unknown format '${values.format}'; use one of ${FORMATS.join(', ')}\n`);
    return 2;
  }
  const tz = Number(values.tz);
  if (!Number.isInteger(tz) || Math.abs(tz) > 14 * 60) {
    process.stderr.write('vigil parse: --tz takes minutes east of UTC, e.g. 60 or -300\n');
    return 2;
  }
  const jsonMapping = values.mapping ? loadMappingFile(values.mapping) : undefined;
  let referenceTime = Date.now();
  if (file !== '-') {
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a regular file');
      referenceTime = st.mtimeMs;
    } catch (err) {
      process.stderr.write(`vigil parse: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  // A reader that stops early (| head) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const input = file === '-' ? process.stdin : createReadStream(file);
  const drain = newDrain();
  const splitter = new LineSplitter();
  let normalizer: SourceNormalizer | null = null;
  let head: string[] = [];
  let out = '';

  const emit = (line: string) => {
    const n = normalizer!.line(line);
    out += JSON.stringify({ ...n.event, template: n.template }) + '\n';
  };
  const open = () => {
    normalizer = new SourceNormalizer(drain, { name: file, format: resolveFormat(format, head, file), head, referenceTime, tzOffsetMinutes: tz, ...(jsonMapping ? { jsonMapping } : {}) });
    for (const h of head) emit(h);
    head = [];
  };
  const take = (text: string) => {
    if (normalizer) emit(text);
    else {
      head.push(text);
      if (head.length >= HEAD_LINES) open();
    }
  };
  const flush = async () => {
    if (out.length === 0) return;
    const chunk = out;
    out = '';
    if (!process.stdout.write(chunk)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    for (const line of splitter.feed(chunk)) take(line.text);
    await flush();
  }
  for (const line of splitter.end()) take(line.text);
  if (!normalizer && head.length > 0) open();
  await flush();
  return 0;
}

/** `syslog` lets the sniffer choose between the two syslog formats; other names are taken as given. */
function resolveFormat(format: (typeof FORMATS)[number], head: string[], name: string): FormatChoice {
  if (format !== 'syslog') return format as FormatChoice;
  const sniffed: LogFormat = sniffFormat(head, name);
  return sniffed === 'syslog5424' ? 'syslog5424' : 'syslog3164';
}
