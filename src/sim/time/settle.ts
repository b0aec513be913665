/**
 * `settle()`: resolves once the microtask queue has drained.
 *
 * Why this file touches a host scheduling API, and the only file in `src/sim` that does:
 * after virtual time fires a timer, the code it wakes (a coordinator loop, a chain of `await`s on the
 * simulated database) keeps running in microtasks. Virtual time must not move on until that chain has
 * run as far as it can, or the next timer would fire "too early" relative to work that belongs to the
 * current instant. No promise can tell us when the microtask queue is empty, but a macrotask can: the
 * host runs a macrotask only after the microtask queue is empty, including microtasks queued by
 * microtasks. So we post one macrotask and resolve when it runs.
 *
 * Why this does not affect determinism: `settle` never decides *what* runs or *in which order*; it only
 * waits for quiescence. Ordering comes from the virtual timer queue (time, then registration order) and
 * from the microtask queue, which is FIFO and deterministic. The host's clock is never read, and how long
 * the barrier takes in wall time is invisible to the simulation.
 *
 * What it does not wait for: work that itself waits on a macrotask (a `postMessage` to a Worker, I/O, a
 * real `setTimeout`). Such transports are outside the simulation's single thread; the conductor must own
 * them and order their results itself.
 *
 * `setImmediate` (Node) runs after the current microtask queue and before timers and I/O of the next loop
 * turn. Browsers have no `setImmediate`; a `MessageChannel` round trip is the fastest macrotask there
 * (`setTimeout(0)` is clamped to 4 ms when nested).
 */

type Barrier = (resolve: () => void) => void;

function makeBarrier(): Barrier {
  // eslint-disable-next-line no-restricted-globals -- the simulation's one macrotask barrier, see above
  const immediate = typeof setImmediate === 'function' ? setImmediate : undefined;
  if (immediate !== undefined) {
    return (resolve) => {
      immediate(resolve);
    };
  }
  // eslint-disable-next-line no-restricted-globals -- browser fallback for the same barrier, see above
  if (typeof MessageChannel === 'function') {
    // eslint-disable-next-line no-restricted-globals -- browser fallback for the same barrier, see above
    const channel = new MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.addEventListener('message', () => {
      // One message per waiter, delivered in order: resolve the oldest.
      waiting.shift()?.();
    });
    channel.port1.start(); // addEventListener, unlike onmessage, does not start the port by itself
    return (resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    };
  }
  throw new Error('settle: this host has neither setImmediate nor MessageChannel');
}

let barrier: Barrier | undefined;

/** Resolves after every microtask queued before the call (and every microtask those queue) has run. */
export function settle(): Promise<void> {
  barrier ??= makeBarrier();
  const post = barrier;
  return new Promise<void>((resolve) => post(resolve));
}
