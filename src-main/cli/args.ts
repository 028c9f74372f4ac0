/** What every `vigil` subcommand does with its arguments first: parse them, answer --help, say usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandIo {
  /** The command as the user typed it, e.g. `vigil label`. */
  name: string;
  help: string;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>>;

export interface CommandArgs<O extends Options> {
  values: Parsed<O>['values'];
  positionals: string[];
  /** Say a usage error (with the help) and give the exit status for it. */
  usage(msg: string): number;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * The parsed arguments, or the exit status when the command ends here: 0 after printing the help,
 * 2 after a usage error (with the help). `usage(msg)` says a later usage error the same way.
 */
export function commandArgs<const O extends Options>(io: CommandIo, argv: string[], options: O): CommandArgs<O> | number {
  const usage = (msg: string): number => {
    io.err.write(`${io.name}: ${msg}\n\n${io.help}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, ...HELP_OPTION } });
  } catch (e) {
    return usage((e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out.write(io.help);
    return 0;
  }
  return { values: parsed.values as Parsed<O>['values'], positionals: parsed.positionals, usage };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A length of time as typed: `90s`, `10m`, `2h`, `500ms` (a bare number is seconds); null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}
