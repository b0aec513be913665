import { MAX_DURATION_MS, SEED_MAX, SEED_MIN } from '../scenario/schema.js';

export const USAGE = `Usage: coordinator-sim <scenario.json> [options]
       (in this repository: npm run simulate -- <scenario.json> [options])
       coordinator-sim real <scenario.json> ...   (on a real cluster: see coordinator-sim real --help)

Runs a scenario in the deterministic simulation, checks the invariants and prints a summary.

Options:
  --seed N          seed for this run instead of the scenario's own (a whole number)
  --until T         stop the scenario at T instead of its durationMs: 90s, 10m, 1h, 1500ms or ms
  --no-heal         end right there, without the liveness phase that heals every fault first
                    (invariant I2, nothing lost, is then skipped)
  --json            print the report as JSON instead of text: { schemaVersion, scenario, seed, summary,
                    invariants, wall }, described by schemas/simulation-report.schema.json; all but
                    wall (the wall-clock figures) is the same on every run of one scenario and seed
  --output FILE     write the report (text, or JSON with --json) to FILE instead of stdout
  --trace FILE      also write the full trace, one entry per line, as JSON to FILE
  --history FILE    also write a Jepsen-style history (invoke/ok/fail/info operations) as EDN to FILE
  --max-events N    stop with exit 4 once the trace holds more than N entries (default: derived from
                    the scenario's size, see "Limits" in the README)
  --max-wall T      stop with exit 4 after T of wall time: 60s, 10m, 1h (default: no limit)
  --debug           print the stack of an unexpected error, not only its message
  -h, --help        show this help
  --version         print the version of coordinator-sim

Exit status: 0 every invariant passed (or was skipped), 1 an invariant failed,
2 bad arguments or a bad scenario file (or an output file that cannot be written),
3 the simulation itself failed (or an unexpected error),
4 the run went over its budget (--max-events, --max-wall).`;

export interface CliOptions {
  scenarioPath: string;
  seed?: number | undefined;
  untilMs?: number | undefined;
  heal: boolean;
  json: boolean;
  /** Where the report goes instead of stdout. */
  outputPath?: string | undefined;
  tracePath?: string | undefined;
  historyPath?: string | undefined;
  maxEvents?: number | undefined;
  maxWallMs?: number | undefined;
  /** Unexpected errors are printed with their stack. */
  debug?: boolean | undefined;
}

export type ParsedArgs =
  { help: true } | { help: false; version: true } | ({ help: false; version?: false } & CliOptions);

/** A command line that cannot run; the message is one line, fit to print as is. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `90s`, `10m`, `1h`, `1500ms`, `1.5s` or a plain number of ms, as whole ms from 1 to 7 days. */
export function parseDuration(text: string, flag = '--until'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const problem = `${flag}: expected a duration such as 90s, 10m, 1h, 1500ms or a number of ms, got ${JSON.stringify(text)}`;
  if (!match) throw new UsageError(problem);
  const ms = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  if (!Number.isInteger(ms))
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a whole number of ms`);
  if (ms < 1 || ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag}: expected from 1 ms to 7 days, got ${JSON.stringify(text)}`);
  }
  return ms;
}

/** The most `--max-events` takes: a trace longer than this would not fit in memory anyway. */
const MAX_EVENTS_FLAG = 1_000_000_000;

export function parseMaxEvents(text: string): number {
  const count = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_EVENTS_FLAG) {
    throw new UsageError(
      `--max-events: expected a whole number of trace entries from 1 to ${MAX_EVENTS_FLAG}, got ${JSON.stringify(text)}`,
    );
  }
  return count;
}

export function parseSeed(text: string): number {
  const seed = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`--seed must be an integer, got ${JSON.stringify(text)}`);
  }
  if (seed < SEED_MIN || seed > SEED_MAX) {
    throw new UsageError(`--seed must be from ${SEED_MIN} to ${SEED_MAX}, got ${text}`);
  }
  return seed;
}

const WITH_VALUE = new Set([
  '--seed',
  '--until',
  '--output',
  '--trace',
  '--history',
  '--max-events',
  '--max-wall',
]);
const SWITCHES = new Set(['--json', '--no-heal', '--debug', '--help', '-h', '--version']);

/** Reads the command line (without `node` and the script); throws UsageError with a one-line message. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const seen = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--') {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    if (!WITH_VALUE.has(name) && !SWITCHES.has(name)) {
      throw new UsageError(`unknown flag ${name} (see --help)`);
    }
    if (name === '--help' || name === '-h') return { help: true };
    if (name === '--version') return { help: false, version: true };
    if (seen.has(name)) throw new UsageError(`${name} is given twice`);
    seen.add(name);
    if (SWITCHES.has(name)) {
      if (equals > 0) throw new UsageError(`${name} takes no value`);
      continue;
    }
    const value = equals > 0 ? arg.slice(equals + 1) : argv[++index];
    if (value === undefined || value === '' || (equals < 0 && value.startsWith('--'))) {
      throw new UsageError(`${name} needs a value (see --help)`);
    }
    values.set(name, value);
  }
  if (positional.length === 0) {
    throw new UsageError('missing the scenario file: coordinator-sim <scenario.json> (see --help)');
  }
  if (positional.length > 1) {
    throw new UsageError(`one scenario file at a time, got ${positional.length}: ${positional.join(' ')}`);
  }
  const seed = values.get('--seed');
  const until = values.get('--until');
  const maxEvents = values.get('--max-events');
  const maxWall = values.get('--max-wall');
  return {
    help: false,
    scenarioPath: positional[0]!,
    ...(seed !== undefined && { seed: parseSeed(seed) }),
    ...(until !== undefined && { untilMs: parseDuration(until) }),
    heal: !seen.has('--no-heal'),
    json: seen.has('--json'),
    ...(values.has('--output') && { outputPath: values.get('--output') }),
    ...(values.has('--trace') && { tracePath: values.get('--trace') }),
    ...(values.has('--history') && { historyPath: values.get('--history') }),
    ...(maxEvents !== undefined && { maxEvents: parseMaxEvents(maxEvents) }),
    ...(maxWall !== undefined && { maxWallMs: parseDuration(maxWall, '--max-wall') }),
    ...(seen.has('--debug') && { debug: true }),
  };
}
