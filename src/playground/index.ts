/** What the playground's page drives: the interactive session, the engine around it, and recorded histories. */
export { PlaygroundSession, ActionError, type SessionView, type LiveInvariant } from './session';
export { PlaygroundEngine } from './engine';
export {
  historyArbitrary,
  actionArbitrary,
  replayHistory,
  HISTORY_CLUSTER,
  type Move,
  type HistoryReplay,
} from './histories';
