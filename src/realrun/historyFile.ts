/**
 * A real run's history as a self-contained file (`coordinator-sim real --history-file FILE`), the one the
 * playground opens read-only: a format tag and version, the run's settings (database, processes, scale,
 * timings, how long it took), the run the checkers judge (its trace, in the trace's entry kinds, its
 * scenario, final tables and times) and the checkers' verdicts as the command judged them. A reader
 * re-checks the run itself (`checkAll(file.run)`) and so proves the verdicts rather than trusting them.
 *
 * `parseHistoryFile` names what is wrong and where (`run.trace[12].vt: expected a number, got "x"`).
 */
import type { RunResult } from '../sim/runResult.js';
import type { TraceEntry } from '../sim/trace/trace.js';
import { checkAll } from '../verify/checkers/index.js';
import type { InvariantId, InvariantReport } from '../verify/checkers/types.js';

export type { InvariantReport };

/** The file's run judged again by the invariant checkers (the page calls it: it proves the verdicts). */
export function recheck(file: HistoryFile): InvariantReport[] {
  return checkAll(file.run);
}

export const HISTORY_FORMAT = 'coordinator-real-history';
export const HISTORY_VERSION = 1;

export interface HistorySettings {
  database: 'postgres' | 'sqlite';
  /** The processes' server ids, in the order they started. */
  servers: string[];
  /** Every time of the scenario was multiplied by it. */
  scale: number;
  /** The scenario file's name (or the run's name) and path as given. */
  scenario: string;
  /** Wall-clock length of the run, ms. */
  wallMs: number;
  /** When the file was written (ISO), as the writer's clock said; informative only. */
  writtenAt?: string | undefined;
  /** Set when the file is a shortened copy of a run: what was kept. */
  trimmed?: string | undefined;
}

export interface HistoryVerdict {
  id: InvariantId;
  title: string;
  ok: boolean;
  skipped?: string | undefined;
  message?: string | undefined;
  atVt?: number | undefined;
}

export interface HistoryFile {
  format: typeof HISTORY_FORMAT;
  version: typeof HISTORY_VERSION;
  settings: HistorySettings;
  run: RunResult;
  verdicts: HistoryVerdict[];
}

export class HistoryFileError extends Error {
  constructor(
    /** Where in the file: a dotted path such as `run.trace[3].vt`, or `(file)` for the whole. */
    readonly where: string,
    what: string,
  ) {
    super(`${where}: ${what}`);
    this.name = 'HistoryFileError';
  }
}

export function verdictsOf(reports: readonly InvariantReport[]): HistoryVerdict[] {
  return reports.map((report) => ({
    id: report.id,
    title: report.title,
    ok: report.ok,
    ...(report.skipped !== undefined && { skipped: report.skipped }),
    ...(report.violation && { message: report.violation.message, atVt: report.violation.atVt }),
  }));
}

export function buildHistoryFile(
  settings: HistorySettings,
  run: RunResult,
  reports: readonly InvariantReport[],
): HistoryFile {
  return { format: HISTORY_FORMAT, version: HISTORY_VERSION, settings, run, verdicts: verdictsOf(reports) };
}

export function historyFileJson(file: HistoryFile): string {
  return `${JSON.stringify(file)}\n`;
}

const SOURCES = new Set(['coordinator', 'database', 'action', 'process']);

type Obj = Record<string, unknown>;

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (missing)';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

function object(value: unknown, where: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HistoryFileError(where, `expected an object, got ${describe(value)}`);
  }
  return value as Obj;
}
function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new HistoryFileError(where, `expected an array, got ${describe(value)}`);
  return value;
}
function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HistoryFileError(where, `expected a number, got ${describe(value)}`);
  }
  return value;
}
function string(value: unknown, where: string): string {
  if (typeof value !== 'string')
    throw new HistoryFileError(where, `expected a string, got ${describe(value)}`);
  return value;
}

/** Reads a history file's text; throws HistoryFileError naming what is wrong and where. */
export function parseHistoryFile(text: string): HistoryFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const firstLine = text.split('\n', 1)[0] ?? '';
    const hint =
      firstLine.trim().startsWith('{') && text.trim().includes('\n{')
        ? ' (one JSON value per line: is it the older --history JSON-lines file? write it with --history-file)'
        : '';
    throw new HistoryFileError('(file)', `not JSON: ${(error as Error).message}${hint}`);
  }
  const top = object(raw, '(file)');
  if (top.format !== HISTORY_FORMAT) {
    throw new HistoryFileError(
      'format',
      `expected "${HISTORY_FORMAT}", got ${describe(top.format)}: not a real run's history file`,
    );
  }
  if (top.version !== HISTORY_VERSION) {
    throw new HistoryFileError(
      'version',
      `this page reads version ${HISTORY_VERSION}, the file is version ${describe(top.version)}`,
    );
  }
  const settings = object(top.settings, 'settings');
  const database = settings.database;
  if (database !== 'postgres' && database !== 'sqlite') {
    throw new HistoryFileError(
      'settings.database',
      `expected "postgres" or "sqlite", got ${describe(database)}`,
    );
  }
  const servers = array(settings.servers, 'settings.servers').map((id, i) =>
    string(id, `settings.servers[${i}]`),
  );
  if (servers.length === 0) throw new HistoryFileError('settings.servers', 'no server');
  number(settings.scale, 'settings.scale');
  string(settings.scenario, 'settings.scenario');
  number(settings.wallMs, 'settings.wallMs');

  const run = object(top.run, 'run');
  const scenario = object(run.scenario, 'run.scenario');
  array(scenario.servers, 'run.scenario.servers');
  object(scenario.coordinator, 'run.scenario.coordinator');
  number(scenario.durationMs, 'run.scenario.durationMs');
  object(run.timings, 'run.timings');
  number(run.endedAt, 'run.endedAt');
  if (run.healedAt !== null) number(run.healedAt, 'run.healedAt');
  const final = object(run.final, 'run.final');
  for (const table of ['distributedJobs', 'jobCronTicks', 'jobSchedules', 'leadJobCoordinators']) {
    array(final[table], `run.final.${table}`);
  }
  const trace = array(run.trace, 'run.trace');
  if (trace.length === 0) throw new HistoryFileError('run.trace', 'no entry: an empty run');
  let lastVt = -Infinity;
  trace.forEach((value, i) => {
    const where = `run.trace[${i}]`;
    const entry = object(value, where);
    number(entry.seq, `${where}.seq`);
    const vt = number(entry.vt, `${where}.vt`);
    if (vt < lastVt) throw new HistoryFileError(`${where}.vt`, `${vt} is before the entry above (${lastVt})`);
    lastVt = vt;
    const source = string(entry.source, `${where}.source`);
    if (!SOURCES.has(source)) {
      throw new HistoryFileError(`${where}.source`, `unknown entry source ${describe(source)}`);
    }
    string(entry.type, `${where}.type`);
    if (entry.server !== null && typeof entry.server !== 'string') {
      throw new HistoryFileError(
        `${where}.server`,
        `expected a server id or null, got ${describe(entry.server)}`,
      );
    }
    if (source === 'action') object(entry.action, `${where}.action`);
  });

  const verdicts = array(top.verdicts, 'verdicts').map((value, i) => {
    const where = `verdicts[${i}]`;
    const verdict = object(value, where);
    const id = string(verdict.id, `${where}.id`);
    if (!/^I[1-8]$/.test(id))
      throw new HistoryFileError(`${where}.id`, `expected I1 to I8, got ${describe(id)}`);
    if (typeof verdict.ok !== 'boolean') {
      throw new HistoryFileError(`${where}.ok`, `expected true or false, got ${describe(verdict.ok)}`);
    }
    string(verdict.title, `${where}.title`);
    return verdict as unknown as HistoryVerdict;
  });
  return {
    format: HISTORY_FORMAT,
    version: HISTORY_VERSION,
    settings: settings as unknown as HistorySettings,
    run: { ...(run as unknown as RunResult), trace: trace as TraceEntry[] },
    verdicts,
  };
}

/** A shorter copy of a file: the trace up to `untilMs`, and at most `maxEntries` entries; re-judged by the caller. */
export function trimHistory(file: HistoryFile, untilMs: number, maxEntries: number): HistoryFile {
  const trace = file.run.trace.filter((entry) => entry.vt <= untilMs).slice(0, maxEntries);
  const endedAt = trace.at(-1)?.vt ?? 0;
  return {
    ...file,
    settings: {
      ...file.settings,
      trimmed: `the first ${Math.round(endedAt / 1000)} s, ${trace.length} entries`,
    },
    run: {
      ...file.run,
      trace,
      endedAt,
      healedAt: file.run.healedAt === null ? null : Math.min(file.run.healedAt, endedAt),
    },
  };
}
