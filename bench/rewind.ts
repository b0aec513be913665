/**
 * `npm run bench:rewind`: how long going back takes in a long run, as the page does it (a PlaygroundSession,
 * the engine behind the page, here in Node with the servers in its thread).
 *
 * The run is eight-servers.json stretched to 10 minutes (eight servers, a cron every 2 s, 300 jobs, a crash
 * and a pause). It is played to its end once; then it goes back to moments spread over it, each timed from
 * the seek to the view the page draws (the view and the invariants). The baseline is what a rewind cost when
 * rewind was replay: a new session run from the start to the same moment, measured in the same process.
 * Each figure is the median of --repeats runs (default 3). The target (issue 13) is 300 ms or less anywhere.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PlaygroundSession } from '../src/playground/session';
import { parseScenarioJson } from '../src/scenario/schema';
import { repeat } from './stats';
import { fixed, table } from './textTable';

const RUN_MS = 10 * 60_000;
const MOMENTS_MS = [10_000, 120_000, 300_000, 450_000, 590_000];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { repeats: { type: 'string', default: '3' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log('usage: npm run bench:rewind -- [--repeats N]');
  process.exit(0);
}
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) {
  console.error(`bench:rewind: --repeats must be a whole number of at least 1, got ${values.repeats}`);
  process.exit(2);
}

const file = readFileSync(new URL('../scenarios/eight-servers.json', import.meta.url), 'utf8');
const scenario = { ...parseScenarioJson(file), durationMs: RUN_MS };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Seek and draw: what a click on the timeline costs before the page can show the moment. */
async function shown(session: PlaygroundSession, ms: number): Promise<number> {
  const started = performance.now();
  await session.seek(ms);
  session.view(null);
  session.invariants();
  return performance.now() - started;
}

const session = await PlaygroundSession.create(scenario);
try {
  const playStarted = performance.now();
  await session.seek(RUN_MS);
  const playMs = performance.now() - playStarted;
  const entries = session.trace().length;

  const rows: string[][] = [];
  const rewinds: number[] = [];
  for (const ms of MOMENTS_MS) {
    const back = median(
      await repeat(repeats, async () => {
        await session.seek(RUN_MS); // back to the end (within the recorded run) before each rewind
        return shown(session, ms);
      }),
    );
    const replay = median(
      await repeat(repeats, async () => {
        const fresh = await PlaygroundSession.create(scenario);
        try {
          return await shown(fresh, ms);
        } finally {
          fresh.dispose();
        }
      }),
    );
    rewinds.push(back);
    rows.push([`${ms / 1_000} s`, fixed(back, 1), fixed(replay, 1), `${fixed(replay / back, 1)}x`]);
  }
  console.log(
    [
      `Rewind in a ${RUN_MS / 60_000}-minute run of eight-servers.json (8 servers, ${entries} trace entries), ` +
        `median of ${repeats}`,
      `played to the end once: ${(playMs / 1_000).toFixed(1)} s wall`,
      '',
      table(
        [
          { header: 'back to', align: 'left' },
          { header: 'rewind, ms' },
          { header: 'replay from the start, ms (before)' },
          { header: 'replay / rewind' },
        ],
        rows,
      ),
      '',
      `slowest rewind ${Math.max(...rewinds).toFixed(1)} ms (target: 300 ms or less anywhere in the run)`,
    ].join('\n'),
  );
} finally {
  session.dispose();
}
