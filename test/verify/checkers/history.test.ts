import { describe, expect, it } from 'vitest';
import { historyToEdn, toJepsenHistory } from '../../../src/verify/jepsenHistory';
import { RunBuilder } from './build';

describe('Jepsen history', () => {
  it('turns enqueues, runs and leadership into invoke/complete pairs', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.enqueued(10, 'a', '1');
    run.enqueued(10, 'a', '2');
    run.claimed(20, 'a', '1', 1);
    run.claimed(20, 'b', '2', 1);
    run.completed(30, 'a', '1', 1);
    run.action(40, { type: 'crash', server: 'b' });
    run.process(40, 'b', 'processEnded', 'crash');
    run.event(50, 'a', { type: 'released', term: 1 });
    const ops = toJepsenHistory(run.build());
    expect(ops.map((op) => [op.time, op.process, op.type, op.f])).toEqual([
      [0, 'a', 'invoke', 'lead'],
      [0, 'a', 'ok', 'lead'],
      [10, 'client', 'invoke', 'enqueue'],
      [10, 'client', 'ok', 'enqueue'],
      [10, 'client', 'invoke', 'enqueue'],
      [10, 'client', 'ok', 'enqueue'],
      [20, 'a', 'invoke', 'run'],
      [20, 'b', 'invoke', 'run'],
      [30, 'a', 'ok', 'run'],
      [40, 'b', 'info', 'run'],
      [50, 'a', 'invoke', 'lead'],
      [50, 'a', 'ok', 'lead'],
    ]);
    expect(ops.map((op) => op.index)).toEqual(ops.map((_, index) => index));
    expect(ops[9]!.value).toMatchObject({ job: '2', attempt: 1, reason: 'crash' });

    const edn = historyToEdn(ops).split('\n');
    expect(edn).toHaveLength(ops.length + 1);
    expect(edn[6]).toBe(
      '{:index 6, :time 20, :type :invoke, :process "a", :f :run, :value {:job "1", :name "work", :attempt 1, :token "a:claim/1/1"}}',
    );
    expect(edn[0]).toBe(
      '{:index 0, :time 0, :type :invoke, :process "a", :f :lead, :value {:action "acquire", :term 1}}',
    );
  });

  it('marks a run whose claim was reclaimed as unknown, and a rejected completion is not counted twice', () => {
    const run = new RunBuilder();
    run.claimed(20, 'a', '1', 1);
    run.reclaimed(6_000, 'b', '1', 'a');
    run.event(7_000, 'a', { type: 'completionRejected', jobId: '1', jobName: 'work', attempt: 1 });
    const ops = toJepsenHistory(run.build());
    expect(ops.map((op) => [op.process, op.type])).toEqual([
      ['a', 'invoke'],
      ['a', 'info'],
    ]);
    expect(ops[1]!.value.reason).toBe('reclaimed by b');
  });
});
