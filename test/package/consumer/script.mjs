// Plain Node ESM, no TypeScript, no loader: run a scenario file shipped with the package and print a line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseScenarioJson } from 'coordinator-playground/scenario';
import { runScenario } from 'coordinator-playground/sim';
import { checkAll } from 'coordinator-playground/verify';
// The real clock and entropy load without either database driver installed.
import { CryptoEntropy, SystemClock } from 'coordinator-playground/adapters';

const require = createRequire(import.meta.url);
const file = require
  .resolve('coordinator-playground/package.json')
  .replace(/package\.json$/, 'scenarios/leader-crash-failover.json');
const scenario = parseScenarioJson(readFileSync(file, 'utf8'), file);
const result = await runScenario(scenario);
const reports = checkAll(result);
const realNow = new SystemClock().now();
const id = new CryptoEntropy().newId('job');
const failed = reports.filter((r) => !r.ok).map((r) => r.id);
console.log(JSON.stringify({ entries: result.trace.length, failed, realNow, id }));
