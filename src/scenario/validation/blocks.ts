import * as v from 'valibot';
import type { JsonObject } from '../../core/json.js';
import { ID_PATTERN } from '../limits.js';
import {
  described,
  describeValue,
  expecting,
  expectationOf,
  isPlainObject,
  quoteList,
  type Message,
} from './messages.js';

/**
 * The valibot building blocks the scenario schema is made of. Each one states its range in the words its
 * message uses (`a whole number from 0 to 86400000 (ms)`), so the schema and its messages cannot disagree.
 */

export function wholeNumber(min: number, max: number, note?: string) {
  const what = `a whole number from ${min} to ${max}${note ? ` (${note})` : ''}`;
  const message = expecting(what);
  const schema = v.pipe(
    v.number(message),
    v.check((n) => Number.isInteger(n) && n >= min && n <= max, message),
  );
  return described(schema, what);
}

export function decimal(min: number, max: number, note?: string) {
  const what = `a number from ${min} to ${max}${note ? ` (${note})` : ''}`;
  const message = expecting(what);
  const schema = v.pipe(
    v.number(message),
    v.check((n) => Number.isFinite(n) && n >= min && n <= max, message),
  );
  return described(schema, what);
}

export function text(what: string, maxLength: number) {
  const expected = `${what} of at most ${maxLength} characters`;
  const message = expecting(expected);
  return described(
    v.pipe(
      v.string(message),
      v.check((s) => s.length <= maxLength, message),
    ),
    expected,
  );
}

export function flag(what = 'true or false') {
  return described(v.boolean(expecting(what)), what);
}

export function id(kind: string) {
  const what = `${kind} of 1 to 40 letters, digits, "_", "." or "-"`;
  const message = expecting(what);
  return described(
    v.pipe(
      v.string(message),
      v.check((s) => ID_PATTERN.test(s), message),
    ),
    what,
  );
}

/** An object with exactly these keys (the optional ones may be left out); anything else is reported. */
export function strict<const E extends v.ObjectEntries>(what: string, entries: E) {
  const keys = Object.keys(entries);
  const message: Message = (issue) => {
    const key = issue.path?.[0]?.key;
    if (issue.expected === 'never')
      return `expected only the keys ${keys.join(', ')}, got the key ${describeValue(key)}`;
    if (typeof key === 'string' && issue.input === undefined && issue.expected === `"${key}"`) {
      return `expected ${expectationOf(entries[key]) ?? 'a value'}, got nothing`;
    }
    return `expected ${what}, got ${describeValue(issue.input)}`;
  };
  return described(v.strictObject(entries, message), what);
}

/** `strict`, refusing arrays too (valibot takes any object for an object). */
export function record<const E extends v.ObjectEntries>(what: string, entries: E) {
  return described(v.pipe(v.custom<unknown>(isPlainObject, expecting(what)), strict(what, entries)), what);
}

export function list<const T extends v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>>>(
  what: string,
  item: T,
) {
  return described(v.array(item, expecting(what)), what);
}

export function oneOf<const T extends readonly string[]>(what: string, options: T) {
  const expected = `${what}${what ? ' ' : ''}one of ${quoteList(options)}`;
  return described(v.picklist(options, expecting(expected)), expected);
}

export const jsonObject = described(
  v.custom<JsonObject>(isPlainObject, expecting('a JSON object')),
  'a JSON object',
);
