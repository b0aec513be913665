import type { JobDefinition } from '../../core/job.js';
import type { Entropy } from '../../core/ports.js';
import type { JobModel } from '../../scenario/types.js';

/** The knobs of a simulated job that can change while the run goes on. */
export interface JobBehaviour {
  durationMs: number;
  failureRate: number;
}

/**
 * Turns the scenario's job models into real job definitions. A run takes `durationMs` on the server's
 * clock and then fails with probability `failureRate`, drawn from the server's seeded entropy. The
 * behaviour is read at each run, so `setJob` changes jobs already defined.
 */
export function simulatedJobs(
  models: readonly JobModel[],
  behaviours: Map<string, JobBehaviour>,
  entropy: Entropy,
): JobDefinition[] {
  for (const model of models) {
    if (!behaviours.has(model.name)) {
      behaviours.set(model.name, { durationMs: model.durationMs ?? 0, failureRate: model.failureRate ?? 0 });
    }
  }
  return models.map((model) => ({
    name: model.name,
    maxAttempts: model.maxAttempts,
    timeoutMs: model.timeoutMs,
    schedules: model.schedules,
    async run(_params, context) {
      const behaviour = behaviours.get(model.name)!;
      if (behaviour.durationMs > 0) await context.sleep(behaviour.durationMs);
      if (behaviour.failureRate > 0 && entropy.random() < behaviour.failureRate) {
        throw new Error(`simulated failure of ${model.name} (rate ${behaviour.failureRate})`);
      }
    },
  }));
}

/**
 * One server's definition of an own job: the user's run, backoff and settings; where the definition leaves
 * maxAttempts or timeoutMs out, the model's; the schedules of both (the scenario's, addSchedule's included,
 * then the definition's).
 */
export function ownJobDefinition(model: JobModel, own: JobDefinition): JobDefinition {
  return {
    ...own,
    maxAttempts: own.maxAttempts ?? model.maxAttempts,
    timeoutMs: own.timeoutMs ?? model.timeoutMs,
    schedules: [...(model.schedules ?? []), ...(own.schedules ?? [])],
  };
}
