import * as v from 'valibot';
import { parseScenarioJson } from '../scenario/parse.js';
import { problemOf, ScenarioError } from '../scenario/validation/problems.js';
import { glossaryMarks } from './glossary.js';
import { lessonSchema } from './lessonSchema.js';
import type { Lesson, LessonScenario } from './types.js';

/**
 * Reads a lesson file: a scenario (checked as every scenario is) whose `lesson` part is checked here. The
 * problems read as the scenario's do, `lesson.steps[2].check[0].took: expected ...`; a glossary mark naming
 * no glossary word is a problem too.
 */
export function parseLessonJson(text: string, source: string): LessonScenario {
  const scenario = parseScenarioJson(text, source);
  const result = v.safeParse(lessonSchema, scenario.lesson);
  if (!result.success) {
    throw new ScenarioError(
      result.issues.map((issue) => {
        const problem = problemOf(issue);
        return { ...problem, path: problem.path ? `lesson.${problem.path}` : 'lesson' };
      }),
      source,
    );
  }
  const lesson: Lesson = result.output;
  const unknown = lesson.steps.flatMap((step, index) =>
    [step.text, step.wait ?? '', step.do ?? '', step.done ?? '']
      .flatMap((part) => glossaryMarks(part).unknown)
      .map((word) => ({ path: `lesson.steps[${index}]`, message: `"${word}" is no glossary word` })),
  );
  if (unknown.length > 0) throw new ScenarioError(unknown, source);
  const { lesson: _part, ...rest } = scenario;
  void _part;
  return { scenario: rest, lesson, source };
}

/** Finds a lesson by what `?lesson=` gave: its number (`2`) or its id (`crash-the-leader`). */
export function findLesson<T extends { lesson: Pick<Lesson, 'number' | 'id'> }>(
  lessons: readonly T[],
  name: string,
): T | undefined {
  const wanted = name.trim().toLowerCase();
  return lessons.find((entry) => String(entry.lesson.number) === wanted || entry.lesson.id === wanted);
}
