/** Renders a BenchReport as plain-text tables, for a terminal or a pasted issue comment. */
import { SQLJS_PRAGMAS } from '../src/db';
import type { BenchReport, PropertyRow, SimulationReport, VirtualRow } from './report';
import { formatBrowser } from './formatBrowser';
import { formatHazardFind } from './hazardFind';
import { abbreviate, count, duration, fixed, indent, percent, table } from './textTable';

export function formatReport(report: BenchReport): string {
  const { machine, settings } = report;
  const out: string[] = [];
  out.push('Pinstripe jobCoordinator bench: distributed path on sql.js');
  out.push(
    `node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · ${machine.platform} ${machine.arch} · sql.js ${machine.sqlJs}`,
  );
  out.push(
    `median of ${settings.repeats} run${settings.repeats === 1 ? '' : 's'} after one warm-up · concurrency ${settings.concurrency} per server · job run: () => {}`,
  );
  out.push(
    `SQLite settings, both sides: ${[...SQLJS_PRAGMAS, ...settings.pragmas].join('; ')}` +
      (settings.pragmas.length > 0 ? ' (the last ones a what-if)' : ' (as SharedSqlJsDatabase opens it)'),
  );
  out.push('');

  out.push(
    `1. Distributed drain of ${count(settings.jobs)} jobs: jobs claimed and completed per wall second` +
      ` (virtual step ${settings.stepMs} ms), beside bare SQL`,
  );
  out.push(
    table(
      [
        { header: 'servers' },
        { header: 'jobs/s' },
        { header: 'drain ms' },
        { header: 'runs ms', align: 'left' },
        { header: 'virtual ms' },
        { header: 'bare SQL jobs/s' },
        { header: 'overhead (coord/bare)' },
      ],
      report.throughput.map((row) => [
        String(row.servers),
        count(row.jobsPerSec),
        fixed(row.wallMs, 1),
        row.runsWallMs.map((ms) => fixed(ms, 1)).join(' '),
        `${fixed(row.virtualMs, 0)} (${row.steps} step${row.steps === 1 ? '' : 's'})`,
        count(report.bare.jobsPerSec),
        `${fixed(row.overhead, 2)}×`,
      ]),
    ),
  );
  out.push('');

  const { bare } = report;
  out.push(
    `2. Bare SQL baseline: the same statements on a sql.js Database, no coordinator, claim batch ${bare.batch}`,
  );
  out.push(
    `   ${count(bare.jobsPerSec)} jobs/s · drain ${fixed(bare.wallMs, 1)} ms (runs ${bare.runsWallMs.map((ms) => fixed(ms, 1)).join(' ')})` +
      ` · ${count(bare.claimTransactions)} claim transactions · ${fixed(bare.statementsPerJob, 2)} statements/job`,
  );
  out.push('   What the coordinator asked of the database in one counted (untimed) drain per cluster size:');
  out.push(
    indent(
      table(
        [
          { header: 'servers' },
          { header: 'statements/job' },
          { header: 'transactions/job' },
          { header: 'mean claim batch' },
          { header: 'empty claims' },
          { header: 'lock waits/job' },
          { header: 'jobs by server', align: 'left' },
        ],
        report.diagnostics.map((row) => [
          String(row.servers),
          fixed(row.statements / row.jobs, 2),
          fixed(row.transactions / row.jobs, 3),
          fixed(row.meanClaimBatch, 2),
          count(row.emptyClaims),
          fixed(row.lockWaits / row.jobs, 2),
          row.jobsByServer.map(count).join(' / '),
        ]),
      ),
    ),
  );
  const mix = report.diagnostics[0];
  if (mix) {
    const kinds = Object.entries(mix.statementsPerJob)
      .map(([kind, n]) => `${kind} ${n.toPrecision(3)}`)
      .join(', ');
    out.push(
      `   Statements per job by kind (${mix.servers} server${mix.servers === 1 ? '' : 's'}): ${kinds}`,
    );
  }
  // The counter recognises the coordinator's statements by the texts copied into sql.ts.
  const unknown = new Set(
    report.diagnostics.flatMap((row) =>
      Object.keys(row.statementsPerJob).filter((kind) => kind.startsWith('other')),
    ),
  );
  if (unknown.size > 0) {
    out.push(
      `   WARNING: the coordinator issued statements that bench/sql.ts does not know (${[...unknown].join('; ')}):` +
        ' its SQL changed, so the bare baseline may no longer run the same statements.',
    );
  }
  out.push('');

  out.push(
    `3. Virtual-time drain of ${count(settings.virtualJobs)} jobs: fixed vs the reference's one claim per tick (H9),` +
      ` virtual step ${duration(settings.virtualStepMs)}, cap ${duration(settings.virtualCapMs)}`,
  );
  out.push(
    table(
      [
        { header: 'servers' },
        { header: 'fixed', align: 'left' },
        { header: 'H9 oneClaimPerTick', align: 'left' },
        { header: 'H9 bound (jobs/servers × 5 s)', align: 'left' },
        { header: 'H9 / fixed', align: 'left' },
        { header: 'repeatable' },
      ],
      report.virtual.map((row) => [
        String(row.servers),
        // The fixed drain usually takes no virtual time at all; its wall time says what it did cost.
        `${virtualCell(row.fixed)} (wall ${fixed(row.fixed.wallMs, 1)} ms)`,
        virtualCell(row.reference),
        duration(row.referenceBoundMs),
        ratioCell(row),
        row.repeatable ? 'yes' : 'NO',
      ]),
    ),
  );
  for (const row of report.virtual) {
    for (const [label, run] of [
      ['fixed', row.fixed],
      ['H9', row.reference],
    ] as const) {
      if (!run.finished) {
        out.push(
          `   ${label} with ${row.servers} server(s) DID NOT FINISH: ${count(run.completed)} of ${count(run.jobs)} jobs completed` +
            ` after ${duration(run.virtualMs)} (cap)`,
        );
      }
    }
  }
  if (report.virtual.some((row) => row.ratio === null)) {
    out.push(
      '   ∞: the fixed coordinator drains every job in the same virtual instant it is woken; the simulated database' +
        ' has no latency and the job takes no time, so only wall work (section 1) bounds it.',
    );
  }
  out.push('');
  out.push(...formatSimulation(report.simulation));
  if (settings.pragmas.length > 0)
    out.push('   (--pragma does not reach sections 4 and 5: runScenario opens its database as shipped.)');
  out.push('');
  out.push(...formatProperties(report.properties));
  out.push('');
  if (report.browser && settings.browser) {
    out.push(...formatBrowser(report.browser, settings.browser));
    out.push('');
  }
  if (report.hazardFind) {
    out.push(formatHazardFind(report.hazardFind));
    out.push('');
  }
  out.push(`total bench time ${fixed(report.totalWallMs / 1_000, 1)} s`);
  return out.join('\n');
}

function formatSimulation(sim: SimulationReport): string[] {
  const out: string[] = [];
  out.push(
    `4. Simulation speed: runScenario, ${sim.servers} servers, ${duration(sim.virtualMs)} virtual, an enqueue of` +
      ` ${sim.enqueueCount} jobs of ${sim.jobMs} ms every ${duration(sim.enqueueEveryMs)} (servers in turn), heal off`,
  );
  out.push(
    `   ${count(sim.virtualSecondsPerWallSecond)} virtual s per wall s · ${fixed(sim.virtualSecondsPerWallSecond / sim.aim, 2)}×` +
      ` the aim of ${count(sim.aim)} (one virtual hour per wall second)` +
      ` · wall ${fixed(sim.wallMs, 1)} ms, cpu ${fixed(sim.cpuMs, 0)} ms (runs ${sim.runsWallMs.map((ms) => fixed(ms, 1)).join(' ')})`,
  );
  const sources = Object.entries(sim.traceBySource)
    .sort((a, b) => b[1] - a[1])
    .map(([source, n]) => `${source} ${count(n)}`)
    .join(', ');
  out.push(
    `   ${count(sim.completed)} of ${count(sim.jobs)} jobs completed · ${count(sim.traceEntries)} trace entries (${sources})`,
  );
  const { probe } = sim;
  out.push(
    `   Where the wall time goes, in one more run with sql.js's methods timed (${fixed(probe.wallMs, 1)} ms, the probe's own cost included):`,
  );
  out.push(
    indent(
      table(
        [{ header: 'part', align: 'left' }, { header: 'wall ms' }, { header: 'share' }],
        [
          ['inside sql.js (the statements alone)', fixed(probe.sqlJsMs, 1), percent(probe.sqlJsShare)],
          ['everything else', fixed(probe.otherMs, 1), percent(probe.otherShare)],
        ],
      ),
    ),
  );
  out.push(
    `   The floor: with everything else free, the statements alone allow ${count(probe.floorVirtualSecondsPerWallSecond)} virtual s per wall s.` +
      ` ${count(probe.executions)} statements executed (${fixed(probe.executions / Math.max(1, sim.completed), 1)} per completed job),` +
      ` ${count(probe.calls)} calls into sql.js; SQL functions called back (db_now_ms) ${fixed(probe.callbackMs, 1)} ms, in everything else.`,
  );
  out.push('   Statements by time inside sql.js:');
  out.push(
    indent(
      table(
        [
          { header: 'statement', align: 'left' },
          { header: 'executions' },
          { header: 'per job' },
          { header: 'ms' },
          { header: 'of sql.js' },
          { header: 'µs each' },
        ],
        probe.statements.map((statement) => [
          abbreviate(statement.sql, 72),
          count(statement.executions),
          fixed(statement.executions / Math.max(1, sim.completed), 2),
          fixed(statement.ms, 1),
          percent(statement.ms / probe.sqlJsMs),
          statement.executions > 0 ? fixed((statement.ms / statement.executions) * 1_000, 1) : '',
        ]),
      ),
    ),
  );
  return out;
}

function formatProperties(rows: readonly PropertyRow[]): string[] {
  const out: string[] = [];
  const runs = rows[0]?.runs ?? 0;
  out.push(
    `5. Property runs: runScenario of 3 servers, 60 virtual s, a cron job every second, 20 jobs of 200 ms enqueued at 5 s,` +
      ` the leader crashed at 20 s; seeds 1-${runs} per batch, invariant checkers not included`,
  );
  out.push(
    table(
      [
        { header: 'mode', align: 'left' },
        { header: 'runs/s' },
        { header: 'batch ms' },
        { header: 'cpu ms' },
        { header: 'runs ms', align: 'left' },
        { header: 'virtual s/run' },
        { header: 'trace entries/run' },
        { header: 'sql.js share' },
      ],
      rows.map((row) => [
        row.heal ? 'heal (liveness phase, as the property suites)' : 'no heal',
        fixed(row.runsPerSec, 1),
        fixed(row.wallMs, 1),
        fixed(row.cpuMs, 0),
        row.runsWallMs.map((ms) => fixed(ms, 1)).join(' '),
        fixed(row.virtualMsPerRun / 1_000, 1),
        count(row.traceEntriesPerRun),
        percent(row.probe.sqlJsShare),
      ]),
    ),
  );
  const healed = rows.find((row) => row.heal);
  const crashed = rows.map((row) => row.leaderCrashed);
  out.push(
    `   The crash hit the leader in ${crashed.every((n) => n === runs) ? `all ${runs}` : crashed.join(' / ')} runs` +
      (healed
        ? `; healed, every job ended completed or dead-lettered in ${healed.allJobsFinished} of ${healed.runs} runs`
        : '') +
      '. sql.js share: of one more probed batch.',
  );
  return out;
}

function virtualCell(run: VirtualRow['fixed']): string {
  return run.finished
    ? duration(run.virtualMs)
    : `> ${duration(run.virtualMs)} (cap, ${run.completed}/${run.jobs})`;
}

function ratioCell(row: VirtualRow): string {
  if (!row.fixed.finished) return 'n/a';
  if (row.ratio === null) return '∞';
  // An unfinished H9 drain only gives a lower bound.
  return `${row.reference.finished ? '' : '> '}${fixed(row.ratio, 1)}×`;
}
