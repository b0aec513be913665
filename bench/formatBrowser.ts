/** Renders section 6 (the built app in headless Chromium), alone (`--browser-only`) or in the full report. */
import type {
  BrowserBenchReport,
  BrowserReport,
  BrowserSettings,
  BundleFile,
  EnginePlacement,
} from './report';
import { count, duration, fixed, indent, kilobytes, table } from './textTable';

/** `--browser-only`: section 6 under the machine line. */
export function formatBrowserOnlyReport(report: BrowserBenchReport): string {
  const { machine, settings } = report;
  const out: string[] = [];
  out.push('Pinstripe jobCoordinator bench: the built playground in headless Chromium');
  out.push(
    `node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · ${machine.platform} ${machine.arch} · sql.js ${machine.sqlJs}`,
  );
  out.push(
    `median of ${settings.repeats} run${settings.repeats === 1 ? '' : 's'} after one warm-up, rounds interleaved`,
  );
  out.push('');
  if (settings.browser) out.push(...formatBrowser(report.browser, settings.browser));
  out.push('');
  out.push(`total bench time ${fixed(report.totalWallMs / 1_000, 1)} s`);
  return out.join('\n');
}

const PLACEMENT_LABELS: Record<EnginePlacement, string> = {
  workers: '(a) a Web Worker per server, conductor + sql.js in another',
  'in-thread': "(b) servers inside the conductor's worker",
  'in-page': "(c) everything in the page's thread",
  node: '(d) Node, this process: runScenario (baseline)',
};

export function formatBrowser(report: BrowserReport, settings: BrowserSettings): string[] {
  const out: string[] = [];
  out.push(
    '6. The built app (vite build, served by vite preview) in headless Chromium, driven by playwright-core',
  );
  if ('skipped' in report) {
    out.push(`   SKIPPED: ${report.skipped}`);
    return out;
  }
  if ('failed' in report) {
    out.push(`   FAILED: ${report.failed}`);
    return out;
  }
  out.push(`   ${report.chromium} · build and preview start ${fixed(report.buildAndStartMs / 1_000, 1)} s`);
  out.push('');

  out.push(
    `6.1 Engine speed: virtual s per wall s over ${duration(settings.virtualMs)} of virtual time, no healing, invariant checks off;` +
      ' in the page, engine.advance() timed with performance.now() (setup = create + load, not in the speed);' +
      ' under Node, runScenario as a whole',
  );
  if ('error' in report.engines) {
    out.push(`   NOT MEASURED: ${report.engines.error}`);
  } else {
    const rows = report.engines;
    out.push(
      table(
        [
          { header: 'scenario', align: 'left' },
          { header: 'placement', align: 'left' },
          { header: 'virtual s/wall s' },
          { header: '× Node' },
          { header: 'run ms' },
          { header: 'runs ms', align: 'left' },
          { header: 'setup ms' },
          { header: 'trace = Node' },
        ],
        rows.map((row) => [
          `${row.scenario} (${row.servers})`,
          PLACEMENT_LABELS[row.placement],
          count(row.virtualSecondsPerWallSecond),
          `${fixed(row.ratioToNode, 2)}×`,
          fixed(row.wallMs, 1),
          row.runsWallMs.map((ms) => fixed(ms, 0)).join(' '),
          row.placement === 'node' ? '' : fixed(row.setupMs, 0),
          row.placement === 'node' ? '(itself)' : row.sameTraceAsNode ? 'yes' : 'NO',
        ]),
      ),
    );
    const traces = [...new Set(rows.map((row) => row.scenario))].map((scenario) => {
      const inPage = rows.filter((row) => row.scenario === scenario && row.placement !== 'node');
      const teardown = Math.max(0, ...inPage.map((row) => row.nodeTeardownEntries));
      const entries = inPage[0]?.traceEntries ?? 0;
      return (
        `${scenario}: ${count(entries)} entries` +
        (teardown > 0
          ? ` (runScenario's: those and ${count(teardown)} written by its dispose at the end)`
          : '')
      );
    });
    const differing = rows.filter((row) => !row.sameTraceAsNode);
    out.push(
      differing.length === 0
        ? `   Every timed run's trace JSON (SHA-256) was the Node baseline's; ${traces.join('; ')}.`
        : `   WARNING: ${differing.map((row) => `${row.scenario} ${row.placement}`).join(', ')} gave a trace other than Node's:` +
            ' those rows measured a different run.',
    );
    if (rows.some((row) => row.nodeTeardownEntries > 0))
      out.push(
        '   runScenario returns its trace array and then disposes the run, which appends entries to it at the last' +
          ' instant (open transactions rolled back, "<server> disposed"); the page\'s traces are read before' +
          ' dispose. They count as the same run when they are the baseline entry for entry up to those.',
      );
  }
  out.push('');

  out.push(
    `6.2 Frames per second of the playground page while it plays: requestAnimationFrame callbacks counted in the page`,
  );
  if ('error' in report.fps) {
    out.push(`   NOT MEASURED: ${report.fps.error}`);
  } else {
    const fps = report.fps;
    out.push(
      `   ${fps.url} · counted over ${fixed(fps.wallMs / 1_000, 1)} s of wall time, from once the run's time had started moving` +
        (fps.reachedEnd
          ? ` until it reached the scenario's end at ${duration(fps.scenarioEndMs)}, where the page stops playing`
          : ` (of --fps-seconds ${fixed(settings.fpsSeconds, 0)})`),
    );
    out.push(
      indent(
        table(
          [
            { header: 'fps' },
            { header: 'frames' },
            { header: 'median gap ms' },
            { header: 'longest gap ms' },
            { header: 'gaps > 50 ms' },
            { header: 'virtual speed achieved' },
            { header: 'run time', align: 'left' },
          ],
          [
            [
              fixed(fps.fps, 1),
              count(fps.frames),
              fixed(fps.medianGapMs, 1),
              fixed(fps.longestGapMs, 1),
              count(fps.gapsOver50Ms),
              `${fixed(fps.achievedSpeed, 1)}× (asked ${fps.speed}×)`,
              `${duration(fps.virtualStartMs)} → ${duration(fps.virtualEndMs)}`,
            ],
          ],
        ),
      ),
    );
    out.push(
      `   Headless Chromium with --disable-gpu (software compositing, page ${fps.visibility}): its frame rate is` +
        ' what this machine gives, not what a person would see with a GPU; rAF may be throttled here.' +
        ' Virtual speed achieved: change of [data-testid="run-time"] data-ms over the same wall time.',
    );
    if (fps.problems.length > 0) out.push(`   Page problems: ${fps.problems.join(' | ')}`);
  }
  out.push('');

  const { bundle } = report;
  out.push(
    `6.3 Built JavaScript (page and worker chunks, assets/*.js): ${kilobytes(bundle.totalBytes)} raw,` +
      ` ${kilobytes(bundle.totalGzipBytes)} gzip -9`,
  );
  const fileRow = (file: BundleFile) => [file.name, kilobytes(file.bytes), kilobytes(file.gzipBytes)];
  out.push(
    indent(
      table(
        [{ header: 'file', align: 'left' }, { header: 'raw' }, { header: 'gzip' }],
        [
          ...bundle.js.map(fileRow),
          ['total .js', kilobytes(bundle.totalBytes), kilobytes(bundle.totalGzipBytes)],
        ],
      ),
    ),
  );
  out.push(
    `   First paint (what index.html loads before the page renders: ${bundle.firstPaint.files.join(', ')}):` +
      ` ${kilobytes(bundle.firstPaint.bytes)} raw, ${kilobytes(bundle.firstPaint.gzipBytes)} gzip -9, of ${kilobytes(bundle.totalGzipBytes)} in all`,
  );
  if ('error' in report.loads) out.push(`   What a visit loads: failed: ${report.loads.error}`);
  else {
    out.push(
      '   What a visit fetched before any interaction (page and workers, until 1.5 s without a new chunk):',
    );
    out.push(
      indent(
        table(
          [
            { header: 'visit', align: 'left' },
            { header: 'page gzip' },
            { header: 'workers gzip' },
            { header: 'ready s' },
            { header: 'chunks', align: 'left' },
          ],
          report.loads.map((row) => [
            row.visit,
            kilobytes(row.pageGzipBytes),
            kilobytes(row.workerGzipBytes),
            fixed(row.readyMs / 1_000, 1),
            row.files.map((name) => name.replace(/-[\w-]{8}\.js$/, '')).join(' '),
          ]),
        ),
      ),
    );
  }
  if (bundle.wasm.length > 0)
    out.push(
      `   Not counted above, for information: ${bundle.wasm.map((file) => `${file.name} ${kilobytes(file.bytes)} raw, ${kilobytes(file.gzipBytes)} gzip`).join('; ')}`,
    );
  return out;
}
