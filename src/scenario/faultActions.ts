import type { ActionBody } from './types.js';

/** The actions that break (or mend) the cluster: processes, connections, clocks. Everyday actions are the rest. */
export type FaultAction = Extract<
  ActionBody,
  {
    type:
      'crash' | 'stop' | 'restart' | 'pause' | 'resume' | 'cutOff' | 'heal' | 'setClock' | 'setDatabaseSkew';
  }
>;

const FAULT_TYPES: ReadonlySet<string> = new Set<FaultAction['type']>([
  'crash',
  'stop',
  'restart',
  'pause',
  'resume',
  'cutOff',
  'heal',
  'setClock',
  'setDatabaseSkew',
]);

/** Whether an action is a fault (or a fault's end): the conductor carries these out, the timeline draws them apart. */
export function isFault(action: Pick<ActionBody, 'type'>): action is FaultAction {
  return FAULT_TYPES.has(action.type);
}
