import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  emptyProgress,
  markDone,
  PROGRESS_KEY,
  readProgress,
  writeProgress,
  type StorageLike,
} from '../../src/ui/lessons/progress';
import { lessonFiles } from './player';

function memory(initial: Record<string, string> = {}): StorageLike & { data: Record<string, string> } {
  const data = { ...initial };
  return {
    data,
    getItem: (key) => data[key] ?? null,
    setItem: (key, value) => {
      data[key] = value;
    },
  };
}

describe('lesson progress in the browser', () => {
  test('a first visit has nothing; a finished lesson is kept and read back', () => {
    const storage = memory();
    expect(readProgress(storage)).toEqual(emptyProgress());
    expect(writeProgress(storage, markDone(emptyProgress(), 'crash-the-leader'))).toBe(true);
    expect(readProgress(storage)).toEqual({ done: ['crash-the-leader'], visited: true });
  });

  test('storage missing, throwing, full or holding garbage: a fresh start, never an error', () => {
    expect(readProgress(null)).toEqual(emptyProgress());
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(readProgress(throwing)).toEqual(emptyProgress());
    expect(writeProgress(throwing, emptyProgress())).toBe(false);
    expect(readProgress(memory({ [PROGRESS_KEY]: '{"done": [1, "ok", null, "ok"' }))).toEqual({
      done: [],
      visited: true,
    });
    expect(readProgress(memory({ [PROGRESS_KEY]: '{"done": [1, "ok", null, "ok"]}' }))).toEqual({
      done: ['ok'],
      visited: true,
    });
    expect(readProgress(memory({ [PROGRESS_KEY]: '7' }))).toEqual({ done: [], visited: true });
  });

  test('each lesson file is named <number>-<id>.json, which is how the page knows them before loading', () => {
    const names = readdirSync(new URL('../../lessons/', import.meta.url)).sort();
    expect(names).toEqual(
      lessonFiles()
        .map((entry) => `${entry.lesson.number}-${entry.lesson.id}.json`)
        .sort(),
    );
  });
});
