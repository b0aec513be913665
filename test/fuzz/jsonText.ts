/**
 * The values the fuzz suite writes as scenario text: plain JSON, plus what JSON.stringify cannot write but a
 * hand-edited file can hold (a raw token such as `1e999`, `-0` or `NaN`, and an object with a key twice).
 */

/** Text written as is where a value goes: `1e999` (Infinity once parsed), `-0`, `NaN` (not JSON at all). */
export class RawToken {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `<raw ${this.text}>`;
  }
}

/** An object written key by key, so that a key can appear twice (JSON.parse keeps the last). */
export class Entries {
  constructor(readonly entries: [string, FuzzValue][]) {}
  toJSON(): string {
    return `<entries ${this.entries.map(([key]) => key).join(',')}>`;
  }
}

export type FuzzValue =
  null | boolean | number | string | RawToken | Entries | FuzzValue[] | { [key: string]: FuzzValue };

/**
 * The value as JSON text. Iterative, so that a value nested 100,000 deep can be written (JSON.stringify
 * recurses). Keys are written with JSON.stringify, so `__proto__` is an ordinary own key of the text.
 */
export function toJsonText(value: FuzzValue): string {
  const out: string[] = [];
  // Each item is a value to write or a piece of text (a separator, a closing bracket) to append.
  const work: ({ value: FuzzValue } | { text: string })[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const current = item.value;
    if (current instanceof RawToken) out.push(current.text);
    else if (current === null || typeof current !== 'object') out.push(scalarText(current));
    else {
      const isArray = Array.isArray(current);
      const pairs: [string | undefined, FuzzValue][] = isArray
        ? current.map((child): [undefined, FuzzValue] => [undefined, child])
        : current instanceof Entries
          ? current.entries
          : Object.entries(current);
      const pending: ({ value: FuzzValue } | { text: string })[] = [{ text: isArray ? '[' : '{' }];
      pairs.forEach(([key, child], index) => {
        const separator = index > 0 ? ',' : '';
        pending.push({ text: key === undefined ? separator : `${separator}${JSON.stringify(key)}:` });
        pending.push({ value: child });
      });
      pending.push({ text: isArray ? ']' : '}' });
      for (let i = pending.length - 1; i >= 0; i--) work.push(pending[i]!);
    }
  }
  return out.join('');
}

function scalarText(value: null | boolean | number | string): string {
  // JSON.stringify writes Infinity and NaN as null: write them as a person would, so they reach the parser.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/** `depth` arrays or objects inside each other around `leaf`, built without recursion. */
export function nested(depth: number, kind: 'array' | 'object', leaf: FuzzValue = 1): FuzzValue {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}
