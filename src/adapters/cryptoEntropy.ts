import { randomBytes, randomUUID } from 'node:crypto';
import type { Entropy } from '../core/index.js';

/**
 * The Entropy port on the operating system's randomness. Ids are unique across processes and runs (a
 * random UUID), because real servers share one database and are never reset together.
 */
export class CryptoEntropy implements Entropy {
  newId(prefix: string): string {
    return `${prefix}-${randomUUID()}`;
  }

  /** 48 random bits scaled to [0, 1): as fine as a double carries in that range. */
  random(): number {
    return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
  }
}
