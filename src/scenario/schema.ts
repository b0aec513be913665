/**
 * Checking and printing a scenario, under the path it had before the format was split by concept. Importers
 * from outside the room may prefer `src/scenario` (index.ts); this keeps `scenario/schema` imports working.
 * The valibot schema itself is `validation/scenarioSchema.ts`.
 */
export {
  ID_PATTERN,
  MAX_DURATION_MS,
  MAX_ENQUEUE_COUNT,
  MAX_LATENCY_MS,
  MAX_OFFSET_MS,
  SEED_MAX,
  SEED_MIN,
} from './limits';
export { parseScenario, parseScenarioJson } from './parse';
export { serializeScenario } from './print';
export { describeValue } from './validation/messages';
export { ScenarioError, type ScenarioProblem } from './validation/problems';
export { ACTION_TYPES } from './validation/scenarioSchema';
