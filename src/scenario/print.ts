import { KEY_ORDER } from './keyOrder.js';
import type { Scenario } from './types.js';
import { isPlainObject } from './validation/messages.js';

/**
 * Printing a scenario as a clean file, the form the page saves, the shrinker prints and `scenarios/` holds,
 * so that a printed scenario diffs well and passes `prettier --check` as it is.
 */

type Loose = Record<string, unknown>;

/** A copy with keys in `order` first, then any others as they were; undefined values left out. */
function ordered(value: unknown, order: readonly string[]): Loose {
  const source = value as Loose;
  const out: Loose = {};
  for (const key of [...order, ...Object.keys(source).filter((key) => !order.includes(key))]) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}

function canonical(scenario: Scenario): Loose {
  const misfire = (policy: unknown) =>
    policy === undefined ? undefined : ordered(policy, KEY_ORDER.misfire);
  const schedule = (s: unknown) => ({
    ...ordered(s, KEY_ORDER.schedule),
    ...((s as Loose).misfire !== undefined && { misfire: misfire((s as Loose).misfire) }),
  });
  const job = (j: Scenario['jobs'][number]) =>
    ordered({ ...j, schedules: j.schedules?.map(schedule) }, KEY_ORDER.job);
  const server = (s: unknown) => ordered(s, KEY_ORDER.server);
  const action = (a: Scenario['actions'][number]) =>
    ordered(a.type === 'addServer' ? { ...a, server: server(a.server) } : a, KEY_ORDER.action);
  const actions = scenario.actions
    .map((a, position) => ({ a, position }))
    .sort((x, y) => x.a.atMs - y.a.atMs || x.position - y.position)
    .map(({ a }) => action(a));
  const { coordinator, database } = scenario;
  return ordered(
    {
      ...scenario,
      coordinator:
        coordinator &&
        ordered({ ...coordinator, misfire: misfire(coordinator.misfire) }, KEY_ORDER.coordinator),
      database:
        database &&
        ordered(
          { ...database, latencyMs: database.latencyMs && ordered(database.latencyMs, KEY_ORDER.latency) },
          KEY_ORDER.database,
        ),
      jobs: scenario.jobs.map(job),
      servers: scenario.servers.map(server),
      actions,
    },
    KEY_ORDER.scenario,
  );
}

const PRINT_WIDTH = 110;

/**
 * Prints JSON the way prettier formats a JSON file (2 spaces, width 110), so that a printed scenario is
 * already clean. An object is spread over lines when asked (the top level, its settings objects) or when it
 * does not fit on the rest of its line (`column` where it starts, `tail` characters after it); an array when
 * it does not fit, or when prettier would always break it.
 */
function printJson(
  value: unknown,
  indent: string,
  column: number,
  tail: number,
  spread: boolean,
  spreadKeys?: ReadonlySet<string>,
): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const flat = flatJson(value);
  const fits = column + flat.length + tail <= PRINT_WIDTH;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (!mustBreakArray(value) && fits) return flat;
    const last = value.length - 1;
    const items = value.map(
      (item, index) => inner + printJson(item, inner, inner.length, index < last ? 1 : 0, false),
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  if (!spread && fits) return flat;
  const last = entries.length - 1;
  const lines = entries.map(([key, item], index) => {
    const head = `${JSON.stringify(key)}: `;
    const comma = index < last ? 1 : 0;
    const spreadItem = spreadKeys?.has(key) ?? false;
    return inner + head + printJson(item, inner, inner.length + head.length, comma, spreadItem);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** Prettier always breaks an array of several objects (or arrays) that each have more than one member. */
function mustBreakArray(items: unknown[]): boolean {
  if (items.length < 2) return false;
  const first = items[0];
  return items.every((item) => {
    if (Array.isArray(item)) return Array.isArray(first) && item.length > 1;
    return isPlainObject(item) && isPlainObject(first) && Object.keys(item).length > 1;
  });
}

function flatJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(flatJson).join(', ')}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${flatJson(item)}`).join(', ')} }`;
}

/**
 * The scenario as a clean file: keys in a fixed order, actions sorted by time (equal times keep their
 * order), 2-space JSON with one job, server or action per line where it fits, and a final newline.
 */
export function serializeScenario(scenario: Scenario): string {
  return `${printJson(canonical(scenario), '', 0, 0, true, new Set(['coordinator', 'database']))}\n`;
}
