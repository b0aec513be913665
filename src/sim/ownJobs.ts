import { DEFAULT_JOB_TIMEOUT_MS, defineJob, type JobDefinition } from '../core/job.js';
import type { JobModel, Scenario } from '../scenario/types.js';
import { inThreadTransport, type TransportFactory } from './server/transport.js';

/**
 * The user's own jobs, by name: real job definitions whose `run()` the simulated servers call instead of
 * the scenario's model of that job (see RunOptions.jobs). Functions cannot cross a Web Worker's port, so
 * they exist only for servers in the conductor's thread.
 */
export type OwnJobs = Readonly<Record<string, JobDefinition>>;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const keyPath = (name: string) =>
  `options.jobs${IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`;
const shown = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : `${typeof value === 'object' ? 'an object' : String(value)}`;

/**
 * Checks `RunOptions.jobs` before anything runs, with errors that name the field: an object of job
 * definitions keyed by their names, each valid as defineJob checks it. Returns them by name (none: an empty
 * map). They need the in-thread transport: any other `transport` is refused, naming the jobs.
 */
export function checkOwnJobs(
  jobs: unknown,
  transport: TransportFactory | undefined,
): Map<string, JobDefinition> {
  const own = new Map<string, JobDefinition>();
  if (jobs === undefined) return own;
  if (jobs === null || typeof jobs !== 'object' || Array.isArray(jobs))
    throw new TypeError(
      `runScenario: options.jobs: expected an object of job definitions by name ({ chargeCard: defineJob({ name: 'chargeCard', run }) }), got ${shown(jobs)}`,
    );
  for (const [name, definition] of Object.entries(jobs as Record<string, unknown>)) {
    const path = keyPath(name);
    if (definition === null || typeof definition !== 'object' || Array.isArray(definition))
      throw new TypeError(
        `runScenario: ${path}: expected a job definition (defineJob({ name, run })), got ${shown(definition)}`,
      );
    const fields = definition as Record<string, unknown>;
    if (typeof fields.name !== 'string')
      throw new TypeError(`runScenario: ${path}.name: expected a string, got ${shown(fields.name)}`);
    if (fields.name !== name)
      throw new TypeError(
        `runScenario: ${path}.name: expected ${JSON.stringify(name)} (its key in jobs), got ${JSON.stringify(fields.name)}`,
      );
    if (typeof fields.run !== 'function')
      throw new TypeError(`runScenario: ${path}.run: expected a function, got ${shown(fields.run)}`);
    try {
      own.set(name, defineJob(definition as JobDefinition));
    } catch (error) {
      throw new TypeError(`runScenario: ${path}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  if (own.size > 0 && transport !== undefined && transport !== inThreadTransport) {
    const names = [...own.keys()].map((name) => `"${name}"`).join(', ');
    throw new TypeError(
      `runScenario: options.jobs: job ${names}: its run() is a function, and a function cannot be sent to a server behind this transport (a Web Worker's port carries plain data only). Own jobs run on the in-thread transport: leave options.transport out, or model the job in the scenario instead`,
    );
  }
  return own;
}

/**
 * A scenario is plain data (saved, put in a link, replayed): a function in it, a job's `run` say, would fail
 * deep inside the run as a DataCloneError. Refused here, by its path, pointing at RunOptions.jobs. Only
 * what cannot be cloned is looked for (an `undefined` optional field is harmless); the walk keeps its own
 * stack, since params may be nested deep.
 */
export function checkScenarioIsData(scenario: Scenario): void {
  const stack: [unknown, string][] = [[scenario, 'scenario']];
  const seen = new Set<object>();
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, path] = next;
    if (typeof value === 'function' || typeof value === 'symbol') {
      const hint = path.startsWith('scenario.jobs[')
        ? "; a job's code goes in runScenario's options.jobs instead: { jobs: { [name]: defineJob({ name, run }) } } (in-thread runs only)"
        : '';
      throw new TypeError(
        `runScenario: ${path}: expected plain data, got a ${typeof value}: a scenario is plain JSON (saved, linked and replayed)${hint}`,
      );
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    const entries = Array.isArray(value)
      ? value.map((item, index) => [`[${index}]`, item] as const)
      : Object.entries(value).map(
          ([key, item]) => [IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`, item] as const,
        );
    for (const [step, item] of entries.reverse()) stack.push([item, path + step]);
  }
}

/**
 * The jobs every process is told of: the scenario's models, and a bare model for each own job the scenario
 * does not model (so that enqueues, addSchedule and the liveness phase know of it). An own job's model
 * carries the definition's maxAttempts and timeoutMs where it sets them, and `durationMs` is left out: how
 * long the user's run() takes is not known, so the liveness phase sizes its attempts by the timeout.
 */
export function jobModels(models: readonly JobModel[], own: ReadonlyMap<string, JobDefinition>): JobModel[] {
  const modelled = new Set(models.map((model) => model.name));
  const all = [
    ...structuredClone(models as JobModel[]),
    ...[...own.keys()].filter((name) => !modelled.has(name)).map((name): JobModel => ({ name })),
  ];
  return all.map((model) => {
    const definition = own.get(model.name);
    if (!definition) return model;
    const { durationMs: _duration, failureRate: _rate, ...kept } = model;
    const maxAttempts = definition.maxAttempts ?? model.maxAttempts;
    const timeoutMs = definition.timeoutMs ?? model.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    return { ...kept, ...(maxAttempts !== undefined && { maxAttempts }), timeoutMs };
  });
}
