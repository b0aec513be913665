import { findLesson, parseLessonJson, type LessonScenario } from '../../lessons';

/**
 * The lessons of `lessons/`, bundled into the page. Each file is named `<number>-<id>.json`, so the list of
 * names is known at once (for `?lesson=` and the first visit) while the files themselves load only when a
 * lesson is opened or the menu shows their titles: the first page stays as small as before.
 */
const files = import.meta.glob('../../../lessons/*.json', { query: '?raw', import: 'default' }) as Record<
  string,
  () => Promise<string>
>;

export interface LessonName {
  number: number;
  id: string;
  file: string;
}

export const LESSON_NAMES: readonly LessonName[] = Object.keys(files)
  .map((path) => {
    const file = path.replace(/^.*\//, '');
    const match = /^(\d+)-(.+)\.json$/.exec(file);
    return match ? { number: Number(match[1]), id: match[2]!, file } : null;
  })
  .filter((name): name is LessonName => name !== null)
  .sort((a, b) => a.number - b.number);

/** The lesson `?lesson=` names, by number or id. */
export function lessonNamed(name: string): LessonName | undefined {
  return findLesson(
    LESSON_NAMES.map((entry) => ({ lesson: entry, entry })),
    name,
  )?.entry;
}

/** Whether a `?lesson=` value looks like a lesson's name (a number or an id) rather than caption text. */
export function looksLikeName(text: string): boolean {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(text.trim());
}

/**
 * The lesson the page opens as it starts, instead of any other scenario (so the engine loads one scenario,
 * not an example and then the lesson): the one `?lesson=` names, or lesson 1 on a first visit to the bare
 * page. A `?lesson=` that looks like a name but names none is a problem to say; caption text (an embed's
 * "Open in the full playground") opens nothing.
 */
export function lessonAtStart(
  search: string,
  hash: string,
  visited: boolean,
): { open: LessonName } | { problem: string } | null {
  const asked = new URLSearchParams(search).get('lesson');
  if (asked !== null && looksLikeName(asked)) {
    const name = lessonNamed(asked);
    if (name) return { open: name };
    const list = LESSON_NAMES.map((entry) => `${entry.number} (${entry.id})`).join(', ');
    return { problem: `there is no lesson "${asked}". The lessons are ${list}.` };
  }
  const first = LESSON_NAMES[0];
  return search === '' && hash === '' && !visited && first ? { open: first } : null;
}

const loaded = new Map<string, Promise<LessonScenario>>();

export function loadLesson(name: LessonName): Promise<LessonScenario> {
  let promise = loaded.get(name.file);
  if (!promise) {
    const load = Object.entries(files).find(([path]) => path.endsWith(`/${name.file}`))?.[1];
    if (!load) return Promise.reject(new Error(`no lesson file ${name.file}`));
    promise = load().then((text) => parseLessonJson(text, `lessons/${name.file}`));
    loaded.set(name.file, promise);
  }
  return promise;
}

export function loadAllLessons(): Promise<LessonScenario[]> {
  return Promise.all(LESSON_NAMES.map(loadLesson));
}
