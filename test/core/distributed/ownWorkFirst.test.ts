/**
 * OwnWorkFirst's bookkeeping on its own: which takes answer for which added jobs, and when the others are
 * told. (Its effect on a cluster is in test/sim/ownWorkFirst.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { OwnWorkFirst } from '../../../src/core/distributed/ownWorkFirst';

function counted() {
  const told = { times: 0 };
  const work = new OwnWorkFirst(async () => {
    told.times += 1;
  });
  return { work, told };
}

describe('OwnWorkFirst', () => {
  test('a short take answers for the jobs added before it began, not for one added while it ran', async () => {
    const { work, told } = counted();
    work.keepForOwnTake(2);
    const answeredFor = work.takeBegins();
    work.keepForOwnTake(1); // added while the take is on its way: its read may have missed it
    expect(await work.takeEnded(answeredFor, false)).toBe(false);
    expect(told.times).toBe(0);
    // The next take answers for the late one; a full take then tells the others, once.
    const next = work.takeBegins();
    expect(next).toBe(1);
    expect(await work.takeEnded(next, true)).toBe(true);
    expect(told.times).toBe(1);
    expect(work.takeBegins()).toBe(0);
  });

  test('a full take with nothing untold tells nobody; a failed take or a stop tells what is untold', async () => {
    const { work, told } = counted();
    expect(await work.takeEnded(work.takeBegins(), true)).toBe(false);
    expect(await work.tell()).toBe(false);
    expect(told.times).toBe(0);
    work.keepForOwnTake(3);
    expect(await work.tell()).toBe(true);
    expect(told.times).toBe(1);
    expect(await work.tell()).toBe(false);
  });

  test('a crash forgets what was untold: nobody is told, the polls find it', async () => {
    const { work, told } = counted();
    work.keepForOwnTake(4);
    work.forget();
    expect(await work.tell()).toBe(false);
    expect(told.times).toBe(0);
  });
});
