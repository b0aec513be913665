/**
 * A run as a link: the scenario file's text, deflated and written in base64url after `#run=`, so that a
 * docs page can embed (or a person can send) any run, not only the bundled examples. The fragment never
 * reaches a server; the browser's own CompressionStream does the work, so no library is needed.
 */

const PREFIX = '#run=';

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

/** The link to `scenarioJson` on this page: `<page>?play=1#run=<deflated base64url>`. */
export async function runLink(scenarioJson: string, page: string): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(scenarioJson), new CompressionStream('deflate-raw'));
  const url = new URL(page);
  url.search = '?play=1';
  url.hash = `${PREFIX.slice(1)}${toBase64Url(packed)}`;
  return url.href;
}

/** The scenario text a `#run=` fragment carries, or null when the fragment is not one. Throws if it is broken. */
export async function scenarioFromFragment(hash: string): Promise<string | null> {
  if (!hash.startsWith(PREFIX)) return null;
  try {
    const packed = fromBase64Url(hash.slice(PREFIX.length));
    return new TextDecoder('utf-8', { fatal: true }).decode(
      await pipe(packed, new DecompressionStream('deflate-raw')),
    );
  } catch {
    throw new Error("the link's #run= part is damaged (cut short or edited): it holds no scenario");
  }
}
