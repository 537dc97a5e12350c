/**
 * The part of output-schema validation that is loaded on first use, with the validator it drives
 * (`@cfworker/json-schema`, which interprets schemas: no code generation, no `eval`): preparing a
 * schema (checking its shape for its dialect, resolving its references without fetching any) and
 * turning the validator's output into `SchemaViolation`s. See tool-output.ts for the design.
 */

import { dereference, format, validate } from '@cfworker/json-schema';
import type { OutputSchemaDialect, SchemaViolation } from './schema-violation.js';

/** One violation as the validator reports it. */
interface OutputUnit {
  readonly keyword: string;
  readonly keywordLocation: string;
  readonly instanceLocation: string;
  readonly error: string;
}

type Check = (instance: unknown) => readonly SchemaViolation[];

/**
 * The base URI of a schema without `$id`, so that references resolve the same everywhere (the
 * validator would otherwise take a page's own address). Never fetched: no reference is.
 */
const BASE_URI = 'https://output-schema.invalid/schema.json';

/** A `$ref` that leaves the schema. */
export class ExternalRefError extends Error {
  readonly ref: string;
  constructor(ref: string) {
    super(`the $ref ${JSON.stringify(ref)} is not part of the schema, and is not fetched`);
    this.ref = ref;
  }
}

/**
 * Checks the shape of a schema (the private copy, changed in place: keywords of the other dialect
 * and unknown formats are removed), resolves its references and returns the function that
 * validates a value against it. Throws `ExternalRefError`, or an `Error` naming what is malformed.
 */
export function prepare(schema: unknown, dialect: OutputSchemaDialect): Check {
  const refs: Record<string, unknown>[] = [];
  checkSchema(schema, '', dialect, refs);
  const root = schema as boolean | Record<string, unknown>;
  const lookup = dereference(root, Object.create(null) as never, new URL(BASE_URI));
  for (const node of refs) {
    const absolute = node['__absolute_ref__'];
    if (typeof absolute !== 'string' || lookup[absolute] !== undefined) continue;
    const resource = absolute.replace(/#.*$/, '');
    if (lookup[resource] !== undefined) {
      throw new Error(`the $ref ${JSON.stringify(node['$ref'])} points nowhere in the schema`);
    }
    const written = node['$ref'] as string;
    throw new ExternalRefError(
      resource.startsWith(BASE_URI.replace(/[^/]*$/, '')) ? written : absolute,
    );
  }
  const draft = dialect === '2020-12' ? '2020-12' : '7';
  return (instance) => {
    // Every violation, not only the first: the same work when the value conforms, and the
    // validator's short circuit would apply items to an array's prefix it broke off from.
    const result = validate(instance, root, draft, lookup, false);
    return result.valid ? [] : violations(result.errors);
  };
}

const TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
/** Keywords taking one subschema. */
const SUBSCHEMA = [
  'not',
  'if',
  'then',
  'else',
  'additionalProperties',
  'propertyNames',
  'contains',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
];
/** Keywords taking a non-empty array of subschemas. */
const SUBSCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords taking an object whose values are subschemas. */
const SUBSCHEMA_MAPS = [
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
];
const NON_NEGATIVE_INTEGERS = [
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minContains',
  'maxContains',
];
const NUMBERS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];
const STRINGS = ['$ref', '$id', '$anchor', '$dynamicAnchor', 'format'];
/** Keywords of 2019-09 and later, unknown (so ignored) in draft-07. */
const NOT_IN_DRAFT_07 = [
  'dependentRequired',
  'dependentSchemas',
  'prefixItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'minContains',
  'maxContains',
  '$anchor',
];

/** The error for a keyword of the schema at `where` whose value is not `what` it must be. */
type Fail = (keyword: string, what: string) => Error;

/** Throws when `node` (at schema pointer `at`) is not a well-formed schema of `dialect`. */
function checkSchema(
  node: unknown,
  at: string,
  dialect: OutputSchemaDialect,
  refs: Record<string, unknown>[],
): void {
  if (typeof node === 'boolean') return;
  const where = at === '' ? 'the root' : at;
  if (!isObject(node)) throw new Error(`${where} is not a schema (an object or a boolean)`);
  const fail: Fail = (keyword, what) => new Error(`${keyword} at ${where} must be ${what}`);
  prune(node, where, dialect, refs, fail);
  checkValues(node, fail);
  checkSubschemas(node, at, dialect, refs, fail);
}

/**
 * Removes what neither the dialect nor the validator knows (2019-09's recursive references, the
 * other dialect's keywords, unknown formats), refuses `$dynamicRef`, checks the keywords that
 * take a string, and notes a `$ref` to resolve.
 */
function prune(
  node: Record<string, unknown>,
  where: string,
  dialect: OutputSchemaDialect,
  refs: Record<string, unknown>[],
  fail: Fail,
): void {
  // 2019-09 only: neither dialect has them.
  delete node['$recursiveRef'];
  delete node['$recursiveAnchor'];
  if (dialect === 'draft-07') for (const keyword of NOT_IN_DRAFT_07) delete node[keyword];
  if (node['$dynamicRef'] !== undefined) {
    throw new Error(`$dynamicRef at ${where} is not supported`);
  }
  for (const keyword of STRINGS) {
    if (node[keyword] !== undefined && typeof node[keyword] !== 'string')
      throw fail(keyword, 'a string');
  }
  if (typeof node['$ref'] === 'string') refs.push(node);
  if (typeof node['format'] === 'string' && !Object.hasOwn(format, node['format'])) {
    delete node['format'];
  }
}

/** Checks the keywords whose values are data: types, numbers, counts, patterns, lists of names. */
function checkValues(node: Record<string, unknown>, fail: Fail): void {
  const type = node['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    const valid =
      types.length > 0 &&
      new Set(types).size === types.length &&
      types.every((t) => typeof t === 'string' && TYPES.has(t));
    if (!valid) throw fail('type', `one of ${[...TYPES].join(', ')}, or an array of them`);
  }
  if (node['enum'] !== undefined && !Array.isArray(node['enum'])) throw fail('enum', 'an array');
  const required = node['required'];
  if (required !== undefined && !isStringArray(required))
    throw fail('required', 'an array of strings');
  for (const keyword of NUMBERS) {
    if (node[keyword] !== undefined && !isFiniteNumber(node[keyword]))
      throw fail(keyword, 'a number');
  }
  const multipleOf = node['multipleOf'];
  if (multipleOf !== undefined && !(isFiniteNumber(multipleOf) && multipleOf > 0)) {
    throw fail('multipleOf', 'a number greater than 0');
  }
  for (const keyword of NON_NEGATIVE_INTEGERS) {
    const value = node[keyword];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      throw fail(keyword, 'a non-negative integer');
    }
  }
  if (node['uniqueItems'] !== undefined && typeof node['uniqueItems'] !== 'boolean') {
    throw fail('uniqueItems', 'a boolean');
  }
  if (node['pattern'] !== undefined) {
    if (typeof node['pattern'] !== 'string' || !isRegExp(node['pattern'])) {
      throw fail('pattern', 'a regular expression');
    }
  }
  const dependentRequired = node['dependentRequired'];
  if (dependentRequired !== undefined) {
    if (!isObject(dependentRequired) || !Object.values(dependentRequired).every(isStringArray)) {
      throw fail('dependentRequired', 'an object of arrays of strings');
    }
  }
}

/** Checks the keywords that hold subschemas, and each subschema in turn. */
function checkSubschemas(
  node: Record<string, unknown>,
  at: string,
  dialect: OutputSchemaDialect,
  refs: Record<string, unknown>[],
  fail: Fail,
): void {
  const items = node['items'];
  if (Array.isArray(items)) {
    if (dialect === '2020-12') throw fail('items', 'a schema (an array of schemas is prefixItems)');
    items.forEach((item, i) => checkSchema(item, `${at}/items/${i}`, dialect, refs));
  } else if (items !== undefined) {
    checkSchema(items, `${at}/items`, dialect, refs);
  }
  for (const keyword of SUBSCHEMA) {
    if (node[keyword] !== undefined) checkSchema(node[keyword], `${at}/${keyword}`, dialect, refs);
  }
  for (const keyword of SUBSCHEMA_ARRAYS) {
    const list = node[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0)
      throw fail(keyword, 'a non-empty array of schemas');
    list.forEach((item, i) => checkSchema(item, `${at}/${keyword}/${i}`, dialect, refs));
  }
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = node[keyword];
    if (map === undefined) continue;
    if (!isObject(map)) throw fail(keyword, 'an object of schemas');
    for (const [name, value] of Object.entries(map)) {
      if (keyword === 'patternProperties' && !isRegExp(name)) {
        throw fail(keyword, `keyed by regular expressions (not ${JSON.stringify(name)})`);
      }
      checkSchema(value, `${at}/${keyword}/${pointerToken(name)}`, dialect, refs);
    }
  }
  const dependencies = node['dependencies'];
  if (dependencies !== undefined) {
    if (!isObject(dependencies)) throw fail('dependencies', 'an object');
    for (const [name, value] of Object.entries(dependencies)) {
      if (!isStringArray(value)) {
        checkSchema(value, `${at}/dependencies/${pointerToken(name)}`, dialect, refs);
      }
    }
  }
}

/**
 * Keywords whose entry only says that a subschema failed: the validator lists that subschema's
 * own violations right after it.
 */
const WRAPPERS = new Set([
  '$ref',
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
  'propertyNames',
  'dependentSchemas',
  'allOf',
  'if',
]);

/**
 * The validator's output units as violations. An entry that only says a subschema failed is
 * dropped, since that subschema's own violations follow it; when what follows is the bare failure
 * of a `false` schema, the two become one violation that keeps the outer keyword and message
 * (`additionalProperties: false` reports the property it refuses).
 */
function violations(units: readonly OutputUnit[]): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    const next = units[i + 1];
    const wraps =
      next !== undefined &&
      (WRAPPERS.has(unit.keyword) ||
        (unit.keyword === 'dependencies' &&
          (next.keyword === 'false' ||
            next.keywordLocation.startsWith(`${unit.keywordLocation}/`))));
    if (!wraps) {
      out.push(violation(unit, unit));
    } else if (next.keyword === 'false') {
      out.push(violation(unit, next));
      i++;
    }
  }
  return out;
}

function violation(unit: OutputUnit, at: OutputUnit): SchemaViolation {
  return {
    instancePath: fromFragment(at.instanceLocation),
    keyword: unit.keyword,
    // The validator spells this one location "dependantRequired".
    schemaPath: fromFragment(unit.keywordLocation).replace(
      /\/dependantRequired$/,
      '/dependentRequired',
    ),
    message: unit.error.replace(/\.$/, ''),
  };
}

/** A JSON Pointer from a URI fragment (`#/a~1b%20c` → `/a~1b c`). */
function fromFragment(fragment: string): string {
  const pointer = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  try {
    return decodeURIComponent(pointer);
  } catch {
    return pointer;
  }
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
