// A JSON Schema (draft 2020-12) validator for the keywords schemas/simulation-report.schema.json uses, and
// no more: a schema with any other keyword is refused rather than half-checked, so that a rule added to the
// schema cannot pass the tests unchecked. Written here to keep the package free of a validator dependency.

export type JsonSchema = boolean | { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description']);
const ASSERTIONS = new Set([
  '$defs',
  '$ref',
  'type',
  'const',
  'enum',
  'minimum',
  'properties',
  'required',
  'additionalProperties',
  'items',
]);

/** The problems of `value` against `schema`, each as `path: what is wrong`; empty when it is valid. */
export function validate(schema: JsonSchema, value: unknown): string[] {
  const root = schema;
  const problems: string[] = [];

  function resolve(ref: string): JsonSchema {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}: only local #/... pointers`);
    let node: unknown = root;
    for (const part of ref.slice(2).split('/')) {
      node = (node as Record<string, unknown> | undefined)?.[part];
    }
    if (node === undefined) throw new Error(`$ref ${ref} points at nothing`);
    return node as JsonSchema;
  }

  function check(node: JsonSchema, at: unknown, path: string): void {
    if (node === true) return;
    if (node === false) {
      problems.push(`${path}: no value is allowed here`);
      return;
    }
    for (const keyword of Object.keys(node)) {
      if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) {
        throw new Error(`unsupported keyword ${keyword} at ${path}`);
      }
    }
    if (typeof node.$ref === 'string') check(resolve(node.$ref), at, path);
    if (node.type !== undefined) {
      const types = Array.isArray(node.type) ? (node.type as string[]) : [node.type as string];
      if (!types.some((type) => hasType(at, type))) {
        problems.push(`${path}: expected ${types.join(' or ')}, got ${JSON.stringify(at)}`);
        return;
      }
    }
    if ('const' in node && !sameJson(at, node.const)) {
      problems.push(`${path}: expected ${JSON.stringify(node.const)}, got ${JSON.stringify(at)}`);
    }
    if (Array.isArray(node.enum) && !node.enum.some((option) => sameJson(at, option))) {
      problems.push(`${path}: expected one of ${JSON.stringify(node.enum)}, got ${JSON.stringify(at)}`);
    }
    if (typeof node.minimum === 'number' && typeof at === 'number' && at < node.minimum) {
      problems.push(`${path}: expected at least ${node.minimum}, got ${at}`);
    }
    if (Array.isArray(at) && node.items !== undefined) {
      at.forEach((item, index) => check(node.items as JsonSchema, item, `${path}[${index}]`));
    }
    if (isObject(at)) {
      const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
      for (const key of (node.required ?? []) as string[]) {
        if (!(key in at)) problems.push(`${path}: missing ${key}`);
      }
      for (const [key, item] of Object.entries(at)) {
        const where = `${path}.${key}`;
        if (key in properties) check(properties[key]!, item, where);
        else if (node.additionalProperties !== undefined) {
          check(node.additionalProperties as JsonSchema, item, where);
        }
      }
    }
  }

  check(schema, value, '$');
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

/** JSON equality, as `const` and `enum` compare: same structure and values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameJson(a[key], b[key]));
  }
  return a === b;
}
