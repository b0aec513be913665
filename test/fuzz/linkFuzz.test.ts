import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fuzzLinkCase } from './harness';
import { linkCaseArbitrary } from './linkMutations';
import { QUICK_BOMB_SIZES, QUICK_RUN, QUICK_RUN_ONE_IN } from './settings';
import { FuzzTally } from './tally';

/**
 * Issue 9 section 6: the run link decoder (src/ui/runLink.ts), on links to mutated scenarios cut short and
 * edited, base64 that is no deflate stream, deflate streams of non-UTF-8 bytes and of text that is no
 * scenario, deflate bombs and overlong fragments: it gives back the text the link was made of, or says the
 * link is damaged, and what it gives back goes through the parser as a file would.
 */

const CASES = 500;

it(`${CASES} mutated run links are each refused with a link error, or decoded and judged as a file`, async () => {
  const tally = new FuzzTally();
  const arbitrary = linkCaseArbitrary({
    scale: 'quick',
    runOneIn: QUICK_RUN_ONE_IN,
    bombSizes: QUICK_BOMB_SIZES,
  });
  await fc.assert(
    fc.asyncProperty(arbitrary, async (linkCase) => {
      tally.record(await fuzzLinkCase(linkCase, QUICK_RUN));
    }),
    { numRuns: CASES, seed: 9_06 },
  );
  expect(tally.cases).toBe(CASES);
  const linkErrors = [...tally.rejectedAt.keys()].filter((where) => where.startsWith('link: '));
  expect(linkErrors.length).toBeGreaterThan(0);
  expect(tally.rejected).toBeGreaterThan(tally.accepted);
  expect(tally.accepted).toBeGreaterThan(0);
}, 600_000);
