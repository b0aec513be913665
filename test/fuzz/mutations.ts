import fc from 'fast-check';
import { HAZARDS } from '../../src/core/hazards';
import { ACTION_TYPES } from '../../src/scenario/schema';
import { EXAMPLES } from './examples';
import { Entries, nested, RawToken, toJsonText, type FuzzValue } from './jsonText';

/**
 * Mutations of the example scenarios, as fast-check arbitraries: what a person editing a file by hand, a
 * tool writing one badly, or someone hostile would give the parser. A case is a recipe (an example, the
 * mutations applied to its value, the edits applied to its text), not the text itself, so that a shrunk case
 * prints in a few lines even when it stands for a 5 MB string or 100,000 nested arrays.
 */

/** Where a mutation acts: each number picks a child (modulo their count) one level further down. */
export type Steps = number[];

/** A value to put somewhere, kept small until the case is written out. */
export type Payload =
  | { kind: 'value'; value: FuzzValue }
  | { kind: 'long'; unit: string; length: number }
  | { kind: 'nested'; depth: number; shape: 'array' | 'object' };

/** A name a mutation writes where an id goes: one the scenario defines (by index), or another. */
export type NameChoice = { defined: number } | { other: string };

export type Mutation =
  | { op: 'drop'; at: Steps }
  /** In an array the element again; in an object its key again, with `value` (the last one wins). */
  | { op: 'duplicate'; at: Steps; value: Payload | null }
  | { op: 'replace'; at: Steps; value: Payload }
  | { op: 'addKey'; at: Steps; key: string; value: Payload }
  /** A server id or job name, renamed everywhere it is written. */
  | { op: 'renameId'; which: number; to: NameChoice }
  | { op: 'addAction'; index: number; action: ActionRecipe }
  /** Every action's time divided, so that a short run reaches them. */
  | { op: 'earlier'; divisor: number };

export interface ActionRecipe {
  type: string;
  atMs: Payload;
  server: NameChoice;
  job: NameChoice;
  /** Fields for the action, kept when its type takes them (all of them when `extraKeys`). */
  fields: Record<string, Payload>;
  extraKeys: boolean;
}

export type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'bom' };

export interface ScenarioCase {
  /** Index into EXAMPLES. */
  example: number;
  mutations: Mutation[];
  edits: TextEdit[];
  /** Whether the case is run when the parser accepts it (a sampled few, since a run costs 100 ms or more). */
  run: boolean;
}

/** How large the big payloads get: `quick` for `npm test`, `long` for the long run. */
export type Scale = 'quick' | 'long';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
/** Ids the scenario does not define, several of them valid ids that are also keys of every object. */
const OTHER_NAMES = [
  'ghost',
  ...PROTOTYPE_KEYS,
  'isPrototypeOf',
  '',
  'a'.repeat(40),
  'a'.repeat(41),
  'has space',
];

const HAZARD_KEYS = [...Object.keys(HAZARDS), ...Object.values(HAZARDS).map((hazard) => hazard.code)];

/** Numbers at and beyond every edge the format has, and tokens JSON.stringify would never write. */
const EXTREME_NUMBERS: Payload[] = [
  ...[1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, -1, 0.5, 1.5, 1e21, 1e-7]
    .concat([0x100000000, -0x80000001, 86_400_001, 604_800_001, 100_001, 1_001, 9])
    .map((value): Payload => ({ kind: 'value', value })),
  ...[
    '-0',
    '1e999',
    '-1e999',
    'NaN',
    'Infinity',
    '-Infinity',
    '1E400',
    '01',
    '.5',
    '+1',
    '0x10',
    '1_000',
    '1.',
  ]
    .concat(['-', '1e', '2e-400'])
    .map((text): Payload => ({ kind: 'value', value: new RawToken(text) })),
];

/** `{"__proto__": ...}` and friends, written as own keys (a JS literal would set the prototype instead). */
const PROTOTYPE_OBJECTS: FuzzValue[] = [
  new Entries([['__proto__', { polluted: true }]]),
  new Entries([['__proto__', null]]),
  new Entries([['constructor', { prototype: { polluted: true } }]]),
  new Entries([['prototype', 1]]),
  new Entries([['toString', 'not a function']]),
];

function payloadArbitrary(scale: Scale): fc.Arbitrary<Payload> {
  const lengths = [41, 201, 10_001, ...(scale === 'long' ? [100_000, 1_000_000, 5_000_000] : [])];
  const depths = [10, 100, 1_000, 3_000, 5_000, 10_000, ...(scale === 'long' ? [100_000] : [])];
  const retyped = fc.constantFrom<FuzzValue>(null, true, false, 0, 1, '', 'a', '1', [], {}, [1], { a: 1 });
  return fc.oneof(
    { weight: 4, arbitrary: retyped.map((value): Payload => ({ kind: 'value', value })) },
    { weight: 4, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) },
    { weight: 1, arbitrary: fc.double().map((value): Payload => ({ kind: 'value', value })) },
    { weight: 1, arbitrary: fc.integer().map((value): Payload => ({ kind: 'value', value })) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary', maxLength: 12 })
        .map((value): Payload => ({ kind: 'value', value })),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('long' as const),
        unit: fc.constantFrom('a', 'é', '\u0000', '😀', '"', '\\', '\n', '\u2028', '\uD800'),
        length: fc.constantFrom(...lengths),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('nested' as const),
        depth: fc.constantFrom(...depths),
        shape: fc.constantFrom('array' as const, 'object' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...PROTOTYPE_OBJECTS).map((value): Payload => ({ kind: 'value', value })),
    },
  );
}

const nameChoice: fc.Arbitrary<NameChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(20).map((defined) => ({ defined })) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_NAMES).map((other) => ({ other })) },
);

const CRONS = [
  '* * * * * *',
  '*/2 * * * * *',
  '0 * * * *',
  '* * * * *',
  '61 * * * *',
  '',
  '* * * * * * 2030',
  '@daily',
  '0 0 30 2 *',
  '*/0 * * * *',
  '5-1 * * * *',
  '0 0 * * 8',
  '0 0 L * *',
  '0 0 * * 5#3',
  '* '.repeat(200),
];

/** Values for each field an action can take; a recipe keeps those its type takes. */
function actionFieldsArbitrary(scale: Scale): fc.Arbitrary<Record<string, Payload>> {
  const value = (values: FuzzValue[]) =>
    fc.constantFrom(...values).map((v): Payload => ({ kind: 'value', value: v }));
  const payload = payloadArbitrary(scale);
  const params = fc.oneof(
    value([{}, { a: 1 }, { nested: { list: [1, 'two', null] } }]),
    fc.constantFrom(...PROTOTYPE_OBJECTS).map((v): Payload => ({ kind: 'value', value: v })),
    payload,
  );
  const field = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: payload });
  return fc.record(
    {
      count: field(value([1, 2, 10, 1_000, 100_000, 100_001, 0, -1, 1.5])),
      params: params,
      cron: field(value(CRONS)),
      hazards: field(
        fc
          .subarray([...HAZARD_KEYS, 'H14', 'H99', 'bogus'], { maxLength: 4 })
          .map((list): Payload => ({ kind: 'value', value: list })),
      ),
      servers: field(
        fc
          .array(fc.constantFrom('a', 'b', 'ghost', '__proto__'), { maxLength: 3 })
          .map((list): Payload => ({ kind: 'value', value: list })),
      ),
      graceMs: field(value([0, 1, 5_000, 86_400_000])),
      offsetMs: field(value([0, -20_000, 86_400_000, -86_400_000])),
      rate: field(value([0.5, 1, 1.001, 2])),
      skewMs: field(value([0, 2_000, -86_400_000])),
      durationMs: field(value([0, 1, 50, 86_400_000])),
      failureRate: field(value([0, 0.5, 1])),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, Payload>>;
}

/** The fields each action type takes besides `atMs` and `type` (what the schema's variants spell out). */
const ACTION_FIELDS = new Map<string, string[]>(
  Object.entries({
    addServer: ['server'],
    crash: ['server'],
    stop: ['server', 'graceMs'],
    restart: ['server'],
    pause: ['server'],
    resume: ['server'],
    cutOff: ['server'],
    heal: ['server'],
    setClock: ['server', 'offsetMs', 'rate'],
    setDatabaseSkew: ['skewMs'],
    enqueue: ['server', 'job', 'count', 'params'],
    setJob: ['job', 'durationMs', 'failureRate'],
    addSchedule: ['job', 'cron', 'params'],
    setHazards: ['hazards', 'servers'],
  }),
);

function actionArbitrary(scale: Scale): fc.Arbitrary<ActionRecipe> {
  return fc.record({
    type: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...ACTION_TYPES) },
      { weight: 1, arbitrary: fc.constantFrom('bogus', '', 'Crash', '__proto__') },
    ),
    atMs: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(0, 1, 500, 999, 2_000).map((value): Payload => ({ kind: 'value', value })),
      },
      { weight: 1, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) },
    ),
    server: nameChoice,
    job: nameChoice,
    fields: actionFieldsArbitrary(scale),
    // One in ten carries every field, the ones its type does not take too.
    extraKeys: fc.nat(9).map((draw) => draw === 0),
  });
}

function mutationArbitrary(scale: Scale): fc.Arbitrary<Mutation> {
  // The file itself is a target now and then, a part of it mostly.
  const steps = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Steps>([]) },
    { weight: 15, arbitrary: fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }) },
  );
  const payload = payloadArbitrary(scale);
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('drop' as const), at: steps }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: steps, value: fc.option(payload) }),
    },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), at: steps, value: payload }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('addKey' as const),
        at: steps,
        key: fc.constantFrom(...PROTOTYPE_KEYS, '', 'unknownKey', 'atMs', 'type', 'version'),
        value: payload,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('renameId' as const), which: fc.nat(20), to: nameChoice }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('addAction' as const),
        index: fc.nat(10),
        action: actionArbitrary(scale),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('earlier' as const), divisor: fc.constantFrom(10, 100, 1_000) }),
    },
  );
}

const textEditArbitrary: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      'NaN',
      'Infinity',
      '-',
      ',',
      '//',
      '/*',
      '"',
      '\\',
      '\u0000',
      '\uFEFF',
      '{',
      ']',
      'undefined',
      "'",
      '\n',
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ op: 'bom' as const }),
);

/** One case: an example, up to four mutations of its value, and rarely an edit of its text. */
export function scenarioCaseArbitrary(options: {
  scale: Scale;
  runOneIn: number;
}): fc.Arbitrary<ScenarioCase> {
  return fc.record({
    example: fc.nat(EXAMPLES.length - 1),
    mutations: fc.array(mutationArbitrary(options.scale), { maxLength: 4 }),
    edits: fc.oneof(
      { weight: 5, arbitrary: fc.constant<TextEdit[]>([]) },
      { weight: 1, arbitrary: fc.array(textEditArbitrary, { minLength: 1, maxLength: 2 }) },
    ),
    // Sampled, not chosen: the shrinker moves it towards 0, which keeps a case that fails without a run cheap.
    run: fc.nat(options.runOneIn - 1).map((draw) => draw === options.runOneIn - 1),
  });
}

// Writing a case out.

type Key = string | number;
const REMOVE = Symbol('remove');

function isObjectLike(value: FuzzValue): value is FuzzValue[] | Entries | { [key: string]: FuzzValue } {
  return typeof value === 'object' && value !== null && !(value instanceof RawToken);
}

function childKeys(node: FuzzValue): Key[] {
  if (!isObjectLike(node)) return [];
  if (Array.isArray(node)) return node.map((_, index) => index);
  if (node instanceof Entries) return node.entries.map((_, index) => index);
  return Object.keys(node);
}

function childOf(node: FuzzValue, key: Key): FuzzValue {
  if (Array.isArray(node)) return node[key as number]!;
  if (node instanceof Entries) return node.entries[key as number]![1];
  return (node as Record<string, FuzzValue>)[key as string]!;
}

/** A copy of `node` with its child at `key` replaced (or removed); nothing else is copied. */
function withChild(node: FuzzValue, key: Key, child: FuzzValue | typeof REMOVE): FuzzValue {
  if (Array.isArray(node)) {
    const copy = [...node];
    if (child === REMOVE) copy.splice(key as number, 1);
    else copy[key as number] = child;
    return copy;
  }
  if (node instanceof Entries) {
    const entries = [...node.entries];
    if (child === REMOVE) entries.splice(key as number, 1);
    else entries[key as number] = [entries[key as number]![0], child];
    return new Entries(entries);
  }
  const copy = entriesOf(node);
  const at = copy.findIndex(([name]) => name === key);
  if (child === REMOVE) copy.splice(at, 1);
  else if (at >= 0) copy[at] = [key as string, child];
  else copy.push([key as string, child]);
  return fromEntries(copy);
}

function entriesOf(node: FuzzValue): [string, FuzzValue][] {
  if (node instanceof Entries) return [...node.entries];
  return Object.entries(node as Record<string, FuzzValue>);
}

/** Entries as a plain object when no key repeats and none is `__proto__` (which a literal would not keep). */
function fromEntries(entries: [string, FuzzValue][]): FuzzValue {
  const keys = new Set(entries.map(([key]) => key));
  if (keys.size < entries.length || keys.has('__proto__')) return new Entries(entries);
  return Object.fromEntries(entries) as FuzzValue;
}

function resolve(root: FuzzValue, steps: Steps): Key[] {
  const path: Key[] = [];
  let node = root;
  for (const step of steps) {
    const keys = childKeys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    path.push(key);
    node = childOf(node, key);
  }
  return path;
}

function valueAt(root: FuzzValue, path: Key[]): FuzzValue {
  return path.reduce<FuzzValue>((node, key) => childOf(node, key), root);
}

function updateAt(
  root: FuzzValue,
  path: Key[],
  update: (node: FuzzValue) => FuzzValue | typeof REMOVE,
): FuzzValue {
  if (path.length === 0) {
    const updated = update(root);
    return updated === REMOVE ? new RawToken('') : updated;
  }
  const [first, ...rest] = path as [Key, ...Key[]];
  const child = childOf(root, first);
  const updated = rest.length === 0 ? update(child) : updateAt(child, rest, update);
  return withChild(root, first, updated);
}

export function payloadValue(payload: Payload): FuzzValue {
  switch (payload.kind) {
    case 'value':
      return payload.value;
    case 'long':
      return payload.unit.repeat(Math.ceil(payload.length / payload.unit.length));
    case 'nested':
      return nested(payload.depth, payload.shape);
  }
}

/** The server ids and job names the value defines, in file order (servers first). */
function definedNames(root: FuzzValue): string[] {
  const names: string[] = [];
  const collect = (list: FuzzValue | undefined, key: string) => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      const name =
        isObjectLike(item) && !Array.isArray(item) && !(item instanceof Entries) ? item[key] : undefined;
      if (typeof name === 'string') names.push(name);
    }
  };
  if (isObjectLike(root) && !Array.isArray(root) && !(root instanceof Entries)) {
    collect(root.servers, 'id');
    collect(root.jobs, 'name');
  }
  return names;
}

function nameOf(choice: NameChoice, names: string[], fallback: string): string {
  if ('other' in choice) return choice.other;
  return names.length > 0 ? names[choice.defined % names.length]! : fallback;
}

/** Every string equal to `from` in a server id, job name or reference, renamed `to`. */
function renamed(root: FuzzValue, from: string, to: string): FuzzValue {
  const rename = (value: FuzzValue): FuzzValue => (value === from ? to : value);
  const renameIn = (item: FuzzValue, keys: string[]): FuzzValue => {
    if (!isObjectLike(item) || Array.isArray(item) || item instanceof Entries) return item;
    let out: FuzzValue = item;
    for (const key of keys) {
      const child = (out as Record<string, FuzzValue>)[key];
      if (child === undefined) continue;
      if (key === 'server' && isObjectLike(child)) out = withChild(out, key, renameIn(child, ['id']));
      else if (key === 'servers' && Array.isArray(child)) out = withChild(out, key, child.map(rename));
      else out = withChild(out, key, rename(child));
    }
    return out;
  };
  if (!isObjectLike(root) || Array.isArray(root) || root instanceof Entries) return root;
  let out: FuzzValue = root;
  for (const [list, keys] of [
    ['servers', ['id']],
    ['jobs', ['name']],
    ['actions', ['server', 'job', 'servers']],
  ] as const) {
    const items = (out as Record<string, FuzzValue>)[list];
    if (Array.isArray(items))
      out = withChild(
        out,
        list,
        items.map((item) => renameIn(item, [...keys])),
      );
  }
  return out;
}

function actionValue(recipe: ActionRecipe, names: string[]): FuzzValue {
  const takes = ACTION_FIELDS.get(recipe.type) ?? Object.keys(recipe.fields);
  const action: [string, FuzzValue][] = [
    ['atMs', payloadValue(recipe.atMs)],
    ['type', recipe.type],
  ];
  for (const field of takes) {
    if (field === 'server') {
      const id = nameOf(recipe.server, names, 'a');
      action.push(['server', recipe.type === 'addServer' ? { id } : id]);
    } else if (field === 'job') action.push(['job', nameOf(recipe.job, names, 'work')]);
    else if (recipe.fields[field]) action.push([field, payloadValue(recipe.fields[field])]);
  }
  if (recipe.extraKeys) {
    for (const [field, value] of Object.entries(recipe.fields)) {
      if (!takes.includes(field)) action.push([field, payloadValue(value)]);
    }
  }
  return fromEntries(action);
}

function applyMutation(root: FuzzValue, mutation: Mutation): FuzzValue {
  switch (mutation.op) {
    case 'drop':
      return updateAt(root, resolve(root, mutation.at), () => REMOVE);
    case 'replace':
      return updateAt(root, resolve(root, mutation.at), () => payloadValue(mutation.value));
    case 'duplicate': {
      const path = resolve(root, mutation.at);
      if (path.length === 0) return [root, root];
      const key = path.at(-1)!;
      return updateAt(root, path.slice(0, -1), (parent) => {
        const original = childOf(parent, key);
        const again = mutation.value ? payloadValue(mutation.value) : original;
        if (Array.isArray(parent))
          return [...parent.slice(0, (key as number) + 1), again, ...parent.slice((key as number) + 1)];
        const entries = entriesOf(parent);
        const name = parent instanceof Entries ? parent.entries[key as number]![0] : (key as string);
        return new Entries([...entries, [name, again]]);
      });
    }
    case 'addKey': {
      let path = resolve(root, mutation.at);
      const holds = (value: FuzzValue) => isObjectLike(value) && !Array.isArray(value);
      while (path.length > 0 && !holds(valueAt(root, path))) path = path.slice(0, -1);
      return updateAt(root, path, (node) =>
        holds(node) ? new Entries([...entriesOf(node), [mutation.key, payloadValue(mutation.value)]]) : node,
      );
    }
    case 'renameId': {
      const names = definedNames(root);
      if (names.length === 0) return root;
      const from = names[mutation.which % names.length]!;
      return renamed(root, from, nameOf(mutation.to, names, from));
    }
    case 'addAction': {
      if (!isObjectLike(root) || Array.isArray(root) || root instanceof Entries) return root;
      const actions = root.actions;
      if (!Array.isArray(actions)) return root;
      const action = actionValue(mutation.action, definedNames(root));
      const at = mutation.index % (actions.length + 1);
      return withChild(root, 'actions', [...actions.slice(0, at), action, ...actions.slice(at)]);
    }
    case 'earlier': {
      if (!isObjectLike(root) || Array.isArray(root) || root instanceof Entries) return root;
      const actions = root.actions;
      if (!Array.isArray(actions)) return root;
      const moved = actions.map((action) => {
        const atMs =
          isObjectLike(action) && !Array.isArray(action) && !(action instanceof Entries)
            ? action.atMs
            : undefined;
        return typeof atMs === 'number'
          ? withChild(action, 'atMs', Math.floor(atMs / mutation.divisor))
          : action;
      });
      return withChild(root, 'actions', moved);
    }
  }
}

function applyEdit(text: string, edit: TextEdit): string {
  const at = (position: number) => (text.length === 0 ? 0 : position % (text.length + 1));
  switch (edit.op) {
    case 'truncate':
      return text.slice(0, at(edit.at));
    case 'insert':
      return text.slice(0, at(edit.at)) + edit.text + text.slice(at(edit.at));
    case 'delete':
      return text.slice(0, at(edit.at)) + text.slice(at(edit.at) + edit.length);
    case 'bom':
      return `\uFEFF${text}`;
  }
}

/** The scenario text a case stands for. */
export function scenarioText(scenarioCase: ScenarioCase): string {
  const example = EXAMPLES[scenarioCase.example % EXAMPLES.length]!;
  if (scenarioCase.mutations.length === 0 && scenarioCase.edits.length === 0) return example.text;
  const value = scenarioCase.mutations.reduce(applyMutation, example.value);
  return scenarioCase.edits.reduce(applyEdit, toJsonText(value));
}
