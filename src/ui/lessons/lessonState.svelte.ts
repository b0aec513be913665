import { evaluateStep, type LessonScenario, type StepResult, type StepStart } from '../../lessons';
import type { Playground } from '../state/playground.svelte';
import { LESSON_NAMES, loadAllLessons, loadLesson, type LessonName } from './bundle';
import { markDone, pageStorage, readProgress, writeProgress, type Progress } from './progress';

/**
 * The lesson open on the page: which step, where its window began, the learner's answer, and the verdict
 * of each step, judged on every view the Playground takes in (the same trace and live invariants the
 * invariants panel shows: the session's checkers, the property suites' ones).
 */
export class LessonState {
  /** The lesson open, or null (the plain playground). */
  current = $state.raw<LessonScenario | null>(null);
  stepIndex = $state(0);
  start = $state.raw<StepStart>({ history: 0, atMs: 0 });
  answer = $state<number | null>(null);
  /** A step judged done stays done (a later rewind does not undo what the learner saw). */
  latched = $state.raw<StepResult | null>(null);
  progress = $state.raw<Progress>(readProgress(pageStorage()));
  /** Every lesson, once the menu asked for their titles. */
  all = $state.raw<LessonScenario[]>([]);
  menuOpen = $state(false);
  /** A lesson is loading (its scenario going into the engine). */
  opening = $state(false);

  constructor(private readonly pg: Playground) {}

  readonly names = LESSON_NAMES;

  get step() {
    return this.current?.lesson.steps[this.stepIndex] ?? null;
  }

  get isLast(): boolean {
    return !!this.current && this.stepIndex >= this.current.lesson.steps.length - 1;
  }

  /** The step's verdict now: latched once done, otherwise judged on the current view. */
  result = $derived.by((): StepResult | null => {
    const step = this.step;
    const current = this.current;
    if (!step || !current) return null;
    if (this.latched) return this.latched;
    const pg = this.pg;
    void pg.logVersion;
    return evaluateStep(
      step,
      {
        history: pg.history,
        elapsedMs: pg.elapsedMs,
        epoch: pg.epoch,
        entries: pg.log,
        invariants: pg.invariants,
        snapshot: pg.snapshot,
        scripted: current.scenario.actions,
      },
      this.start,
      this.answer,
    );
  });

  /** Called from an effect: keeps a done step done, and records a finished lesson. */
  latch(): void {
    const result = this.result;
    if (!result || this.latched || result.status !== 'done') return;
    this.latched = result;
    if (this.isLast && this.current) this.save(markDone(this.progress, this.current.lesson.id));
  }

  /** Opens a lesson at its first step; resolves to an error message or null. */
  async open(name: LessonName): Promise<string | null> {
    this.opening = true;
    try {
      const file = await loadLesson(name);
      const error = await this.pg.load(file.scenario, `lesson-${file.lesson.id}`);
      if (error) return error;
      this.pg.pause();
      this.current = file;
      this.menuOpen = false;
      this.enterStep(0);
      this.save({ ...this.progress, visited: true });
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      this.opening = false;
    }
  }

  close(): void {
    this.current = null;
    this.latched = null;
  }

  async next(): Promise<void> {
    if (!this.current || this.isLast) return;
    const index = this.stepIndex + 1;
    if (this.current.lesson.steps[index]?.fresh) {
      this.pg.pause();
      await this.pg.reset();
    }
    this.enterStep(index);
  }

  /** Starts the run over for another try at this step (the window then starts at 0). */
  async retry(): Promise<void> {
    this.pg.pause();
    await this.pg.reset();
    this.start = { history: this.pg.history, atMs: 0 };
    this.latched = null;
  }

  setAnswer(value: number | null): void {
    this.answer = value;
  }

  async loadTitles(): Promise<void> {
    if (this.all.length === 0) this.all = await loadAllLessons();
  }

  isDone(id: string): boolean {
    return this.progress.done.includes(id);
  }

  private enterStep(index: number): void {
    this.stepIndex = index;
    this.start = { history: this.pg.history, atMs: this.pg.elapsedMs };
    this.answer = null;
    this.latched = null;
  }

  private save(progress: Progress): void {
    this.progress = progress;
    writeProgress(pageStorage(), progress);
  }
}
