/** The `vigil` command. Each subcommand is a small module; this file only routes. */
import { builtPaths, readVersion } from '../host/paths';
import { runAnalyze } from './analyze';
import { runCollect } from './collect';
import { runEval } from './eval';
import { runExport } from './export';
import { runLabel } from './label';
import { runParse } from './parse';
import { runRules } from './rules';
import { runSearch } from './search';
import { runServe } from './serve';

const paths = builtPaths(import.meta.url);
const version = readVersion(paths.appRoot);

const HELP = `vigil ${version} — offline log triage workbench

Usage:
  vigil serve [--port N] [--host ADDR] [--case FILE] [--data-dir DIR] [--max-upload SIZE] [--open]
      Run the browser workbench on http://127.0.0.1 with a random access token.
  vigil parse FILE [--format auto|raw|syslog|syslog5424|auth|access|jsonl] [--mapping FILE] --jsonl
      Print one normalized event per input line (JSON lines), with its template.
  vigil collect --case FILE [--udp HOST:PORT] [--tcp HOST:PORT] [--tls HOST:PORT --tls-cert F --tls-key F] [--tail GLOB]
      Run the syslog collector headless into a case; Ctrl+C stops it and prints a summary.
  vigil analyze PATH... [--json] [--case FILE]
      Import logs into a case, run every detector and print the incident queue (or JSON).
  vigil label CASE INCIDENT true|benign|clear [--note TEXT] [--author NAME] | vigil label CASE --undo
      Label an incident as the workbench does (benign labels tune detection; undoable).
  vigil rules check DIR|ZIP|FILE [--json]
      Load a Sigma rule pack and report every rule that loads or fails, and why.
  vigil eval [...]
      Evaluate the behaviour models against labelled data (see vigil eval --help).
  vigil export CASE --format json|csv|timesketch|stix|misp [--out FILE] [--label true|benign|any|all]
      Write a case's labelled (or all) incidents with their evidence events, entities and labels.
  vigil search CASE QUERY [--count] [--jsonl] [--from T --to T] [--order time|file]
      Search a case's events with the Events query language (see vigil search --help).
  vigil --help | --version

Environment:
  VIGIL_DATA_DIR   where recent cases, uploads and new cases are kept
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case '-v':
    case '--version':
      process.stdout.write(`${version}\n`);
      return 0;
    case 'serve':
      return runServe(rest, { paths, version });
    case 'analyze':
      return runAnalyze(rest, { paths, version });
    case 'collect':
      return runCollect(rest, { paths, version });
    case 'parse':
      return runParse(rest);
    case 'rules':
      return runRules(rest, { paths, version });
    case 'eval':
      return runEval(rest, { paths, version });
    case 'export':
      return runExport(rest, { paths, version });
    case 'label':
      return runLabel(rest, { paths, version });
    case 'search':
      return runSearch(rest);
    default:
      process.stderr.write(`vigil: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vigil: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
