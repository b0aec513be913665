// Issue 9 section 3: a `#run=` link cannot take the page down. It is capped before it is inflated and
// while it inflates (the stream is read and cancelled at the cap), and the error says it is too large,
// not that it is damaged. The bombs here are small: deflate makes a few KB of megabytes of zeros.

import { describe, expect, test } from 'vitest';
import { LinkTooLargeError, runLink, scenarioFromFragment } from '../../src/ui/runLink';
import { MAX_LINK_CHARS, MAX_LINK_SCENARIO_BYTES } from '../../src/playground/scenarioFiles';

const PAGE = 'https://example.org/playground/';

async function fragmentOf(text: string): Promise<string> {
  return new URL(await runLink(text, PAGE)).hash;
}

describe('run links', () => {
  test('a scenario goes through a link and back unchanged', async () => {
    const text = '{"version":1,"name":"caf\u00e9"}';
    expect(await scenarioFromFragment(await fragmentOf(text))).toBe(text);
    expect(await scenarioFromFragment('#scenario=x')).toBeNull();
  });

  test('a fragment past the character cap is refused before it is decoded', async () => {
    const hash = `#run=${'A'.repeat(MAX_LINK_CHARS + 1)}`;
    await expect(scenarioFromFragment(hash)).rejects.toThrow(
      `the link is too large: its #run= part has ${MAX_LINK_CHARS + 1} characters (at most ${MAX_LINK_CHARS})`,
    );
  });

  test('a link that inflates past the cap stops at the cap and says it is too large', async () => {
    // 16 MiB of spaces deflates to about 16 KB: under the character cap, twice over the inflated one.
    const bomb = await fragmentOf(' '.repeat(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS);
    const error = await scenarioFromFragment(bomb).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LinkTooLargeError);
    expect((error as Error).message).toBe(
      `the link is too large: its scenario inflates to more than ${MAX_LINK_SCENARIO_BYTES} bytes (at most ${MAX_LINK_SCENARIO_BYTES})`,
    );
  });

  test('the caps can be set lower, and a damaged link is still called damaged', async () => {
    const hash = await fragmentOf('x'.repeat(10_000));
    await expect(scenarioFromFragment(hash, { maxBytes: 1_000 })).rejects.toThrow('the link is too large');
    await expect(scenarioFromFragment(hash.slice(0, 12))).rejects.toThrow("the link's #run= part is damaged");
  });
});
