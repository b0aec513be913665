/**
 * One worker process of `npm run bench:real`: connects as its system's worker, says `ready`, starts taking
 * jobs on `go` and, on `finish`, stops and reports every job number its job body ran (`protocol.ts`).
 */
import { createInterface } from 'node:readline';
import {
  REPORT_MARKER,
  WORKER_ENV,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerReport,
} from './protocol';
import { systemNamed } from './systems';

function report(line: WorkerReport): void {
  process.stdout.write(`${REPORT_MARKER}${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerConfig;
  const ran: number[] = [];
  const worker = await systemNamed(config.system).openWorker(config, (n) => ran.push(n));
  report({ report: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const command = JSON.parse(line) as WorkerCommand;
    if (command.command === 'go') await worker.start();
    if (command.command === 'finish') {
      await worker.stop();
      report({ report: 'ran', ns: ran });
      process.exit(0);
    }
  }
}

main().catch((error: unknown) => {
  report({
    report: 'failed',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
