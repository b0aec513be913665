import type * as v from 'valibot';

/**
 * How a problem reads: `expected X, got Y`, where Y is the value as it appears in the file. Every schema of
 * the format says in words what it expects (see `described`), so that a missing key can be reported as
 * `expected <what that key takes>, got nothing` rather than in valibot's terms.
 */

/** How a received value reads in a message: strings quoted, containers by kind, a missing key as nothing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 60 ? `${quoted.slice(0, 56)}..."` : quoted;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export type Message = (issue: v.BaseIssue<unknown>) => string;

export const expecting =
  (what: string): Message =>
  (issue) =>
    `expected ${what}, got ${describeValue(issue.input)}`;

/** What each schema expects, in words: used when a required key is missing. */
const expectations = new WeakMap<object, string>();

export function described<T extends object>(schema: T, what: string): T {
  expectations.set(schema, what);
  return schema;
}

export function expectationOf(schema: object | undefined): string | undefined {
  return schema && expectations.get(schema);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const quoteList = (values: readonly string[]) =>
  values.map((value) => JSON.stringify(value)).join(', ');
