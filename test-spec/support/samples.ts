/**
 * Generates valid instances of official types straight from schema.json (independently of our zod
 * schemas), and mutates them. `variant` picks the branch of every `anyOf`/`enum`/type list
 * (modulo its length); `maximal` also fills every optional member.
 */
import { isObject, type Json, type JsonObject, type OfficialSchema } from './spec.js';

export type Path = (string | number)[];

/** An object in a generated instance, and whether its schema leaves extra members open. */
export interface ObjectSite {
  readonly path: Path;
  /** The schema sets `additionalProperties` (to `true` or a schema). */
  readonly open: boolean;
  /** The official type the object was reached through (`$ref` target), if any. */
  readonly ref: string | undefined;
}

export interface Sample {
  readonly value: Json;
  readonly sites: readonly ObjectSite[];
}

const MAX_DEPTH = 10;
const VALIDATION_KEYWORDS = [
  '$ref',
  'allOf',
  'anyOf',
  'const',
  'enum',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
];

/** `{}` or annotations only (e.g. just a `description`): any JSON value. */
function isAnything(node: Json): boolean {
  return node === true || (isObject(node) && !VALIDATION_KEYWORDS.some((k) => k in node));
}

export function sample(
  schema: OfficialSchema,
  type: string,
  variant: number,
  maximal: boolean,
): Sample {
  const sites = new Map<string, ObjectSite>();
  const path: Path = [];
  let ref: string | undefined = type;

  const site = (open: boolean) => {
    const key = JSON.stringify(path);
    const previous = sites.get(key);
    sites.set(key, {
      path: [...path],
      open: open || (previous?.open ?? false),
      ref: ref ?? previous?.ref,
    });
  };

  const gen = (node: Json, depth: number): Json => {
    if (isAnything(node)) return variant % 2 === 0 ? 'anything' : { any: ['thing'] };
    if (!isObject(node)) throw new Error(`unsupported schema ${JSON.stringify(node)}`);
    if (typeof node['$ref'] === 'string') {
      const name = node['$ref'].split('/').pop() ?? '';
      const target = schema.defs[name];
      if (!target) throw new Error(`dangling $ref ${node['$ref']}`);
      const outer = ref;
      ref = name;
      try {
        return gen(target, depth + 1);
      } finally {
        ref = outer;
      }
    }
    if (Array.isArray(node['allOf'])) {
      const out: JsonObject = {};
      for (const part of node['allOf']) {
        const value = gen(part, depth + 1);
        if (isObject(value)) Object.assign(out, value);
      }
      return out;
    }
    if (Array.isArray(node['anyOf'])) {
      let options = node['anyOf'];
      if (depth > MAX_DEPTH - 2) {
        // Stop recursion (JSON values): prefer a leaf branch.
        const leaves = options.filter(
          (o) => isObject(o) && !('$ref' in o) && o['type'] !== 'array' && o['type'] !== 'object',
        );
        if (leaves.length > 0) options = leaves;
      }
      const picked = options[variant % options.length];
      if (picked === undefined) throw new Error('empty anyOf');
      return gen(picked, depth + 1);
    }
    if ('const' in node) return node['const'] ?? null;
    if (Array.isArray(node['enum'])) return node['enum'][variant % node['enum'].length] ?? null;
    let kind = node['type'];
    if (Array.isArray(kind)) kind = kind[variant % kind.length] ?? null;
    switch (kind) {
      case 'string':
        if (node['format'] === 'uri') return 'https://example.com/a';
        if (node['format'] === 'byte') return 'AAAA';
        if (node['format'] === 'uri-template') return 'file:///{path}';
        return 'text';
      case 'integer':
        return typeof node['minimum'] === 'number' ? Math.max(node['minimum'], 1) : 1;
      case 'number':
        return 0.5;
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'array': {
        if (depth > MAX_DEPTH) return [];
        const outer = ref;
        ref = undefined;
        path.push(0);
        try {
          return [gen(node['items'] ?? {}, depth + 1)];
        } finally {
          path.pop();
          ref = outer;
        }
      }
      case 'object':
      case undefined: {
        const extra = node['additionalProperties'];
        site(extra !== undefined && extra !== false);
        const outer = ref;
        ref = undefined;
        const out: JsonObject = {};
        const required = Array.isArray(node['required']) ? node['required'] : [];
        const properties = isObject(node['properties']) ? node['properties'] : {};
        for (const [key, member] of Object.entries(properties)) {
          if (!required.includes(key) && !(maximal && depth < MAX_DEPTH)) continue;
          path.push(key);
          out[key] = gen(member, depth + 1);
          path.pop();
        }
        if (
          !isObject(node['properties']) &&
          isObject(extra) &&
          Object.keys(extra).length > 0 &&
          maximal &&
          depth < MAX_DEPTH - 2
        ) {
          path.push('key1');
          out['key1'] = gen(extra, depth + 1);
          path.pop();
        }
        ref = outer;
        return out;
      }
      default:
        throw new Error(`unsupported type ${JSON.stringify(kind)}`);
    }
  };

  const root = schema.defs[type];
  if (!root) throw new Error(`${schema.revision} has no type ${type}`);
  return { value: gen(root, 0), sites: [...sites.values()] };
}

/** Every path of a JSON value (the root included), depth first. */
export function paths(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  }
  return out;
}

export function get(value: Json, path: Path): Json | undefined {
  let current: Json | undefined = value;
  for (const step of path) {
    if (Array.isArray(current) && typeof step === 'number') current = current[step];
    else if (isObject(current) && typeof step === 'string') current = current[step];
    else return undefined;
  }
  return current;
}

export const REMOVE = Symbol('remove');

/** A copy of `value` with the member at `path` replaced (or removed with `REMOVE`). */
export function replaced(value: Json, path: Path, next: Json | typeof REMOVE): Json {
  const [step, ...rest] = path;
  if (step === undefined) {
    if (next === REMOVE) throw new Error('cannot remove the root');
    return next;
  }
  if (Array.isArray(value) && typeof step === 'number') {
    const copy = [...value];
    const item = copy[step];
    if (item === undefined) throw new Error(`no item ${step}`);
    if (rest.length === 0 && next === REMOVE) copy.splice(step, 1);
    else copy[step] = replaced(item, rest, next);
    return copy;
  }
  if (isObject(value) && typeof step === 'string') {
    const copy = { ...value };
    if (rest.length === 0 && next === REMOVE) delete copy[step];
    else
      copy[step] =
        rest.length === 0 && next !== REMOVE ? next : replaced(copy[step] ?? {}, rest, next);
    return copy;
  }
  throw new Error(`no member ${String(step)}`);
}
