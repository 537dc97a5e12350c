/**
 * Where a revision's published schema.json is narrower than its normative schema.ts, found
 * mechanically. schema.ts is read with the TypeScript compiler (strict, so `null` is a type of its
 * own); each `definitions`/`$defs` entry of schema.json is walked beside the TypeScript type of the
 * same name, through object members, record values, array items and the inline parts of `anyOf`,
 * `oneOf` and `allOf`, and at each position the JSON types schema.ts allows are compared with
 * those schema.json allows. (The other direction, schema.json allowing a JSON type schema.ts does
 * not, occurs nowhere in the five revisions.)
 *
 * - TypeScript `number` allows any number; a `@TJS-type` tag on the declaration (the generator's
 *   own annotation) says which JSON type it means, and `number` literals are what they are.
 * - A `$ref` below a definition's root is not followed: the referenced definition is compared as
 *   itself, so each difference is reported once, where it is declared.
 *
 * The result is what schema.ts allows and schema.json does not, as widenings of schema.json:
 * `fraction` (schema.json says `integer` where schema.ts says `number`) and `null`. Anything else
 * (schema.ts allowing a whole JSON type schema.json forbids) is reported as `other:<type>`, so that
 * a new kind of difference fails the check that lists them instead of passing unnoticed.
 */
import path from 'node:path';
import ts from 'typescript';
import type { Revision } from '../../src/protocol/revisions.js';
import { isObject, officialSchema, specDir, type Json, type JsonObject } from './spec.js';

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';
const ANY: readonly Kind[] = ['string', 'number', 'boolean', 'null', 'object', 'array'];

/** How schema.json must be widened at one position to allow what schema.ts allows there. */
export type Widening = 'fraction' | 'null' | `other:${string}`;

export interface Narrowing {
  /** `Type`, then `.member`, `.*` (a record's values) and `[]` (an array's items). */
  readonly at: string;
  readonly widen: readonly Widening[];
}

/**
 * What schema.ts allows and schema.json does not, in `revision`, by position, sorted; and how many
 * positions were compared. `defs` replaces the published definitions (to check the check).
 */
export function compareWithSchemaTs(
  revision: Revision,
  defs: Readonly<Record<string, JsonObject>> = officialSchema(revision).defs,
): { narrowings: Narrowing[]; positions: number } {
  const file = path.join(specDir, revision, 'schema.ts');
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`cannot read ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const declared = new Map<string, ts.Symbol>();
  for (const symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    declared.set(symbol.name, symbol);
  }

  const resolve = (node: Json | undefined): Json | undefined => {
    let at = node;
    for (let hops = 0; isObject(at) && typeof at['$ref'] === 'string'; hops++) {
      if (hops > 50) throw new Error(`${revision}: $ref cycle`);
      at = defs[at['$ref'].split('/').pop() ?? ''];
    }
    return at;
  };

  const out: Narrowing[] = [];
  let positions = 0;
  const compare = (
    type: ts.Type,
    node: Json,
    at: string,
    tag: string | undefined,
    root: boolean,
  ) => {
    if (!root && isObject(node) && '$ref' in node) return;
    positions++;
    const allowed = tsKinds(checker, type, tag);
    const json = jsonKinds(resolve, node, new Set());
    const missing = [...allowed].filter((k) => !covers(json, k));
    if (missing.length > 0) out.push({ at, widen: missing.map(widening) });
    structure(type, node, at);
  };
  /** Goes on into the parts both sides have: members, record values, items, inline alternatives. */
  const structure = (type: ts.Type, node: Json, at: string) => {
    const n = resolve(node);
    if (!isObject(n)) return;
    const parts = n['anyOf'] ?? n['oneOf'] ?? n['allOf'];
    if (Array.isArray(parts)) {
      for (const member of parts) {
        if (isObject(member) && !('$ref' in member)) structure(type, member, at);
      }
      return;
    }
    const members = type.isUnion() ? type.types : [type];
    const objects = members.filter(
      (m) =>
        (m.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0 &&
        !checker.isArrayType(m) &&
        !checker.isTupleType(m),
    );
    const objectType = objects.length === 1 ? objects[0] : undefined;
    const properties = n['properties'];
    if (objectType !== undefined && isObject(properties)) {
      for (const [name, sub] of Object.entries(properties)) {
        const property = objectType.getProperty(name);
        if (property === undefined) continue;
        const declaration = property.declarations?.[0];
        compare(
          checker.getTypeOfSymbol(property), // an optional member's `undefined` adds no JSON type
          sub,
          `${at}.${name}`,
          declaration === undefined ? undefined : tjsType(declaration),
          false,
        );
      }
    }
    const values = objectType?.getStringIndexType();
    const additional = n['additionalProperties'];
    if (values !== undefined && isObject(additional))
      compare(values, additional, `${at}.*`, undefined, false);
    const arrays = members.filter((m) => checker.isArrayType(m));
    const items = n['items'];
    const array = arrays.length === 1 ? arrays[0] : undefined;
    if (array !== undefined && isObject(items)) {
      const element = checker.getTypeArguments(array as ts.TypeReference)[0];
      if (element !== undefined) compare(element, items, `${at}[]`, undefined, false);
    }
  };

  for (const [name, node] of Object.entries(defs)) {
    const symbol = declared.get(name);
    if (symbol === undefined) throw new Error(`${revision}: schema.ts declares no ${name}`);
    const declaration = symbol.declarations?.[0];
    compare(
      checker.getDeclaredTypeOfSymbol(symbol),
      node,
      name,
      declaration === undefined ? undefined : tjsType(declaration),
      true,
    );
  }
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { narrowings: out, positions };
}

function widening(kind: Kind): Widening {
  return kind === 'number' ? 'fraction' : kind === 'null' ? 'null' : `other:${kind}`;
}

function covers(json: ReadonlySet<Kind>, kind: Kind): boolean {
  return json.has(kind) || (kind === 'integer' && json.has('number'));
}

/** The generator's `@TJS-type` annotation on a declaration, if any. */
function tjsType(declaration: ts.Declaration): string | undefined {
  const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === 'TJS-type');
  return typeof tag?.comment === 'string' ? tag.comment.trim() : undefined;
}

/** The JSON types a TypeScript type allows (`undefined` is an absent member, not a JSON value). */
function tsKinds(checker: ts.TypeChecker, type: ts.Type, tag: string | undefined): Set<Kind> {
  if (tag === 'integer' || tag === 'number') return new Set([tag]);
  const out = new Set<Kind>();
  const visit = (t: ts.Type): void => {
    const f = t.flags;
    if ((f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0) ANY.forEach((k) => out.add(k));
    else if (t.isUnion()) t.types.forEach(visit);
    else if ((f & ts.TypeFlags.StringLike) !== 0) out.add('string');
    else if ((f & ts.TypeFlags.NumberLike) !== 0)
      out.add(t.isNumberLiteral() && Number.isInteger(t.value) ? 'integer' : 'number');
    else if ((f & ts.TypeFlags.BooleanLike) !== 0) out.add('boolean');
    else if ((f & ts.TypeFlags.Null) !== 0) out.add('null');
    else if ((f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Never)) !== 0) return;
    else if (checker.isArrayType(t) || checker.isTupleType(t)) out.add('array');
    else out.add('object');
  };
  visit(type);
  return out;
}

/** The JSON types a JSON Schema node allows. */
function jsonKinds(
  resolve: (node: Json | undefined) => Json | undefined,
  node: Json | undefined,
  seen: Set<JsonObject>,
): Set<Kind> {
  const n = resolve(node);
  if (n === true || n === undefined || !isObject(n) || seen.has(n)) return new Set(ANY);
  seen.add(n);
  const alternatives = n['anyOf'] ?? n['oneOf'];
  if (Array.isArray(alternatives)) {
    const out = new Set<Kind>();
    for (const member of alternatives) jsonKinds(resolve, member, seen).forEach((k) => out.add(k));
    return out;
  }
  const all = n['allOf'];
  if (Array.isArray(all)) {
    // An intersection allows the types every part allows.
    const parts = all.map((member) => jsonKinds(resolve, member, new Set(seen)));
    return new Set(ANY.concat('integer').filter((k) => parts.every((p) => covers(p, k))));
  }
  if ('const' in n) return valueKinds([n['const'] ?? null]);
  if (Array.isArray(n['enum'])) return valueKinds(n['enum']);
  const type = n['type'];
  if (typeof type === 'string') return new Set([type as Kind]);
  if (Array.isArray(type)) return new Set(type as Kind[]);
  if ('properties' in n || 'additionalProperties' in n || 'required' in n)
    return new Set(['object']);
  if ('items' in n) return new Set(['array']);
  return new Set(ANY);
}

function valueKinds(values: readonly Json[]): Set<Kind> {
  const out = new Set<Kind>();
  for (const v of values) {
    if (v === null) out.add('null');
    else if (Array.isArray(v)) out.add('array');
    else if (typeof v === 'number') out.add(Number.isInteger(v) ? 'integer' : 'number');
    else out.add(typeof v as Kind);
  }
  return out;
}
