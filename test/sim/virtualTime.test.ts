import fc from 'fast-check';
import { describe, expect, it, test, vi } from 'vitest';
import { settle } from '../../src/sim/time/settle';
import { databaseClock } from '../../src/sim/time/databaseClock';
import { serverClock } from '../../src/sim/time/serverClock';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../../src/sim/time/virtualTime';

describe('VirtualTime', () => {
  it('starts at the given epoch, 0 by default', () => {
    expect(new VirtualTime().now()).toBe(0);
    expect(new VirtualTime(1234).now()).toBe(1234);
    expect(new VirtualTime({ epochMs: DEFAULT_EPOCH_MS }).now()).toBe(DEFAULT_EPOCH_MS);
    expect(DEFAULT_EPOCH_MS).toBe(Date.UTC(2026, 0, 1));
  });

  it('fires timers in time order, each seeing its own time as now()', async () => {
    const vt = new VirtualTime(1000);
    const seen: [string, number][] = [];
    vt.setTimer(300, () => seen.push(['c', vt.now()]));
    vt.setTimer(100, () => seen.push(['a', vt.now()]));
    vt.setTimer(200, () => seen.push(['b', vt.now()]));
    await vt.advance(1000);
    expect(seen).toEqual([
      ['a', 1100],
      ['b', 1200],
      ['c', 1300],
    ]);
    expect(vt.now()).toBe(2000);
  });

  it('fires timers due at the same instant in registration order', async () => {
    const vt = new VirtualTime();
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) vt.setTimer(50, () => seen.push(i));
    await vt.advance(50);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('runs a timer registered in a callback for the same instant after those already due, in the same advance', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    vt.setTimer(10, () => {
      seen.push('first');
      vt.setTimer(0, () => seen.push(`zero-delay at ${vt.now()}`));
      vt.setTimer(5, () => seen.push(`later at ${vt.now()}`));
      vt.setTimer(500, () => seen.push('too late'));
    });
    vt.setTimer(10, () => seen.push('second'));
    vt.setTimer(12, () => seen.push('at 12'));
    await vt.advance(100);
    expect(seen).toEqual(['first', 'second', 'zero-delay at 10', 'at 12', 'later at 15']);
    expect(vt.pendingTimers()).toBe(1);
    expect(vt.nextTimerAt()).toBe(510);
  });

  it('does not fire a cancelled timer, and cancelling twice or after firing does nothing', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    const cancelA = vt.setTimer(10, () => seen.push('a'));
    const cancelB = vt.setTimer(20, () => seen.push('b'));
    vt.setTimer(30, () => cancelB()); // after b fired
    expect(vt.pendingTimers()).toBe(3);
    cancelA();
    cancelA();
    expect(vt.pendingTimers()).toBe(2);
    expect(vt.nextTimerAt()).toBe(20);
    await vt.advance(100);
    expect(seen).toEqual(['b']);
    expect(vt.pendingTimers()).toBe(0);
    expect(vt.nextTimerAt()).toBeUndefined();
  });

  it('lets a callback cancel a timer due at the same instant', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    let cancelLater = (): void => {};
    vt.setTimer(10, () => {
      seen.push('a');
      cancelLater();
    });
    cancelLater = vt.setTimer(10, () => seen.push('b'));
    await vt.advance(10);
    expect(seen).toEqual(['a']);
  });

  it('returns from advance with now() at the target, and advance(0) runs what is due now', async () => {
    const vt = new VirtualTime(500);
    await vt.advance(0);
    expect(vt.now()).toBe(500);
    await vt.advance(250);
    expect(vt.now()).toBe(750);
    const seen: number[] = [];
    vt.setTimer(0, () => seen.push(vt.now()));
    await vt.advance(0);
    expect(seen).toEqual([750]);
    vt.setTimer(100, () => seen.push(vt.now()));
    await vt.advance(100);
    expect(seen).toEqual([750, 850]);
    expect(vt.now()).toBe(850);
  });

  it('completes an async chain woken by a timer within its step, before the next timer', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    vt.setTimer(10, async () => {
      for (let i = 0; i < 50; i++) await Promise.resolve(i);
      seen.push(`chain done at ${vt.now()}`);
    });
    vt.setTimer(10, () => seen.push('next timer at the same instant'));
    await vt.advance(10);
    expect(seen).toEqual(['chain done at 10', 'next timer at the same instant']);
  });

  it('lets work started before advance run at the current time before time moves', async () => {
    const vt = new VirtualTime();
    const seen: string[] = [];
    const start = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
      seen.push(`started at ${vt.now()}`);
      vt.setTimer(100, () => seen.push(`tick at ${vt.now()}`));
    };
    void start();
    vt.setTimer(50, () => seen.push('other at 50'));
    await vt.advance(200);
    expect(seen).toEqual(['started at 0', 'other at 50', 'tick at 100']);
  });

  it('keeps nested asynchronous loops going step by step (a heartbeat that awaits)', async () => {
    const vt = new VirtualTime();
    const beats: number[] = [];
    const beat = async (): Promise<void> => {
      await Promise.resolve();
      beats.push(vt.now());
      vt.setTimer(100, () => void beat());
    };
    vt.setTimer(0, () => void beat());
    await vt.advance(450);
    expect(beats).toEqual([0, 100, 200, 300, 400]);
    expect(vt.nextTimerAt()).toBe(500);
  });

  it('runUntil goes to an absolute time and refuses the past', async () => {
    const vt = new VirtualTime(100);
    const seen: number[] = [];
    vt.setTimer(50, () => seen.push(vt.now()));
    await vt.runUntil(400);
    expect(vt.now()).toBe(400);
    expect(seen).toEqual([150]);
    await expect(vt.runUntil(300)).rejects.toThrow(RangeError);
  });

  it('runUntilIdle stops at the last timer when the queue empties, or at the limit', async () => {
    const vt = new VirtualTime();
    vt.setTimer(30, () => vt.setTimer(40, () => {}));
    expect(await vt.runUntilIdle(1000)).toBe(true);
    expect(vt.now()).toBe(70);

    const periodic = (): void => void vt.setTimer(10, periodic);
    periodic();
    expect(await vt.runUntilIdle(95)).toBe(false);
    expect(vt.now()).toBe(165);
    expect(vt.nextTimerAt()).toBe(170);
  });

  it('is not reentrant', async () => {
    const vt = new VirtualTime();
    const first = vt.advance(10);
    await expect(vt.advance(10)).rejects.toThrow(/already running/);
    await first;
    expect(vt.now()).toBe(10);
  });

  it('rejects invalid arguments', async () => {
    const vt = new VirtualTime();
    await expect(vt.advance(-1)).rejects.toThrow(RangeError);
    await expect(vt.advance(Number.NaN)).rejects.toThrow(RangeError);
    expect(() => vt.setTimer(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
  });

  it('treats a negative delay as zero', async () => {
    const vt = new VirtualTime(100);
    const seen: number[] = [];
    vt.setTimer(-50, () => seen.push(vt.now()));
    await vt.advance(0);
    expect(seen).toEqual([100]);
  });

  describe('errors', () => {
    it('stops advance after the failing step and rethrows, leaving the queue intact', async () => {
      const vt = new VirtualTime();
      const seen: string[] = [];
      vt.setTimer(10, () => seen.push('before'));
      vt.setTimer(20, () => {
        throw new Error('boom');
      });
      vt.setTimer(20, () => seen.push('same instant, after'));
      vt.setTimer(30, () => seen.push('after'));
      await expect(vt.advance(100)).rejects.toThrow('boom');
      expect(vt.now()).toBe(20);
      expect(seen).toEqual(['before']);
      expect(vt.pendingTimers()).toBe(2);
      await vt.advance(80);
      expect(seen).toEqual(['before', 'same instant, after', 'after']);
      expect(vt.now()).toBe(100);
    });

    it('surfaces a rejection of an async callback', async () => {
      const vt = new VirtualTime();
      vt.setTimer(10, async () => {
        await Promise.resolve();
        throw new Error('async boom');
      });
      vt.setTimer(20, () => {});
      await expect(vt.advance(50)).rejects.toThrow('async boom');
      expect(vt.now()).toBe(10);
      expect(vt.pendingTimers()).toBe(1);
    });

    it('hands errors to onError and runs on when one is given', async () => {
      const errors: [string, number][] = [];
      const vt = new VirtualTime({
        onError: (error, at) => errors.push([(error as Error).message, at]),
      });
      const seen: number[] = [];
      vt.setTimer(10, () => {
        throw new Error('one');
      });
      vt.setTimer(20, async () => {
        await Promise.resolve();
        throw new Error('two');
      });
      vt.setTimer(30, () => seen.push(vt.now()));
      await vt.advance(100);
      expect(errors).toEqual([
        ['one', 10],
        ['two', 20],
      ]);
      expect(seen).toEqual([30]);
      expect(vt.now()).toBe(100);
    });

    it('awaits a callback that returns a promise before time moves on, and fails that step if it rejects', async () => {
      const vt = new VirtualTime();
      const order: string[] = [];
      // A delivery to a Web Worker resolves only when the worker is idle: nothing else may run meanwhile.
      vt.setTimer(10, async () => {
        await settle();
        await settle();
        order.push('a done');
        throw new Error('late a');
      });
      vt.setTimer(10, () => void order.push('b'));
      const error: unknown = await vt.advance(10).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message).toBe('late a');
      expect(order).toEqual(['a done']);
      await vt.advance(0);
      expect(order).toEqual(['a done', 'b']);
    });
  });

  it('fires any set of timers in (time, registration) order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 60 }),
        async (delays, horizon) => {
          const vt = new VirtualTime();
          const fired: number[] = [];
          delays.forEach((d, i) => vt.setTimer(d, () => fired.push(i)));
          await vt.advance(horizon);
          const expected = delays
            .map((d, i) => ({ d, i }))
            .filter(({ d }) => d <= horizon)
            .sort((a, b) => a.d - b.d || a.i - b.i)
            .map(({ i }) => i);
          expect(fired).toEqual(expected);
          expect(vt.pendingTimers()).toBe(delays.length - expected.length);
          expect(vt.now()).toBe(horizon);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('settle', () => {
  it('resolves only after a long microtask chain has finished', async () => {
    let done = false;
    void (async () => {
      for (let i = 0; i < 1000; i++) await Promise.resolve();
      done = true;
    })();
    await settle();
    expect(done).toBe(true);
  });

  it('falls back to a MessageChannel round trip where there is no setImmediate (browsers)', async () => {
    vi.stubGlobal('setImmediate', undefined);
    vi.resetModules();
    try {
      const fresh = await import('../../src/sim/time/settle');
      let done = false;
      void (async () => {
        for (let i = 0; i < 1000; i++) await Promise.resolve();
        done = true;
      })();
      const both = Promise.all([fresh.settle(), fresh.settle()]);
      await both;
      expect(done).toBe(true);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe('serverClock', () => {
  it('reads virtual time plus the initial offset', async () => {
    const vt = new VirtualTime(DEFAULT_EPOCH_MS);
    const clock = serverClock(vt, { offsetMs: -2000 });
    expect(clock.now()).toBe(DEFAULT_EPOCH_MS - 2000);
    expect(clock.offset()).toBe(-2000);
    await vt.advance(500);
    expect(clock.now()).toBe(DEFAULT_EPOCH_MS - 1500);
  });

  it('jumps on setOffset without moving timers', async () => {
    const vt = new VirtualTime(10_000);
    const clock = serverClock(vt);
    const seen: [number, number][] = [];
    clock.setTimer(1000, () => seen.push([vt.now(), clock.now()]));
    await vt.advance(400);
    clock.setOffset(60_000);
    expect(clock.now()).toBe(10_400 + 60_000);
    clock.jump(-100);
    expect(clock.offset()).toBe(59_900);
    await vt.advance(1000);
    expect(seen).toEqual([[11_000, 11_000 + 59_900]]);
  });

  it('at rate 2 fires a 1000 ms timer after 500 virtual ms and reads twice as fast', async () => {
    const vt = new VirtualTime(0);
    const clock = serverClock(vt, { rate: 2 });
    const seen: number[] = [];
    clock.setTimer(1000, () => seen.push(vt.now()));
    await vt.advance(499);
    expect(seen).toEqual([]);
    await vt.advance(1);
    expect(seen).toEqual([500]);
    expect(clock.now()).toBe(1000);
  });

  it('stays continuous across setRate, and keeps the rate a timer was registered with', async () => {
    const vt = new VirtualTime(0);
    const clock = serverClock(vt, { rate: 1 });
    const seen: number[] = [];
    clock.setTimer(1000, () => seen.push(vt.now()));
    await vt.advance(100);
    clock.setRate(0.5);
    expect(clock.now()).toBe(100);
    expect(clock.rate()).toBe(0.5);
    await vt.advance(100);
    expect(clock.now()).toBe(150);
    clock.setTimer(100, () => seen.push(vt.now())); // 100 ms at rate 0.5 = 200 virtual ms
    await vt.advance(1000);
    expect(seen).toEqual([400, 1000]);
    expect(() => clock.setRate(0)).toThrow(RangeError);
  });

  it('cancels through the virtual queue', async () => {
    const vt = new VirtualTime();
    const clock = serverClock(vt, { rate: 1.5 });
    const cancel = clock.setTimer(300, () => {
      throw new Error('should not fire');
    });
    cancel();
    await vt.advance(1000);
    expect(vt.pendingTimers()).toBe(0);
  });
});

describe('databaseClock', () => {
  it('reads virtual time plus a settable skew, with plain virtual timers', async () => {
    const vt = new VirtualTime(1000);
    const db = databaseClock(vt, 250);
    expect(db.now()).toBe(1250);
    db.setSkew(-30);
    expect(db.skew()).toBe(-30);
    expect(db.now()).toBe(970);
    const seen: number[] = [];
    db.setTimer(100, () => seen.push(vt.now()));
    await vt.advance(100);
    expect(seen).toEqual([1100]);
    expect(databaseClock(vt).now()).toBe(1100);
  });
});

describe('cancelled timers', () => {
  it('do not pile up in the queue: most timeouts are cancelled long before they are due', async () => {
    const time = new VirtualTime();
    const keep = time.setTimer(120_000, () => {});
    for (let i = 0; i < 10_000; i++) time.setTimer(60_000, () => {})();
    expect(time.pendingTimers()).toBe(1);
    expect(time.queuedEntries).toBeLessThan(1_100);
    keep();
    expect(time.pendingTimers()).toBe(0);
  });

  it('compaction keeps time order and registration order of the live timers', async () => {
    const time = new VirtualTime();
    const order: string[] = [];
    time.setTimer(50, () => void order.push('b1'));
    time.setTimer(10, () => void order.push('a'));
    for (let i = 0; i < 5_000; i++) time.setTimer(5, () => void order.push('cancelled'))();
    time.setTimer(50, () => void order.push('b2'));
    await time.advance(100);
    expect(order).toEqual(['a', 'b1', 'b2']);
  });
});

describe('batches', () => {
  test('due timers at one instant with one runner and distinct keys fire as one batch, in queue order', async () => {
    const time = new VirtualTime();
    const fired: string[] = [];
    const runner = (items: unknown[]) => {
      fired.push(`[${(items as string[]).join(' ')}]@${time.now()}`);
    };
    const batched = (at: number, key: string, item: string) =>
      time.setTimerAt(at, () => undefined, { batch: { runner, key, item } });
    batched(10, 'a', 'a1');
    batched(10, 'b', 'b1');
    batched(10, 'a', 'a2'); // a second message to `a`: the next batch
    batched(10, 'c', 'c1');
    time.setTimerAt(10, () => fired.push('plain@10'));
    batched(10, 'd', 'd1'); // after a plain timer: a batch of its own
    const cancelled = batched(10, 'e', 'e1');
    cancelled();
    batched(20, 'a', 'a3');
    await time.runUntil(30);
    expect(fired).toEqual(['[a1 b1]@10', '[a2 c1]@10', 'plain@10', '[d1]@10', '[a3]@20']);
    expect(time.pendingTimers()).toBe(0);
  });

  test('a batch whose runner fails is reported like a failing timer; the queue stays whole', async () => {
    const time = new VirtualTime();
    const runner = () => Promise.reject(new Error('worker gone'));
    time.setTimerAt(5, () => undefined, { batch: { runner, key: 1, item: 1 } });
    time.setTimerAt(5, () => undefined, { batch: { runner, key: 2, item: 2 } });
    let later = false;
    time.setTimerAt(8, () => (later = true));
    await expect(time.runUntil(10)).rejects.toThrow('worker gone');
    expect(time.now()).toBe(5);
    await time.runUntil(10);
    expect(later).toBe(true);
  });
});
