/** The scenario format: its types, parsing with error positions, printing, and the arbitraries that draw scenarios. */
export type { Scenario, Action, ActionBody, ActionType, JobModel, ServerSpec, HazardList } from './types';
export { SCENARIO_VERSION } from './types';
export { parseScenario, parseScenarioJson } from './parse';
export { serializeScenario } from './print';
export { ScenarioError } from './validation/problems';
export { scenarioArbitrary } from './arbitraries/scenarioArbitrary';
export { planArbitrary, type ScenarioPlan } from './arbitraries/plan';
export { planToScenario } from './arbitraries/planToScenario';
export { onlyFaults, FAULT_PROFILES } from './arbitraries/profiles';
export type { ScenarioArbitraryOptions, FaultKind } from './arbitraries/options';
