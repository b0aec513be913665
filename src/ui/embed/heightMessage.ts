/**
 * The one message the embed sends its host page: its content's height in CSS pixels, each time it changes,
 * so that a host script (public/embed.js) can size the iframe to fit and the reader never scrolls inside it.
 *
 *   { type: 'coordinator-playground:height', height: 412 }
 *
 * It says nothing about the run, so it goes to any origin: the host decides whom to believe (embed.js takes
 * it only from its own iframes' windows, from their origin).
 */
export const HEIGHT_MESSAGE = 'coordinator-playground:height';

export interface HeightMessage {
  type: typeof HEIGHT_MESSAGE;
  height: number;
}

/** Posts `element`'s height to the parent window now and whenever it changes; returns the stop function. */
export function postHeightOnResize(element: HTMLElement, target: Window = window.parent): () => void {
  if (target === window) return () => undefined;
  let last = -1;
  const post = () => {
    const height = Math.ceil(element.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    target.postMessage({ type: HEIGHT_MESSAGE, height } satisfies HeightMessage, '*');
  };
  const observer = new ResizeObserver(post);
  observer.observe(element);
  post();
  return () => observer.disconnect();
}
