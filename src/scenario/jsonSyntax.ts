/**
 * Where JSON text first breaks the grammar (RFC 8259), found in one pass over it. JSON.parse says why it
 * gave up but, for an unexpected token, not where: the position that used to be worked out by bisecting
 * with JSON.parse was wrong (a NaN on line 7 reported on line 3) and took 10 s on a 50 MB file. This scan
 * keeps its own stack, so any nesting is fine, and builds no values.
 */

const ARRAY = 0;
const OBJECT = 1;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** The characters a backslash may escape besides `u`: " \ / b f n r t. */
const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);

/** The offset of the first character that breaks the grammar (the text's length if it ends too soon), or undefined when the text is valid JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  const stack: number[] = [];

  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  /** A string from its opening quote; -1 when it is good, else the offset of the fault. */
  const string = (): number => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return -1;
      }
      if (c < 0x20) return i;
      if (c !== 92) {
        i++;
        continue;
      }
      if (i + 1 >= n) return n;
      const escaped = text.charCodeAt(i + 1);
      if (SIMPLE_ESCAPES.has(escaped)) {
        i += 2;
        continue;
      }
      if (escaped !== 117) return i + 1;
      for (let k = i + 2; k < i + 6; k++) {
        if (k >= n) return n;
        if (!isHex(text.charCodeAt(k))) return k;
      }
      i += 6;
    }
    return n;
  };
  const digits = (): number => {
    if (i >= n) return n;
    if (!isDigit(text.charCodeAt(i))) return i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    return -1;
  };
  const number = (): number => {
    if (text.charCodeAt(i) === 45) i++; // -
    if (i >= n) return n;
    if (text.charCodeAt(i) === 48) i++;
    else {
      const fault = digits();
      if (fault >= 0) return fault;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      i++;
      const fault = digits();
      if (fault >= 0) return fault;
    }
    if (i < n && (text.charCodeAt(i) === 101 || text.charCodeAt(i) === 69)) {
      i++;
      if (i < n && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
      const fault = digits();
      if (fault >= 0) return fault;
    }
    return -1;
  };
  const literal = (word: string): number => {
    for (let k = 0; k < word.length; k++) {
      if (i + k >= n) return n;
      if (text.charCodeAt(i + k) !== word.charCodeAt(k)) return i + k;
    }
    i += word.length;
    return -1;
  };
  /** A value that is no container; -1 when it is good. */
  const scalar = (): number => {
    const c = text.charCodeAt(i);
    if (c === 34) return string();
    if (c === 45 || isDigit(c)) return number();
    if (c === 116) return literal('true');
    if (c === 102) return literal('false');
    if (c === 110) return literal('null');
    return i;
  };

  let state: 'value' | 'key' | 'firstKey' | 'colon' | 'after' = 'value';
  for (;;) {
    skipSpace();
    if (state === 'after' && stack.length === 0) return i < n ? i : undefined;
    if (i >= n) return n;
    const c = text.charCodeAt(i);
    switch (state) {
      case 'value': {
        if (c === 123) {
          stack.push(OBJECT);
          i++;
          state = 'firstKey';
        } else if (c === 91) {
          stack.push(ARRAY);
          i++;
          skipSpace();
          if (i < n && text.charCodeAt(i) === 93) {
            stack.pop();
            i++;
            state = 'after';
          }
        } else {
          const fault = scalar();
          if (fault >= 0) return fault;
          state = 'after';
        }
        break;
      }
      case 'firstKey':
      case 'key': {
        if (c === 125 && state === 'firstKey') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (c !== 34) return i;
        const fault = string();
        if (fault >= 0) return fault;
        state = 'colon';
        break;
      }
      case 'colon':
        if (c !== 58) return i;
        i++;
        state = 'value';
        break;
      case 'after': {
        const top = stack[stack.length - 1];
        if (c === 44) {
          i++;
          state = top === OBJECT ? 'key' : 'value';
        } else if ((c === 93 && top === ARRAY) || (c === 125 && top === OBJECT)) {
          stack.pop();
          i++;
        } else return i;
        break;
      }
    }
  }
}

/** Line and column (both from 1) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
