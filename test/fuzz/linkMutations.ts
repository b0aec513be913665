import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { MAX_LINK_CHARS } from '../../src/scenario/limits';
import { runLink } from '../../src/ui/runLink';
import { EXAMPLES } from './examples';
import { scenarioCaseArbitrary, scenarioText, type Scale, type ScenarioCase } from './mutations';

/**
 * Mutations of run links (the playground's `#run=<deflated base64url>` fragment, src/ui/runLink.ts): the
 * real encoder's link to a mutated scenario, then cut short or edited as a chat client or a person would;
 * base64 that holds no deflate stream, deflate streams of bytes that are no UTF-8 or text that is no
 * scenario; deflate bombs (a small fragment that inflates to megabytes or gigabytes); fragments far longer
 * than any link should be. Like a scenario case, a link case is a recipe, written out by `linkFragment`.
 */

export type LinkBody =
  /** The real encoder's link to this scenario case's text. */
  | { kind: 'scenario'; scenario: ScenarioCase }
  /** Characters where the base64 goes, base64url or not. */
  | { kind: 'garbage'; text: string }
  /** Valid base64url of bytes that are no deflate stream. */
  | { kind: 'bytes'; bytes: number[] }
  /** A valid deflate stream of bytes that need not be UTF-8. */
  | { kind: 'deflatedBytes'; bytes: number[] }
  /** A valid deflate stream of text that is not a scenario. */
  | { kind: 'deflatedText'; text: string }
  /** A deflate stream that inflates to `inflatedBytes` bytes. */
  | { kind: 'bomb'; inflatedBytes: number; shape: BombShape }
  /** A fragment of `length` base64url characters (they inflate to nothing sensible). */
  | { kind: 'long'; length: number };

/**
 * What a bomb inflates to: `spaces` is an example scenario after that many spaces (valid JSON, so only a
 * cap stops it), `string` a scenario whose name is that long, `brackets` that many `[`.
 */
export type BombShape = 'spaces' | 'string' | 'brackets';

export type LinkEdit =
  | { op: 'truncate'; at: number }
  | { op: 'replace'; at: number; char: string }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number };

export interface LinkCase {
  /** What the fragment starts with: `#run=` mostly, near misses sometimes. */
  prefix: string;
  body: LinkBody;
  /** Edits of the part after the prefix. */
  edits: LinkEdit[];
  run: boolean;
}

export const LINK_PREFIX = '#run=';
/** A page the encoder builds links to; only the fragment is fuzzed. */
const PAGE = 'https://docs.example.org/playground/';

const MIB = 1024 * 1024;

function bodyArbitrary(options: { scale: Scale; bombSizes: number[] }): fc.Arbitrary<LinkBody> {
  const scenario = scenarioCaseArbitrary({ scale: 'quick', runOneIn: 1 }).map(
    // The link case has its own sampling; mutations stay small, since a link holds what a page can carry.
    (scenarioCase) => ({ kind: 'scenario' as const, scenario: { ...scenarioCase, run: false } }),
  );
  const bytes = fc.array(fc.nat(255), { maxLength: 64 });
  const lengths = [
    10_000,
    MAX_LINK_CHARS,
    MAX_LINK_CHARS + 1,
    ...(options.scale === 'long' ? [2 * MIB, 8 * MIB] : []),
  ];
  return fc.oneof(
    { weight: 8, arbitrary: scenario },
    {
      weight: 2,
      arbitrary: fc
        .string({ unit: fc.constantFrom(...'AZaz09-_+/=%#. é\u0000'), maxLength: 80 })
        .map((text) => ({ kind: 'garbage' as const, text })),
    },
    { weight: 1, arbitrary: bytes.map((list) => ({ kind: 'bytes' as const, bytes: list })) },
    { weight: 1, arbitrary: bytes.map((list) => ({ kind: 'deflatedBytes' as const, bytes: list })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string({ maxLength: 40 }), fc.constantFrom('null', '[]', '{}', '1', '"x"', '{"version":1}'))
        .map((text) => ({ kind: 'deflatedText' as const, text })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('bomb' as const),
        inflatedBytes: fc.constantFrom(...options.bombSizes),
        shape: fc.constantFrom<BombShape>('spaces', 'string', 'brackets'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...lengths).map((length) => ({ kind: 'long' as const, length })),
    },
  );
}

const linkEditArbitrary: fc.Arbitrary<LinkEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom(...'Aa0-_+/=% é') }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom('A', '==', '%20', ' ', '#run=', '\n'),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

/**
 * One link case. `bombSizes` are the inflated sizes bombs take: a caller picks them around the decoder's
 * cap, so that a bomb just under it, just over it and far over it are all tried.
 */
export function linkCaseArbitrary(options: {
  scale: Scale;
  runOneIn: number;
  bombSizes: number[];
}): fc.Arbitrary<LinkCase> {
  return fc.record({
    prefix: fc.oneof(
      { weight: 12, arbitrary: fc.constant(LINK_PREFIX) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('#run', '#RUN=', '#run==', '', '#', '#play=', '#run=#run=', 'run='),
      },
    ),
    body: bodyArbitrary(options),
    edits: fc.oneof(
      { weight: 1, arbitrary: fc.constant<LinkEdit[]>([]) },
      { weight: 1, arbitrary: fc.array(linkEditArbitrary, { minLength: 1, maxLength: 3 }) },
    ),
    run: fc.nat(options.runOneIn - 1).map((draw) => draw === options.runOneIn - 1),
  });
}

/** The encoder refused to make a link (a cap, say): `cause` is what it threw, for the harness to judge. */
export class EncoderRefusal extends Error {
  override name = 'EncoderRefusal';
  constructor(override readonly cause: unknown) {
    super('the run link encoder refused the scenario');
  }
}

const base64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** The text the real encoder is given for a `scenario` body, and the fragment it makes of it. */
export async function encodedScenario(scenarioCase: ScenarioCase): Promise<{ text: string; body: string }> {
  const text = scenarioText(scenarioCase);
  let link: string;
  try {
    link = await runLink(text, PAGE);
  } catch (error) {
    throw new EncoderRefusal(error);
  }
  const hash = new URL(link).hash;
  if (!hash.startsWith(LINK_PREFIX))
    throw new Error(`the encoder made a link without ${LINK_PREFIX}: ${link.slice(0, 200)}`);
  return { text, body: hash.slice(LINK_PREFIX.length) };
}

const bombs = new Map<string, string>();

/**
 * A deflate stream of `size` inflated bytes, deflated a chunk at a time so that the inflated text is never
 * held in memory here (a 1 GiB bomb costs 16 MiB to build). Cached: a long run asks for the same few often.
 */
async function bomb(size: number, shape: BombShape): Promise<string> {
  const key = `${shape}:${size}`;
  const cached = bombs.get(key);
  if (cached !== undefined) return cached;
  const example = EXAMPLES[0]!.text;
  const [head, fill, tail] =
    shape === 'spaces'
      ? ['', ' ', example]
      : shape === 'string'
        ? ['{"version":1,"name":"', 'a', `","seed":1,"durationMs":1000,"jobs":[],"servers":[],"actions":[]}`]
        : ['', '[', ''];
  // Run-length matches only: as small as level 9 on a run of one byte (1,032 to 1), and four times faster.
  const deflate = createDeflateRaw({ level: 9, strategy: constants.Z_RLE });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const chunk = Buffer.alloc(16 * MIB, fill);
  const write = (data: Buffer) =>
    new Promise<void>((resolve, reject) =>
      deflate.write(data, (error) => (error ? reject(error) : resolve())),
    );
  await write(Buffer.from(head));
  let left = Math.max(0, size - head.length - tail.length);
  while (left > 0) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    await write(piece);
    left -= piece.length;
  }
  deflate.end(Buffer.from(tail));
  await done;
  const encoded = base64Url(Buffer.concat(out));
  bombs.set(key, encoded);
  return encoded;
}

function editBody(body: string, edit: LinkEdit): string {
  const at = (position: number) => (body.length === 0 ? 0 : position % (body.length + 1));
  switch (edit.op) {
    case 'truncate':
      return body.slice(0, at(edit.at));
    case 'replace':
      return body.slice(0, at(edit.at)) + edit.char + body.slice(at(edit.at) + 1);
    case 'insert':
      return body.slice(0, at(edit.at)) + edit.text + body.slice(at(edit.at));
    case 'delete':
      return body.slice(0, at(edit.at)) + body.slice(at(edit.at) + edit.length);
  }
}

/** The part after `#run=` a body stands for, before edits. */
async function bodyText(body: LinkBody): Promise<string> {
  switch (body.kind) {
    case 'scenario':
      return (await encodedScenario(body.scenario)).body;
    case 'garbage':
      return body.text;
    case 'bytes':
      return base64Url(Uint8Array.from(body.bytes));
    case 'deflatedBytes':
      return base64Url(deflateRawSync(Uint8Array.from(body.bytes)));
    case 'deflatedText':
      return base64Url(deflateRawSync(Buffer.from(body.text)));
    case 'bomb':
      return bomb(body.inflatedBytes, body.shape);
    case 'long':
      return 'A'.repeat(body.length);
  }
}

/** The fragment (`#run=...`) a link case stands for. */
export async function linkFragment(linkCase: LinkCase): Promise<string> {
  const body = linkCase.edits.reduce(editBody, await bodyText(linkCase.body));
  return `${linkCase.prefix}${body}`;
}
