/**
 * A run as a link: the scenario file's text, deflated and written in base64url after `#run=`, so that a
 * docs page can embed (or a person can send) any run, not only the bundled examples. The fragment never
 * reaches a server; the browser's own CompressionStream does the work, so no library is needed.
 */

import { MAX_LINK_CHARS, MAX_LINK_SCENARIO_BYTES } from '../playground/scenarioFiles';

const PREFIX = '#run=';

/** A link too large to open: its fragment, or what it inflates to, is past the cap (`src/scenario/limits.ts`). */
export class LinkTooLargeError extends Error {
  override name = 'LinkTooLargeError';
}

/**
 * Inflates `packed`, stopping (and cancelling the stream) as soon as the text passes `maxBytes`: a link of
 * 531 KB used to inflate to 400 MiB before anything looked at it.
 */
async function inflate(packed: Uint8Array<ArrayBuffer>, maxBytes: number): Promise<Uint8Array> {
  const reader = new Blob([packed]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new LinkTooLargeError(
        `the link is too large: its scenario inflates to more than ${maxBytes} bytes (at most ${maxBytes})`,
      );
    }
    chunks.push(value);
  }
  const text = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    text.set(chunk, at);
    at += chunk.byteLength;
  }
  return text;
}

async function pipe(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream) {
  const piped = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** How the run is being watched, which a link keeps beside the scenario (whose seed and actions it carries). */
export interface RunLinkState {
  speed?: number | undefined;
  playing?: boolean | undefined;
  /** Where the run is: the page that opens the link goes there (`at=`, virtual ms). */
  atMs?: number | undefined;
  lesson?: string | null | undefined;
}

/** The address options that carry `state`: `speed=5&at=42000&lesson=...&play=1`, each only when it says something. */
export function runStateParams(state: RunLinkState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.speed !== undefined && state.speed !== 1) params.set('speed', String(state.speed));
  if (state.atMs !== undefined && state.atMs > 0) params.set('at', String(Math.round(state.atMs)));
  if (state.lesson) params.set('lesson', state.lesson);
  if (state.playing) params.set('play', '1');
  return params;
}

/** The link to `scenarioJson` on this page: `<page>?speed=5&play=1#run=<deflated base64url>`. */
export async function runLink(scenarioJson: string, page: string, state: RunLinkState = {}): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(scenarioJson), new CompressionStream('deflate-raw'));
  const url = new URL(page);
  url.search = runStateParams(state).toString();
  url.hash = `${PREFIX.slice(1)}${toBase64Url(packed)}`;
  return url.href;
}

/**
 * The scenario text a `#run=` fragment carries, or null when the fragment is not one. Throws if it is
 * broken, or a LinkTooLargeError if it is past the link's caps (before inflating it, or while it inflates).
 */
export async function scenarioFromFragment(
  hash: string,
  caps: { maxChars?: number; maxBytes?: number } = {},
): Promise<string | null> {
  if (!hash.startsWith(PREFIX)) return null;
  const maxChars = caps.maxChars ?? MAX_LINK_CHARS;
  const packedText = hash.slice(PREFIX.length);
  if (packedText.length > maxChars) {
    throw new LinkTooLargeError(
      `the link is too large: its #run= part has ${packedText.length} characters (at most ${maxChars})`,
    );
  }
  try {
    const packed = fromBase64Url(packedText);
    return new TextDecoder('utf-8', { fatal: true }).decode(
      await inflate(packed, caps.maxBytes ?? MAX_LINK_SCENARIO_BYTES),
    );
  } catch (error) {
    if (error instanceof LinkTooLargeError) throw error;
    throw new Error("the link's #run= part is damaged (cut short or edited): it holds no scenario", {
      cause: error,
    });
  }
}
