/** Plain JSON: what job params may be, so that they survive the trip through a database row unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Finds the first part of `value` that is not plain JSON. Returns its path and the reason, or undefined
 * when the whole value is plain JSON. Walks the value instead of round-tripping through JSON.stringify,
 * which silently drops `undefined` and functions and turns NaN into null.
 */
export function findNonJson(value: unknown, path = 'params'): { path: string; reason: string } | undefined {
  const seen = new Set<object>();
  const walk = (current: unknown, at: string): { path: string; reason: string } | undefined => {
    if (current === null || typeof current === 'boolean' || typeof current === 'string') return undefined;
    if (typeof current === 'number') {
      return Number.isFinite(current) ? undefined : { path: at, reason: `${current} is not a finite number` };
    }
    if (typeof current !== 'object') return { path: at, reason: `a ${typeof current} is not JSON` };
    if (seen.has(current)) return { path: at, reason: 'a cycle: the value contains itself' };
    seen.add(current);
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        if (!(index in current)) return { path: `${at}[${index}]`, reason: 'a hole in the array' };
        const found = walk(current[index], `${at}[${index}]`);
        if (found) return found;
      }
    } else {
      const prototype: unknown = Object.getPrototypeOf(current);
      if (prototype !== Object.prototype && prototype !== null) {
        const kind = (current as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        return { path: at, reason: `a ${kind} is not a plain object` };
      }
      for (const [key, child] of Object.entries(current)) {
        const found = walk(child, `${at}.${key}`);
        if (found) return found;
      }
    }
    seen.delete(current);
    return undefined;
  };
  return walk(value, path);
}
