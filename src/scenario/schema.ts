/**
 * Checking and printing a scenario, under the path it had before the format was split by concept. Importers
 * from outside the room may prefer `src/scenario` (index.ts); this keeps `scenario/schema` imports working.
 * The valibot schema itself is `validation/scenarioSchema.ts`.
 */
export {
  ID_PATTERN,
  MAX_ACTIONS,
  MAX_DURATION_MS,
  MAX_ENQUEUE_COUNT,
  MAX_JOBS,
  MAX_LATENCY_MS,
  MAX_LINK_CHARS,
  MAX_LINK_SCENARIO_BYTES,
  MAX_OFFSET_MS,
  MAX_PARAMS_CHARS,
  MAX_PARAMS_DEPTH,
  MAX_SCHEDULES,
  MAX_SERVERS,
  MAX_TOTAL_JOBS,
  MAX_TOTAL_PARAMS_CHARS,
  MAX_WAKEUPS,
  SEED_MAX,
  SEED_MIN,
} from './limits.js';
export { parseScenario, parseScenarioJson, type ParseOptions } from './parse.js';
export { wakeupRate, wakeups, type WakeupRate } from './validation/caps.js';
export { serializeScenario } from './print.js';
export { describeValue } from './validation/messages.js';
export { ScenarioError, type ScenarioProblem } from './validation/problems.js';
export { ACTION_TYPES } from './validation/scenarioSchema.js';
