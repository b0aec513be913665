import type { Entropy } from '../../core/ports.js';
import { targetOf, type ServerTarget } from '../../scenario/targets.js';
import type { Action } from '../../scenario/types.js';
import { hasEnded, isLeading, type ServerState } from '../trace/serverState.js';
import type { Hosts } from './hosts.js';

/** A relative target worked out: the action with the id it names, or why it names none. */
export type Resolution =
  | { action: Action; target?: undefined; refusal?: undefined }
  | { action: Action; target: ServerTarget; refusal?: undefined }
  | { action: Action; target: ServerTarget; refusal: string };

/**
 * The servers an action can do something to: a live one for a crash, a paused one for a resume, an ended
 * one for a restart ... `@follower` and `@any` choose among these, so `resume @any` resumes a paused server
 * and `restart @any` a dead one.
 */
const FITS: Record<string, { fits: (state: ServerState) => boolean; what: string }> = {
  crash: { fits: (s) => s.process === 'running', what: 'running' },
  stop: { fits: (s) => s.process === 'running', what: 'running' },
  setClock: { fits: (s) => s.process === 'running', what: 'running' },
  enqueue: { fits: (s) => s.process === 'running', what: 'running' },
  pause: { fits: (s) => s.process === 'running' && !s.paused, what: 'running and not paused' },
  cutOff: { fits: (s) => s.process === 'running' && !s.cutOff, what: 'running and not cut off' },
  resume: { fits: (s) => s.paused, what: 'paused' },
  heal: { fits: (s) => s.cutOff, what: 'cut off' },
  restart: { fits: (s) => hasEnded(s), what: 'crashed or stopped' },
};

/**
 * Resolves an action's relative target against the conductor's own mirror of the servers (the state it
 * keeps from the trace, as the checkers fold it), at the moment the action happens:
 *
 * - `@leader`: the server that leads (holds a term, process running; of two a stale one may still claim,
 *   the higher term). The action then goes to it whether or not it fits (a `restart @leader` is refused as
 *   any restart of a running server). With no leader, the action is refused: "no server leads".
 * - `@follower`: the first server by id that fits the action and does not lead.
 * - `@any`: one of the servers that fit, by a draw from `entropy` (the conductor's own seeded stream for
 *   targets, so a target changes no other draw of the run).
 *
 * Deterministic: the mirror, the id order and the stream are the same for the same scenario and seed.
 */
export function resolveTarget(action: Action, hosts: Hosts, entropy: Entropy): Resolution {
  const target = targetOf(action);
  if (target === undefined) return { action };
  const states = [...hosts.values()].map((host) => host.state).sort((a, b) => (a.id < b.id ? -1 : 1));
  const leaders = states.filter(isLeading).sort((a, b) => (b.term ?? 0) - (a.term ?? 0));
  const leader = leaders[0];
  const to = (state: ServerState): Resolution => ({
    action: { ...action, server: state.id } as Action,
    target,
  });
  const refuse = (refusal: string): Resolution => ({ action, target, refusal });
  if (target === '@leader')
    return leader
      ? to(leader)
      : refuse('no server leads now (as the conductor sees it), so @leader names none');
  const fit = FITS[action.type];
  if (!fit) return refuse(`a "${action.type}" action names no one server, so ${target} cannot stand for one`);
  const pool = states.filter((state) => fit.fits(state) && (target === '@any' || !isLeading(state)));
  if (target === '@follower') {
    const first = pool[0];
    if (first) return to(first);
    const who = leader ? `other than the leader ${leader.id}` : '';
    return refuse(`no server ${who ? `${who} ` : ''}is ${fit.what}, so @follower names none`);
  }
  if (pool.length === 0) return refuse(`no server is ${fit.what}, so @any names none`);
  return to(pool[Math.floor(entropy.random() * pool.length)]!);
}
