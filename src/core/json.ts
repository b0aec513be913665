/** Plain JSON: what job params may be, so that they survive the trip through a database row unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface NonJson {
  path: string;
  reason: string;
}

/** One object or array being walked: its children, the next one to look at, and the key it sits under. */
interface Frame {
  container: object;
  key: string | number | null;
  children: [string | number, unknown][];
  next: number;
}

/**
 * Finds the first part of `value` that is not plain JSON. Returns its path and the reason, or undefined
 * when the whole value is plain JSON. Walks the value instead of round-tripping through JSON.stringify,
 * which silently drops `undefined` and functions and turns NaN into null.
 *
 * The walk keeps its own stack, not the call stack (params nested 4,000 deep overflowed it), and builds a
 * path only for what it reports. `maxDepth` refuses objects and arrays nested deeper than that (the
 * outermost value is depth 1).
 */
export function findNonJson(
  value: unknown,
  path = 'params',
  maxDepth = Number.POSITIVE_INFINITY,
): NonJson | undefined {
  const stack: Frame[] = [];
  const onStack = new Set<object>();
  const pathTo = (key: string | number | null): string => {
    let out = path;
    for (const frame of stack) if (frame.key !== null) out += step(frame.key);
    return key === null ? out : out + step(key);
  };
  /** Looks at one value; a container is pushed to be walked. */
  const visit = (current: unknown, key: string | number | null): NonJson | undefined => {
    if (current === null || typeof current === 'boolean' || typeof current === 'string') return undefined;
    if (typeof current === 'number') {
      return Number.isFinite(current)
        ? undefined
        : { path: pathTo(key), reason: `${current} is not a finite number` };
    }
    if (typeof current !== 'object') return { path: pathTo(key), reason: `a ${typeof current} is not JSON` };
    if (onStack.has(current)) return { path: pathTo(key), reason: 'a cycle: the value contains itself' };
    if (stack.length >= maxDepth)
      return { path: pathTo(key), reason: `objects and arrays nested more than ${maxDepth} deep` };
    let children: [string | number, unknown][];
    if (Array.isArray(current)) {
      children = [];
      for (let index = 0; index < current.length; index++) {
        if (!(index in current)) return { path: `${pathTo(key)}[${index}]`, reason: 'a hole in the array' };
        children.push([index, current[index]]);
      }
    } else {
      const prototype: unknown = Object.getPrototypeOf(current);
      if (prototype !== Object.prototype && prototype !== null) {
        const kind = (current as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        return { path: pathTo(key), reason: `a ${kind} is not a plain object` };
      }
      children = Object.entries(current);
    }
    stack.push({ container: current, key, children, next: 0 });
    onStack.add(current);
    return undefined;
  };
  const first = visit(value, null);
  if (first) return first;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.children.length) {
      stack.pop();
      onStack.delete(frame.container);
      continue;
    }
    const [key, child] = frame.children[frame.next++]!;
    const found = visit(child, key);
    if (found) return found;
  }
  return undefined;
}

const step = (key: string | number): string => (typeof key === 'number' ? `[${key}]` : `.${key}`);
