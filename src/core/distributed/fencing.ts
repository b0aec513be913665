import { FencedWriteError } from '../errors';
import { FENCED_MESSAGE } from './migrations';

/** Turns the fencing triggers' refusal into a FencedWriteError; other errors pass through unchanged. */
export function asFenced(error: unknown, term: number, what: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(FENCED_MESSAGE) ? new FencedWriteError(term, what) : error;
}
