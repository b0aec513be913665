/** `npm run bench`'s command line: its usage text and the settings it parses into. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BenchSettings } from './report';
import { HAZARD_CODES } from './hazardFind';

export const USAGE = `usage: npm run bench -- [options]
  --jobs N            jobs per wall-throughput drain (default 5000)
  --virtual-jobs N    jobs per virtual-time drain, fixed vs H9 (default 200)
  --servers LIST      cluster sizes, comma-separated (default 1,2,4)
  --concurrency N     jobs run at once per server (default 8)
  --repeats N         runs per figure; the median is reported (default 3)
  --step-ms N         virtual step of the wall-throughput drain (default 1)
  --pragma NAME=VALUE what-if: also run "PRAGMA NAME = VALUE" on both databases; may be repeated
  --sim-hours N       virtual hours of the steady-load simulation (default 1; fractions allowed)
  --property-runs N   seeds per property batch (default 20)
  --no-browser        skip section 6 (the built app in headless Chromium); it is skipped anyway, with a
                      message, when /usr/bin/chromium is missing
  --browser-only      run section 6 alone
  --browser-scenarios LIST  scenarios for the engine speeds, comma-separated
                      (default eight-servers,leader-crash-failover)
  --browser-virtual-s N     virtual seconds of every engine run (default 60)
  --fps-seconds N     wall seconds over which the page's frames are counted (default 10)
  --no-hazard-find    skip section 7 (time to find each hazard; up to seeds x cap per hazard)
  --hazard-find-only  run section 7 alone
  --hazard-seeds N    fast-check seeds per hazard, 1..N (default 5)
  --hazard-cap-s N    wall seconds a search may take before it counts as not found (default 60)
  --hazard-list LIST  hazards to search, comma-separated (default H1-H14)
  --json              print the report as JSON instead of tables
  --help`;

export function parseSettings(
  argv: string[],
): { settings: BenchSettings; json: boolean; browserOnly: boolean; hazardFindOnly: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      jobs: { type: 'string', default: '5000' },
      'virtual-jobs': { type: 'string', default: '200' },
      servers: { type: 'string', default: '1,2,4' },
      concurrency: { type: 'string', default: '8' },
      repeats: { type: 'string', default: '3' },
      'step-ms': { type: 'string', default: '1' },
      pragma: { type: 'string', multiple: true, default: [] },
      'sim-hours': { type: 'string', default: '1' },
      'property-runs': { type: 'string', default: '20' },
      browser: { type: 'boolean', default: true },
      'browser-only': { type: 'boolean', default: false },
      'browser-scenarios': { type: 'string', default: 'eight-servers,leader-crash-failover' },
      'browser-virtual-s': { type: 'string', default: '60' },
      'fps-seconds': { type: 'string', default: '10' },
      'hazard-find': { type: 'boolean', default: true },
      'hazard-find-only': { type: 'boolean', default: false },
      'hazard-seeds': { type: 'string', default: '5' },
      'hazard-cap-s': { type: 'string', default: '60' },
      'hazard-list': { type: 'string', default: HAZARD_CODES.join(',') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  if (values['browser-only'] && !values.browser)
    throw new UsageError('--browser-only and --no-browser: nothing left to run');
  if (values['hazard-find-only'] && !values['hazard-find'])
    throw new UsageError('--hazard-find-only and --no-hazard-find: nothing left to run');
  if (values['hazard-find-only'] && values['browser-only'])
    throw new UsageError('--hazard-find-only and --browser-only: pick one');
  return {
    json: values.json,
    browserOnly: values['browser-only'],
    hazardFindOnly: values['hazard-find-only'],
    settings: {
      servers: values.servers.split(',').map((n) => positiveInteger(n, '--servers')),
      jobs: positiveInteger(values.jobs, '--jobs'),
      virtualJobs: positiveInteger(values['virtual-jobs'], '--virtual-jobs'),
      concurrency: positiveInteger(values.concurrency, '--concurrency'),
      repeats: positiveInteger(values.repeats, '--repeats'),
      stepMs: positiveInteger(values['step-ms'], '--step-ms'),
      // Big steps: H9 drains at one job per server per 5 s, so 1 ms steps would only cost wall time.
      virtualStepMs: 1_000,
      // Long enough for 200 jobs on one server under H9 (about 1,000 s), short enough to stop a stuck run.
      virtualCapMs: 30 * 60_000,
      pragmas: values.pragma.map(pragmaStatement),
      simHours: positiveNumber(values['sim-hours'], '--sim-hours'),
      propertyRuns: positiveInteger(values['property-runs'], '--property-runs'),
      browser: values.browser
        ? {
            scenarios: values['browser-scenarios'].split(',').map((name) => scenarioName(name)),
            virtualMs: positiveNumber(values['browser-virtual-s'], '--browser-virtual-s') * 1_000,
            fpsSeconds: positiveNumber(values['fps-seconds'], '--fps-seconds'),
          }
        : null,
      hazardFind: values['hazard-find']
        ? {
            seeds: Array.from(
              { length: positiveInteger(values['hazard-seeds'], '--hazard-seeds') },
              (_, i) => i + 1,
            ),
            capMs: positiveNumber(values['hazard-cap-s'], '--hazard-cap-s') * 1_000,
            hazards: values['hazard-list'].split(',').map((code) => hazardCode(code)),
          }
        : null,
    },
  };
}

/** A hazard the bench can search: H1-H14. */
function hazardCode(text: string): string {
  const code = text.trim().toUpperCase();
  if (!HAZARD_CODES.includes(code))
    throw new UsageError(`--hazard-list: expected hazards among ${HAZARD_CODES.join(',')}, got "${text}"`);
  return code;
}

/** A mistake on the command line: reported with the usage, without a stack trace. */
export class UsageError extends Error {}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag}: expected a whole number >= 1, got "${text}"`);
  return value;
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag}: expected a number > 0, got "${text}"`);
  return value;
}

/** A scenario file's stem: scenarios/<name>.json must exist. */
function scenarioName(text: string): string {
  const name = text.trim();
  if (!/^[\w-]+$/.test(name) || !existsSync(new URL(`../scenarios/${name}.json`, import.meta.url)))
    throw new UsageError(`--browser-scenarios: no scenarios/${name}.json`);
  return name;
}

/** `journal_mode=MEMORY` becomes `PRAGMA journal_mode = MEMORY`; only a name and a plain value are accepted. */
function pragmaStatement(text: string): string {
  const match = /^\s*(\w+)\s*=\s*(\w+)\s*$/.exec(text);
  if (!match) throw new UsageError(`--pragma: expected NAME=VALUE, got "${text}"`);
  return `PRAGMA ${match[1]} = ${match[2]}`;
}
