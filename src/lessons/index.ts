/** The playground's lessons: their format, reading a lesson file, and judging a learner's step. */
export { lessonSchema, lessonStep, condition } from './lessonSchema.js';
export type { Lesson, LessonStep, Condition, Question, LessonScenario } from './types.js';
export { parseLessonJson, findLesson } from './parseLesson.js';
export {
  evaluateStep,
  describeCondition,
  isLearnerAction,
  trackRunning,
  actionMatches,
  type TookCondition,
  type Answer,
  type InvariantState,
  type LessonView,
  type StepResult,
  type StepStart,
} from './evaluate.js';
export { GLOSSARY, textSegments, glossaryMarks, plainText, isGlossaryKey } from './glossary.js';
export type { GlossaryKey, TextSegment } from './glossary.js';
