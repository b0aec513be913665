/**
 * The worker's source under hazard H10: this server's memory first, then the shared table, within the
 * number of free slots; each job settles where it came from; a listener hears both and can stop hearing
 * both. Two real in-memory job sources stand for the memory and the table, on virtual time.
 */
import { expect, test } from 'vitest';
import { JobQueue } from '../../../src/core';
import { LocalQueueFirst } from '../../../src/core/distributed/localQueueFirst';
import { Emitter } from '../../../src/core/events';
import { LocalJobSource } from '../../../src/core/localJobSource';
import { serverClock } from '../../../src/sim/time/serverClock';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../../../src/sim/time/virtualTime';

function sources() {
  const time = new VirtualTime(DEFAULT_EPOCH_MS);
  const clock = serverClock(time, {});
  const events = new Emitter('a', () => clock.now(), undefined);
  const source = () => new LocalJobSource(new JobQueue(), clock, events, () => false);
  const memory = source();
  const table = source();
  const push = (on: LocalJobSource, id: string) => on.queue.push({ id, name: 'j', params: {}, attempts: 0 });
  return { memory, table, push, first: new LocalQueueFirst(memory, table) };
}

test('a take fills the free slots from memory first, then from the table, and never takes more', async () => {
  const { memory, table, push, first } = sources();
  push(memory, 'm1');
  for (const id of ['t1', 't2', 't3', 't4']) push(table, id);
  const taken = await first.take(3);
  expect(taken.jobs.map((job) => job.id)).toEqual(['m1', 't1', 't2']);
  expect(table.waiting).toBe(2);
  // Memory alone fills a take of one: the table is not touched.
  push(memory, 'm2');
  expect((await first.take(1)).jobs.map((job) => job.id)).toEqual(['m2']);
  expect(table.waiting).toBe(2);
});

test('each job settles with the source it came from; one from elsewhere is refused, naming it', async () => {
  const { memory, table, push, first } = sources();
  push(memory, 'm1');
  push(table, 't1');
  const [fromMemory, fromTable] = (await first.take(2)).jobs;
  await first.release(fromTable!, false);
  expect(table.waiting).toBe(1);
  expect(memory.waiting).toBe(0);
  await first.release(fromMemory!, false);
  expect(memory.waiting).toBe(1);
  const stranger = { ...fromMemory!, id: 'x9' };
  expect(() => first.complete(stranger)).toThrow('job x9 was not taken from this source');
});

test('a listener hears new work in either source, and hears nothing once it stops listening', () => {
  const { memory, table, push, first } = sources();
  let heard = 0;
  const stop = first.onWork(() => heard++);
  push(memory, 'm1');
  push(table, 't1');
  expect(heard).toBe(2);
  stop();
  push(memory, 'm2');
  push(table, 't2');
  expect(heard).toBe(2);
});
