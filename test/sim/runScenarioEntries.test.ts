import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenarioJson } from '../../src/scenario';
import { runScenario } from '../../src/sim';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { traceToJson } from '../../src/sim/trace/trace';
import { checkScenario } from '../../src/verify/properties';

const scenario = (file: string) =>
  parseScenarioJson(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8'), file);

describe("runScenario's onEntries hook", () => {
  it('hands every entry over once, in order, and changes nothing of the run', async () => {
    const plain = await runScenario(scenario('leader-crash-failover.json'));
    const handed: TraceEntry[] = [];
    let calls = 0;
    const watched = await runScenario(scenario('leader-crash-failover.json'), {
      onEntries: (entries, timings) => {
        calls++;
        expect(timings).toEqual(plain.timings);
        handed.push(...entries);
      },
    });
    expect(traceToJson(watched.trace)).toBe(traceToJson(plain.trace));
    expect(handed.map((entry) => entry.seq)).toEqual(plain.trace.map((entry) => entry.seq));
    // Handed over as the run goes (a step is a second of virtual time), not all at the end.
    expect(calls).toBeGreaterThan(20);
  });

  it('ends the run when it returns true: the result is the run so far, a prefix of the whole run', async () => {
    const whole = await runScenario(scenario('leader-crash-failover.json'));
    const stopped = await runScenario(scenario('leader-crash-failover.json'), {
      onEntries: (entries) =>
        entries.some((entry) => entry.type === 'action' && entry.action.type === 'crash'),
    });
    const crash = whole.trace.find((entry) => entry.type === 'action' && entry.action.type === 'crash')!;
    expect(stopped.trace.length).toBeLessThan(whole.trace.length);
    expect(stopped.endedAt).toBeLessThanOrEqual(crash.vt + 1_000);
    expect(stopped.healedAt).toBeNull();
    expect(traceToJson(stopped.trace)).toBe(traceToJson(whole.trace.slice(0, stopped.trace.length)));
  });
});

describe('a property run asked to stop at its first violation', () => {
  it('gives the verdicts of the whole run when no violation can be judged before the end', async () => {
    // The reference's hazards break I2, I3 (a stale write, judged on the database clock at the end) and I4.
    const broken = scenario('reference-hazards.json');
    const whole = await checkScenario(broken);
    const early = await checkScenario(broken, { stopAtFirstViolation: true });
    expect(whole.failed.map((report) => report.id)).toEqual(['I2', 'I3', 'I4']);
    expect(early.reports).toEqual(whole.reports);
    expect(traceToJson(early.result.trace)).toBe(traceToJson(whole.result.trace));
  });
});
