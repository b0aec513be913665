import { parseScenarioJson } from '../playground/scenarioFiles';
import type { Scenario } from '../scenario/types';

/**
 * The example scenarios of `scenarios/`, bundled into the page as text: the playground works from a static
 * host (docs embedding) with no fetch, and a new example file shows up in the menu without touching this code.
 */
const files = import.meta.glob('../../scenarios/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
}) as Record<string, string>;

export interface ExampleScenario {
  /** The file name without `.json`: what `?scenario=` names. */
  stem: string;
  /** The scenario's own name, for the menu. */
  title: string;
  text: string;
}

export const EXAMPLES: readonly ExampleScenario[] = Object.entries(files)
  .map(([path, text]) => {
    const stem = path.replace(/^.*\//, '').replace(/\.json$/, '');
    return { stem, title: titleOf(text) ?? stem, text };
  })
  .sort((a, b) => a.stem.localeCompare(b.stem));

/** The scenario a first visit opens: the failover story is the heart of the playground. */
export const DEFAULT_EXAMPLE = EXAMPLES.some((example) => example.stem === 'leader-crash-failover')
  ? 'leader-crash-failover'
  : (EXAMPLES[0]?.stem ?? null);

export function findExample(stem: string): ExampleScenario | undefined {
  return EXAMPLES.find((example) => example.stem === stem);
}

/** Parses an example; a broken example file throws a ScenarioError like any user file. */
export function parseExample(example: ExampleScenario): Scenario {
  return parseScenarioJson(example.text, `scenarios/${example.stem}.json`);
}

function titleOf(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && 'name' in value && typeof value.name === 'string')
      return value.name;
  } catch {
    // A broken example still gets a menu entry; opening it shows the parse error in the page.
  }
  return undefined;
}
