/** The scenario format: its types, parsing with error positions, printing, and the arbitraries that draw scenarios. */
export type { Scenario, Action, ActionBody, ActionType, JobModel, ServerSpec, HazardList } from './types.js';
export { SCENARIO_VERSION } from './types.js';
export { SERVER_TARGETS, isServerTarget, targetOf, type ServerTarget } from './targets.js';
export { parseScenario, parseScenarioJson } from './parse.js';
export { serializeScenario } from './print.js';
export { ScenarioError } from './validation/problems.js';
export { scenarioArbitrary } from './arbitraries/scenarioArbitrary.js';
export { planArbitrary, type ScenarioPlan } from './arbitraries/plan.js';
export { planToScenario } from './arbitraries/planToScenario.js';
export { onlyFaults, FAULT_PROFILES } from './arbitraries/profiles.js';
export type { ScenarioArbitraryOptions, FaultKind } from './arbitraries/options.js';
