/**
 * What the page needs of the scenario format beyond its types: reading and writing scenario files, and the
 * limits its fields take (so a form can say the same bounds the parser enforces).
 */
export { parseScenarioJson, serializeScenario, ScenarioError } from '../scenario/schema';
export {
  MAX_ENQUEUE_COUNT,
  MAX_LINK_CHARS,
  MAX_LINK_SCENARIO_BYTES,
  SEED_MAX,
  SEED_MIN,
} from '../scenario/schema';
