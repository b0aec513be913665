import type { Engine } from './engine';
import { createInPageEngine } from './inPageEngine';

export type { Engine } from './engine';

/** The engine the playground uses. */
export function createEngine(): Promise<Engine> {
  return createInPageEngine();
}
