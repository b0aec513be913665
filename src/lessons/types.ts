import type * as v from 'valibot';
import type { Scenario } from '../scenario/types.js';
import type { condition, lessonSchema, lessonStep } from './lessonSchema.js';

/* eslint-disable @typescript-eslint/no-empty-object-type */
/** A lesson as its file writes it (the schema in lessonSchema.ts is the one definition). */
export interface Lesson extends v.InferOutput<typeof lessonSchema> {}
export interface LessonStep extends v.InferOutput<typeof lessonStep> {}
/* eslint-enable @typescript-eslint/no-empty-object-type */
export type Condition = v.InferOutput<typeof condition>;
export type Question = NonNullable<LessonStep['question']>;

/** A lesson file: a scenario (without its lesson part, as the engine loads it) and its lesson. */
export interface LessonScenario {
  scenario: Scenario;
  lesson: Lesson;
  /** Where it came from: `lessons/heartbeat-lease.json`. */
  source: string;
}
