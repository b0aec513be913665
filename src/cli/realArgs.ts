import { UsageError } from './args.js';

export const REAL_USAGE = `Usage: coordinator-sim real <scenario.json> (--database URL | --sqlite FILE) [options]
       (in this repository: npm run simulate -- real <scenario.json> ...)

Runs a scenario on a real cluster: one Node process per server, on a real database, its faults real
(crash SIGKILL, pause SIGSTOP, resume SIGCONT, stop SIGTERM, restart a new process, cutOff
pg_terminate_backend, setClock the server's clock), every time scaled; then checks the invariants on the
history and prints a summary. An action with no real counterpart is refused before anything starts.

Options:
  --database URL    PostgreSQL, for example postgres://postgres@127.0.0.1:5432/test; the run works in a
                    schema of its own, dropped at the end
  --sqlite FILE     a SQLite file instead (a new one: it is kept); no pause or cutOff on it
  --scale F         multiply every time of the scenario by F (default 0.1: a 15 s timeout becomes 1.5 s)
  --json            print the report as JSON (the simulation's report, with a "real" part)
  --history FILE    also write the cluster's history, one JSON line per entry, to FILE
  --history-file FILE
                    also write a self-contained history file (JSON: version, settings, the trace, the
                    checkers' verdicts) that the playground opens read-only ("Open a real run…")
  -h, --help        show this help

Exit status: 0 every invariant passed (or was skipped), 1 an invariant failed,
2 bad arguments, a bad scenario file, an action that cannot map or a database it cannot use,
3 the run itself failed (or an unexpected error).`;

export interface RealCliOptions {
  scenarioPath: string;
  database: { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };
  scale: number;
  json: boolean;
  historyPath?: string | undefined;
  historyFilePath?: string | undefined;
}

const WITH_VALUE = new Set(['--database', '--sqlite', '--scale', '--history', '--history-file']);
const SWITCHES = new Set(['--json', '--help', '-h']);

/** Reads `real`'s command line (after the word `real`); throws UsageError with a one-line message. */
export function parseRealArgs(argv: readonly string[]): { help: true } | ({ help: false } & RealCliOptions) {
  const values = new Map<string, string>();
  const seen = new Set<string>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    if (!WITH_VALUE.has(name) && !SWITCHES.has(name))
      throw new UsageError(`unknown flag ${name} (see real --help)`);
    if (name === '--help' || name === '-h') return { help: true };
    if (seen.has(name)) throw new UsageError(`${name} is given twice`);
    seen.add(name);
    if (SWITCHES.has(name)) continue;
    const value = equals > 0 ? arg.slice(equals + 1) : argv[++index];
    if (value === undefined || value === '' || (equals < 0 && value.startsWith('--'))) {
      throw new UsageError(`${name} needs a value (see real --help)`);
    }
    values.set(name, value);
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0
        ? 'missing the scenario file: coordinator-sim real <scenario.json> (see real --help)'
        : `one scenario file at a time, got ${positional.length}: ${positional.join(' ')}`,
    );
  }
  const url = values.get('--database');
  const sqlite = values.get('--sqlite');
  if ((url === undefined) === (sqlite === undefined)) {
    throw new UsageError('give one database: --database postgres://... or --sqlite FILE');
  }
  const scaleText = values.get('--scale') ?? '0.1';
  const scale = /^\d+(\.\d+)?$/.test(scaleText) ? Number(scaleText) : Number.NaN;
  if (!(scale > 0 && scale <= 10)) {
    throw new UsageError(
      `--scale: expected a number above 0 and at most 10, got ${JSON.stringify(scaleText)}`,
    );
  }
  return {
    help: false,
    scenarioPath: positional[0]!,
    database: url !== undefined ? { kind: 'postgres', url } : { kind: 'sqlite', path: sqlite! },
    scale,
    json: seen.has('--json'),
    ...(values.has('--history') && { historyPath: values.get('--history') }),
    ...(values.has('--history-file') && { historyFilePath: values.get('--history-file') }),
  };
}
