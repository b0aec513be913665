import type { ServerSnapshot } from '../../sim/conductor/conductor';

/**
 * One word for what a server is doing, in the order that matters to a learner: a dead process hides
 * everything else, a stall or a cut connection hides leadership (a paused or cut-off "leader" is exactly the
 * dangerous case, and the lane says so in its note), and only a healthy process is "running" or "leader".
 */
export type LaneStatus = 'running' | 'leader' | 'paused' | 'cutoff' | 'crashed' | 'stopped' | 'stopping';

export function laneStatus(server: ServerSnapshot): LaneStatus {
  if (server.process === 'crashed') return 'crashed';
  if (server.process === 'stopped') return 'stopped';
  if (server.process === 'stopping') return 'stopping';
  if (server.paused) return 'paused';
  if (server.cutOff) return 'cutoff';
  return server.leader ? 'leader' : 'running';
}

export const STATUS_TEXT: Record<LaneStatus, string> = {
  running: 'running',
  leader: 'leader',
  paused: 'paused',
  cutoff: 'cut off',
  crashed: 'crashed',
  stopped: 'stopped',
  stopping: 'stopping',
};

/** Which server actions make sense now; the lane disables the others rather than letting the engine refuse. */
export function allowedActions(server: ServerSnapshot) {
  const alive = server.process === 'running' || server.process === 'stopping';
  return {
    crash: alive,
    stop: server.process === 'running',
    restart: server.process === 'crashed' || server.process === 'stopped',
    pause: alive && !server.paused,
    resume: server.paused,
    cutOff: alive && !server.cutOff,
    heal: server.cutOff,
  };
}
