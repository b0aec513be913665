/**
 * The real run's history file (src/realrun/historyFile.ts): the bundled sample (a 3-process PostgreSQL run
 * with a leader crash, written by `coordinator-sim real --history-file`) parses, and re-checking its run
 * gives the verdicts it carries; a malformed file is refused with what is wrong and where.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  buildHistoryFile,
  HistoryFileError,
  historyFileJson,
  parseHistoryFile,
  verdictsOf,
} from '../../src/realrun/historyFile.js';
import { checkAll } from '../../src/verify/checkers/index.js';

const sampleText = readFileSync(new URL('../../public/sample-real-run.json', import.meta.url), 'utf8');

function errorOf(text: string): HistoryFileError {
  try {
    parseHistoryFile(text);
  } catch (error) {
    if (error instanceof HistoryFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a file bent into shapes the parser must refuse
type Loose = any;
function mutated(change: (file: Loose) => void): string {
  const file = JSON.parse(sampleText) as Loose;
  change(file);
  return JSON.stringify(file);
}

describe('the history file', () => {
  test('the sample: 3 processes on PostgreSQL, a crash, and the re-checked verdicts are the ones it carries', () => {
    const file = parseHistoryFile(sampleText);
    expect(file.settings.database).toBe('postgres');
    expect(file.settings.servers).toEqual(['a', 'b', 'c']);
    const trace = file.run.trace;
    expect(trace.some((entry) => entry.type === 'action' && entry.action.type === 'crash')).toBe(true);
    expect(trace.filter((entry) => entry.type === 'elected').length).toBeGreaterThanOrEqual(2);
    const reports = checkAll(file.run);
    expect(reports.map((report) => report.id)).toEqual(file.verdicts.map((verdict) => verdict.id));
    expect(verdictsOf(reports)).toEqual(file.verdicts);
    expect(reports.every((report) => report.ok)).toBe(true);
  });

  test('written and read back, a file is the same', () => {
    const file = parseHistoryFile(sampleText);
    const again = buildHistoryFile(file.settings, file.run, checkAll(file.run));
    expect(parseHistoryFile(historyFileJson(again))).toEqual(file);
  });

  test.each([
    ['not JSON', '{"format": ', '(file)', /not JSON/],
    ['the older JSON-lines history', '{"kind":"report"}\n{"kind":"exit"}\n', '(file)', /--history-file/],
    ['another JSON file', '{"version":1,"name":"a scenario"}', 'format', /not a real run's history file/],
    ['a later version', mutated((f) => (f.version = 2)), 'version', /version 2/],
    ['an unknown database', mutated((f) => (f.settings.database = 'mysql')), 'settings.database', /"mysql"/],
    [
      'no trace',
      mutated((f) => delete f.run.trace),
      'run.trace',
      /expected an array, got nothing \(missing\)/,
    ],
    ['a time that is text', mutated((f) => (f.run.trace[5].vt = 'soon')), 'run.trace[5].vt', /"soon"/],
    [
      'entries out of order',
      mutated((f) => (f.run.trace[7].vt = -1)),
      'run.trace[7].vt',
      /before the entry above/,
    ],
    ['an unknown source', mutated((f) => (f.run.trace[2].source = 'x')), 'run.trace[2].source', /unknown/],
    ['a verdict of I9', mutated((f) => (f.verdicts[0].id = 'I9')), 'verdicts[0].id', /I1 to I8/],
  ])('%s: refused, naming where', (_name, text, where, what) => {
    const error = errorOf(text);
    expect(error.where).toBe(where);
    expect(error.message).toMatch(what);
  });
});
