// Issue 9 sections 3 and 4: the CLI's exit codes stay what its help says (0 ok, 1 an invariant failed,
// 2 bad arguments or file, 3 the simulation failed or an unexpected error, 4 over the run's budget), an
// unexpected error is one line (its stack only with --debug), and no scenario file makes it crash.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { EXIT, main, type Engine } from '../../src/cli/simulate';
import { runScenario } from '../../src/sim/runScenario';

const scratch = mkdtempSync(join(tmpdir(), 'caps-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  let wall = 0;
  return {
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      errIsTty: false,
      now: () => (wall += 5),
    },
    out,
    err,
  };
}

const realEngine = async (): Promise<Engine> => ({ runScenario, checkAll: () => [] });

describe('the CLI under inputs that used to crash it', () => {
  test('params nested 5,000 deep: exit 2 with the depth cap, not a stack overflow', async () => {
    let params = '1';
    for (let i = 0; i < 5_000; i++) params = `{"a":${params}}`;
    const file = join(scratch, 'deep.json');
    writeFileSync(
      file,
      `{"version":1,"seed":1,"durationMs":1000,"jobs":[{"name":"w"}],"servers":[{"id":"a"}],"actions":[{"atMs":0,"type":"enqueue","server":"a","job":"w","params":${params}}]}`,
    );
    const { io, err } = streams();
    expect(await main([file], io, realEngine)).toBe(EXIT.usage);
    expect(err.join('')).toMatch(/expected plain JSON, got objects and arrays nested more than 32 deep\n$/);
  });

  test('100,000 servers: exit 2 at once with the servers cap', async () => {
    const file = join(scratch, 'many.json');
    const servers = Array.from({ length: 100_000 }, (_, i) => `{"id":"s${i}"}`).join(',');
    writeFileSync(
      file,
      `{"version":1,"seed":1,"durationMs":1000,"jobs":[],"servers":[${servers}],"actions":[]}`,
    );
    const { io, err } = streams();
    expect(await main([file], io, realEngine)).toBe(EXIT.usage);
    expect(err.join('')).toContain(
      'servers: expected at most 32 servers (the page runs each in a Web Worker), got 100000',
    );
  });
});

describe('exit codes', () => {
  test('a run over --max-events exits 4 and says how far it got and which flag raises it', async () => {
    const { io, out, err } = streams();
    const status = await main(['scenarios/three-servers.json', '--max-events', '40'], io, realEngine);
    expect(status).toBe(EXIT.overBudget);
    expect(out).toEqual([]);
    expect(err.join('')).toMatch(
      /^simulate: the run went over its budget of 40 trace entries at \d+\.\d{3}s of \d+\.\d{3}s virtual time .*--max-events N/,
    );
  });

  test('an unexpected error is exit 3 in one line, with its stack only under --debug', async () => {
    const failing = async (): Promise<Engine> => {
      throw new TypeError('the engine would not load\nsecond line');
    };
    const plain = streams();
    expect(await main(['scenarios/three-servers.json'], plain.io, failing)).toBe(EXIT.crashed);
    expect(plain.err).toEqual([
      'simulate: the simulation failed: TypeError: the engine would not load\n',
      'simulate: run again with --debug for the stack\n',
    ]);
    const debug = streams();
    expect(await main(['scenarios/three-servers.json', '--debug'], debug.io, failing)).toBe(EXIT.crashed);
    expect(debug.err.join('')).toMatch(
      /^simulate: the simulation failed: TypeError: the engine would not load\nTypeError: the engine would not load\nsecond line\n {4}at /,
    );
  });

  test('the flags parse, and a bad value is a usage error', () => {
    expect(parseArgs(['s.json', '--max-events', '5000', '--max-wall', '60s', '--debug'])).toMatchObject({
      maxEvents: 5_000,
      maxWallMs: 60_000,
      debug: true,
    });
    expect(() => parseArgs(['s.json', '--max-events', '0'])).toThrow(
      '--max-events: expected a whole number of trace entries from 1 to 1000000000, got "0"',
    );
    expect(() => parseArgs(['s.json', '--max-wall', 'soon'])).toThrow('--max-wall: expected a duration');
  });
});
