import { describe, expect, test } from 'vitest';
import { CryptoEntropy } from '../../src/adapters';

describe('crypto entropy', () => {
  test('ids carry their prefix and never repeat; random() is in [0, 1)', () => {
    const entropy = new CryptoEntropy();
    const ids = Array.from({ length: 1_000 }, () => entropy.newId('claim'));
    expect(new Set(ids).size).toBe(1_000);
    expect(ids.every((id) => /^claim-[0-9a-f-]{36}$/.test(id))).toBe(true);
    const draws = Array.from({ length: 1_000 }, () => entropy.random());
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});
