import { describe, expect, test } from 'vitest';
import { SystemClock } from '../../src/adapters';

describe('the system clock', () => {
  test("is the host's time, or set off by an offset", () => {
    expect(Math.abs(new SystemClock().now() - Date.now())).toBeLessThan(50);
    const ahead = new SystemClock({ offsetMs: 60_000 });
    expect(Math.abs(ahead.now() - Date.now() - 60_000)).toBeLessThan(50);
    expect(Math.abs(ahead.offsetMs - 60_000)).toBeLessThan(50);
  });

  test('a fast clock runs ahead and fires its timers early in real time', async () => {
    const fast = new SystemClock({ rate: 2 });
    const started = Date.now();
    const startedOnClock = fast.now();
    await new Promise<void>((done) => fast.setTimer(200, done));
    const real = Date.now() - started;
    expect(real).toBeGreaterThanOrEqual(95);
    expect(real).toBeLessThan(190);
    expect(fast.now() - startedOnClock).toBeGreaterThanOrEqual(190);
  });

  test('setTime jumps the clock; a cancelled timer never fires, and cancelling twice does nothing', async () => {
    const clock = new SystemClock();
    clock.setTime(1_000);
    expect(clock.now()).toBeGreaterThanOrEqual(1_000);
    expect(clock.now()).toBeLessThan(1_050);
    let fired = false;
    const cancel = clock.setTimer(20, () => (fired = true));
    cancel();
    cancel();
    await new Promise((done) => setTimeout(done, 60));
    expect(fired).toBe(false);
  });

  test('a rate that is not a positive number is refused', () => {
    expect(() => new SystemClock({ rate: 0 })).toThrow(
      'SystemClock: rate must be a positive finite number, got 0',
    );
  });
});
