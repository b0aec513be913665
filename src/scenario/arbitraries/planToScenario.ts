import { SERVER_TARGETS, type ServerTarget } from '../targets.js';
import { SCENARIO_VERSION, type Action, type JobModel, type Scenario, type ServerSpec } from '../types.js';
import { resolve, RESTART_AFTER_STOP_MS, SERVER_IDS, type ScenarioArbitraryOptions } from './options.js';
import type { Episode, ScenarioPlan } from './plan.js';

/**
 * From plan to scenario: expands each episode into its actions (a pause and its resume, a crash and its
 * restart ...), sorts them by time and walks them through a small model of every server's state, dropping
 * any action the engine would refuse at that moment. Pure, so that every plan fast-check shrinks to still
 * maps to a scenario that parses and runs.
 */

type ProcessModel = 'absent' | 'running' | 'stopped' | 'crashed';

interface ServerModel {
  process: ProcessModel;
  paused: boolean;
  cutOff: boolean;
  /** A stopped server may restart from this time on. */
  restartableAt: number;
}

/** Turns a plan into a scenario; pure, so any shrunk plan maps to a valid scenario. */
export function planToScenario(plan: ScenarioPlan, options: ScenarioArbitraryOptions = {}): Scenario {
  const o = resolve(options);
  const durationMs = plan.durationS * 1000;
  const at = (permilleOfRun: number) => Math.round((durationMs * permilleOfRun) / 1000);
  const count = plan.servers.length;
  const ids = SERVER_IDS.slice(0, count);
  const pick = (index: number) => ids[index % count]!;

  const specs: { spec: ServerSpec; joinAt: number | null }[] = plan.servers.map((server, index) => {
    const spec: ServerSpec = { id: ids[index]! };
    if (server.withoutJobs) spec.withoutJobs = true;
    if (server.offsetMs !== 0) spec.offsetMs = server.offsetMs;
    if (server.ratePermille !== 1000) spec.rate = server.ratePermille / 1000;
    const joinAt = index === 0 || server.joinPermille === null ? null : at(server.joinPermille);
    return { spec, joinAt };
  });
  // At least one server with jobs from the start: the first one.
  if (specs.every(({ spec, joinAt }) => spec.withoutJobs || joinAt !== null))
    delete specs[0]!.spec.withoutJobs;

  const jobs: JobModel[] = [{ name: 'work' }];
  if (plan.work.durationMs > 0) jobs[0]!.durationMs = plan.work.durationMs;
  if (plan.work.failurePercent > 0) jobs[0]!.failureRate = plan.work.failurePercent / 100;
  if (plan.cron !== null && o.crons.length > 0)
    jobs.push({ name: 'tick', schedules: [{ cron: o.crons[plan.cron % o.crons.length]! }] });

  // Every action the plan asks for, in plan order; sorted by time below (stably).
  const wanted: Action[] = [];
  // The actions of episodes that name their server by a relative target: the fault by the episode's
  // target, its end by `@any` (the server that fits it: the one crashed, paused, cut off). Put in place
  // once the admissible actions are chosen, which the model picks by id (see admissible).
  const targets = new Map<Action, ServerTarget>();
  const want = (episode: Episode, action: Action, end = false) => {
    wanted.push(action);
    const index = episode.target;
    if (index !== null && index !== undefined)
      targets.set(action, end ? '@any' : SERVER_TARGETS[index % SERVER_TARGETS.length]!);
  };
  for (const { spec, joinAt } of specs)
    if (joinAt !== null) wanted.push({ atMs: joinAt, type: 'addServer', server: spec });
  let jobsLeft = o.maxJobs;
  for (const episode of plan.enqueues) {
    if (episode.kind !== 'enqueue' || jobsLeft <= 0) continue;
    const n = Math.min(episode.count, jobsLeft);
    jobsLeft -= n;
    want(episode, {
      atMs: at(episode.at),
      type: 'enqueue',
      server: pick(episode.server),
      job: 'work',
      count: n,
    });
  }
  const within = (ms: number) => ms <= durationMs;
  for (const episode of plan.faults) {
    switch (episode.kind) {
      case 'crash':
      case 'crashMid': {
        const start =
          episode.kind === 'crash'
            ? at(episode.at)
            : (episode.second % Math.max(1, plan.durationS)) * 1000 + episode.deltaMs;
        if (!within(start)) break;
        const server = pick(episode.server);
        want(episode, { atMs: start, type: 'crash', server });
        if (episode.restartAfterMs !== null && within(start + episode.restartAfterMs))
          want(episode, { atMs: start + episode.restartAfterMs, type: 'restart', server }, true);
        break;
      }
      case 'pause':
      case 'cutOff': {
        const start = at(episode.at);
        const server = pick(episode.server);
        const end = episode.kind === 'pause' ? 'resume' : 'heal';
        want(episode, { atMs: start, type: episode.kind, server });
        if (within(start + episode.forMs))
          want(episode, { atMs: start + episode.forMs, type: end, server }, true);
        break;
      }
      case 'stop': {
        const start = at(episode.at);
        const server = pick(episode.server);
        want(episode, {
          atMs: start,
          type: 'stop',
          server,
          ...(episode.graceMs !== null && { graceMs: episode.graceMs }),
        });
        if (episode.restartAfterMs !== null && within(start + episode.restartAfterMs))
          want(episode, { atMs: start + episode.restartAfterMs, type: 'restart', server }, true);
        break;
      }
      case 'clock':
        want(episode, {
          atMs: at(episode.at),
          type: 'setClock',
          server: pick(episode.server),
          offsetMs: episode.offsetMs,
        });
        break;
      case 'drift':
        want(episode, {
          atMs: at(episode.at),
          type: 'setClock',
          server: pick(episode.server),
          rate: episode.ratePermille / 1000,
        });
        break;
      case 'skew':
        wanted.push({ atMs: at(episode.at), type: 'setDatabaseSkew', skewMs: episode.skewMs });
        break;
      case 'enqueue':
        break;
    }
  }

  const sorted = wanted
    .map((action, position) => ({ action, position }))
    .sort((x, y) => x.action.atMs - y.action.atMs || x.position - y.position)
    .map(({ action }) => action);
  const actions = admissible(sorted, specs).map((action) => {
    const target = targets.get(action);
    return target ? ({ ...action, server: target } as Action) : action;
  });

  const scenario: Scenario = {
    version: SCENARIO_VERSION,
    seed: plan.seed,
    durationMs,
    jobs,
    servers: specs.filter(({ joinAt }) => joinAt === null).map(({ spec }) => spec),
    actions,
  };
  if (o.mode === 'single') scenario.mode = 'single';
  if (o.misfire) scenario.coordinator = { misfire: { ...o.misfire } };
  if (o.hazards.length > 0) scenario.hazards = [...o.hazards];
  if (plan.initialSkewMs !== 0) scenario.database = { skewMs: plan.initialSkewMs };
  return scenario;
}

/**
 * Walks the actions in time order through a model of each server and keeps those the engine would carry
 * out: faults on running servers, their ends on servers that have them, restarts of dead servers only.
 */
function admissible(
  actions: readonly Action[],
  specs: readonly { spec: ServerSpec; joinAt: number | null }[],
): Action[] {
  const model = new Map<string, ServerModel>();
  for (const { spec, joinAt } of specs)
    model.set(spec.id, {
      process: joinAt === null ? 'running' : 'absent',
      paused: false,
      cutOff: false,
      restartableAt: 0,
    });
  const kept: Action[] = [];
  for (const action of actions) {
    const server =
      'server' in action && typeof action.server === 'string' ? model.get(action.server) : undefined;
    const running = server?.process === 'running';
    let keep: boolean;
    switch (action.type) {
      case 'addServer': {
        const joining = model.get(action.server.id);
        keep = joining?.process === 'absent';
        if (keep) joining!.process = 'running';
        break;
      }
      case 'crash':
        keep = running;
        if (keep) Object.assign(server!, { process: 'crashed', paused: false, cutOff: false });
        break;
      case 'stop':
        // A stop of a paused or cut-off server might not finish by the time of its restart: not generated.
        keep = running && !server!.paused && !server!.cutOff;
        if (keep)
          Object.assign(server!, { process: 'stopped', restartableAt: action.atMs + RESTART_AFTER_STOP_MS });
        break;
      case 'restart':
        keep =
          server?.process === 'crashed' ||
          (server?.process === 'stopped' && action.atMs >= server.restartableAt);
        if (keep) Object.assign(server!, { process: 'running', paused: false, cutOff: false });
        break;
      case 'pause':
        keep = running && !server!.paused;
        if (keep) server!.paused = true;
        break;
      case 'resume':
        keep = running && server!.paused;
        if (keep) server!.paused = false;
        break;
      case 'cutOff':
        keep = running && !server!.cutOff;
        if (keep) server!.cutOff = true;
        break;
      case 'heal':
        keep = running && server!.cutOff;
        if (keep) server!.cutOff = false;
        break;
      case 'enqueue':
        keep = running;
        break;
      case 'setClock':
        keep = server !== undefined && server.process !== 'absent';
        break;
      default:
        keep = true;
    }
    if (keep) kept.push(action);
  }
  return kept;
}
