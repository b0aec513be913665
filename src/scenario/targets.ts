import type { Action } from './types.js';

/**
 * Relative targets: where an action names one server, a scenario may name it by its place in the cluster
 * instead of by id, since who leads is known only once the run is under way. The conductor resolves one
 * at the action's time (src/sim/conductor/targets.ts) and records the id it resolved to.
 *
 * - `@leader`: the server leading then, as the conductor sees it;
 * - `@follower`: the first server, by id, that the action fits and that does not lead;
 * - `@any`: a seeded choice among the servers the action fits.
 */
export const SERVER_TARGETS = ['@leader', '@follower', '@any'] as const;

export type ServerTarget = (typeof SERVER_TARGETS)[number];

/** The actions whose `server` may be a relative target: those that name one running (or ended) server. */
export const TARGETED_ACTIONS: ReadonlySet<string> = new Set([
  'crash',
  'stop',
  'restart',
  'pause',
  'resume',
  'cutOff',
  'heal',
  'setClock',
  'enqueue',
]);

export function isServerTarget(value: unknown): value is ServerTarget {
  return typeof value === 'string' && (SERVER_TARGETS as readonly string[]).includes(value);
}

/** The relative target an action names, if it names one. */
export function targetOf(action: Action): ServerTarget | undefined {
  return 'server' in action && isServerTarget(action.server) ? action.server : undefined;
}
