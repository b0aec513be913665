import type * as v from 'valibot';
import type { HazardCode, HazardName } from '../core/hazards.js';
import type { MisfirePolicy } from '../core/misfire.js';
import type {
  action,
  coordinatorSettings,
  databaseSettings,
  hazardList,
  jobModel,
  misfirePolicy,
  scenarioSchema,
  serverSpec,
} from './validation/scenarioSchema.js';

/**
 * The scenario format's types, derived from its valibot schema (`validation/scenarioSchema.ts`), which is
 * the one place the format is spelled out, with a comment on each field: a key added there is a key here.
 * This module imports the schema for its types only, so importing a type or a constant from it pulls no
 * valibot into a bundle.
 */

export const SCENARIO_VERSION = 1;

/** What a scenario without `database.latencyMs` gets: each statement answered 0-2 ms after it was asked. */
export const DEFAULT_LATENCY_MS = { min: 0, max: 2 } as const;

// Interfaces rather than aliases of the inferred types, so that hovers and compiler errors name them
// (`ServerSpec`) instead of spelling out their fields. They add nothing: every member comes from the schema.
/* eslint-disable @typescript-eslint/no-empty-object-type */
export interface Scenario extends v.InferOutput<typeof scenarioSchema> {}
export interface CoordinatorSettings extends v.InferOutput<typeof coordinatorSettings> {}
export interface DatabaseSettings extends v.InferOutput<typeof databaseSettings> {}
export interface JobModel extends v.InferOutput<typeof jobModel> {}
export interface ServerSpec extends v.InferOutput<typeof serverSpec> {}
/* eslint-enable @typescript-eslint/no-empty-object-type */

export type HazardList = v.InferOutput<typeof hazardList>;

/** One thing that happens to the cluster at `atMs`: one of the schema's action variants. */
export type Action = v.InferOutput<typeof action>;

/** An action without its time, as the page takes it: it happens at the moment it is taken. */
export type ActionBody = WithoutTime<Action>;
/** Each variant without `atMs` (a conditional type, so that it applies to each variant of the union). */
type WithoutTime<A> = A extends unknown ? { [K in keyof A as Exclude<K, 'atMs'>]: A[K] } : never;

export type ActionType = Action['type'];

// The schema spells parts of the format that core defines too: a drift there fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const misfireIsCoreMisfire: Same<v.InferOutput<typeof misfirePolicy>, MisfirePolicy> = true;
const hazardsAreCoreHazards: Same<HazardList, (HazardName | HazardCode)[]> = true;
void misfireIsCoreMisfire;
void hazardsAreCoreHazards;
