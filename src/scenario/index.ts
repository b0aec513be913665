/** The scenario format: its types, parsing with error positions, printing, and the arbitraries that draw scenarios. */
export type { Scenario, Action, ActionBody, ActionType, JobModel, ServerSpec, HazardList } from './types';
export { SCENARIO_VERSION } from './types';
export { parseScenario, parseScenarioJson, serializeScenario, ScenarioError } from './schema';
export {
  scenarioArbitrary,
  planArbitrary,
  planToScenario,
  onlyFaults,
  FAULT_PROFILES,
  type ScenarioArbitraryOptions,
  type FaultKind,
} from './arbitraries/scenarioArbitrary';
