import { expect, test } from 'vitest';
import { ServerWorkerPool, type WorkerLike } from '../../src/playground/browser/serverWorkerPool';

/** A stand-in for a Web Worker whose error event the test fires when it chooses. */
class FakeWorker implements WorkerLike {
  terminated = false;
  posted: unknown[] = [];
  ports: MessagePort[] = [];
  private errorListeners: ((event: ErrorEvent) => void)[] = [];
  private messageErrorListeners: (() => void)[] = [];
  postMessage(message: unknown, transfer: Transferable[]): void {
    this.posted.push(message);
    for (const port of transfer) {
      this.ports.push(port as MessagePort);
      (port as MessagePort).close();
    }
  }
  addEventListener(type: 'error' | 'messageerror', listener: (event: ErrorEvent) => void): void {
    if (type === 'error') this.errorListeners.push(listener);
    else this.messageErrorListeners.push(() => listener(undefined as unknown as ErrorEvent));
  }
  /** What a browser does when a message from the worker cannot be read. */
  garbleAMessage(): void {
    for (const listener of this.messageErrorListeners) listener();
  }
  terminate(): void {
    this.terminated = true;
  }
  /** What a browser does when the worker's script throws: an error event the page may prevent. */
  throwInside(message: string): { prevented: boolean } {
    const outcome = { prevented: false };
    const event = { message, preventDefault: () => (outcome.prevented = true) } as unknown as ErrorEvent;
    for (const listener of this.errorListeners) listener(event);
    return outcome;
  }
}

function poolWithFakes() {
  const workers = new Map<string, FakeWorker>();
  const pool = new ServerWorkerPool((serverId) => {
    const worker = new FakeWorker();
    workers.set(serverId, worker);
    return worker;
  });
  return { pool, workers };
}

test('a worker that throws before the conductor listens reports its own error, not "already ended"', () => {
  const { pool, workers } = poolWithFakes();
  const { handle, port } = pool.spawn('a');
  port.close();
  expect(workers.get('a')!.throwInside('Uncaught Error: server exploded').prevented).toBe(true);
  expect(workers.get('a')!.terminated).toBe(true);
  expect(pool.liveServerIds()).toEqual([]);
  const reasons: string[] = [];
  pool.onDeath(handle, (reason) => reasons.push(reason));
  expect(reasons).toEqual(['Uncaught Error: server exploded']);
});

test('a worker that throws after the conductor listens reports the same error', () => {
  const { pool, workers } = poolWithFakes();
  const { handle, port } = pool.spawn('a');
  port.close();
  const reasons: string[] = [];
  pool.onDeath(handle, (reason) => reasons.push(reason));
  expect(reasons).toEqual([]);
  workers.get('a')!.throwInside('Uncaught Error: server exploded');
  expect(reasons).toEqual(['Uncaught Error: server exploded']);
  // A second error from the same dead worker is not a second death.
  workers.get('a')!.throwInside('again');
  expect(reasons).toEqual(['Uncaught Error: server exploded']);
});

test('"had already ended" only for a worker the pool ended itself, or never started', () => {
  const { pool } = poolWithFakes();
  const { handle, port } = pool.spawn('a');
  port.close();
  pool.terminate(handle);
  const reasons: string[] = [];
  pool.onDeath(handle, (reason) => reasons.push(reason));
  pool.onDeath(99, (reason) => reasons.push(reason));
  expect(reasons).toEqual(['the worker had already ended', 'the worker had already ended']);
});

test('each worker is handed one end of its own channel, and the live list follows spawns and deaths', () => {
  const { pool, workers } = poolWithFakes();
  const ports = ['b', 'a', 'c'].map((id) => pool.spawn(id).port);
  for (const port of ports) port.close();
  expect(pool.liveServerIds()).toEqual(['a', 'b', 'c']);
  expect(workers.get('a')!.posted).toEqual([{ type: 'connect', port: workers.get('a')!.ports[0] }]);
  // Six different ports: each worker's end, and the end handed back for the conductor.
  const ends = [...workers.values()].flatMap((worker) => worker.ports);
  expect(new Set([...ends, ...ports]).size).toBe(6);
  workers.get('b')!.throwInside('boom');
  expect(pool.liveServerIds()).toEqual(['a', 'c']);
  pool.terminateAll();
  expect(pool.liveServerIds()).toEqual([]);
  expect([...workers.values()].every((worker) => worker.terminated)).toBe(true);
});

test('a message the worker sent that cannot be read ends it as a death with that reason', () => {
  const { pool, workers } = poolWithFakes();
  const { handle, port } = pool.spawn('a');
  port.close();
  const reasons: string[] = [];
  pool.onDeath(handle, (reason) => reasons.push(reason));
  workers.get('a')!.garbleAMessage();
  expect(reasons).toEqual(['a message could not be read']);
  expect(workers.get('a')!.terminated).toBe(true);
  expect(pool.liveServerIds()).toEqual([]);
});
