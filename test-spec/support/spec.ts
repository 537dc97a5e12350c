/**
 * The official specification data (schema.json per revision, the 2026-07-28 examples) and an
 * ajv oracle over it. The directory comes from MCP_SPEC_DIR (default `../shared/mcp-spec` from the
 * project root); a missing directory fails the run at load time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Revision } from '../../src/protocol/revisions.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const specDir = path.resolve(root, process.env['MCP_SPEC_DIR'] ?? '../shared/mcp-spec');

if (!existsSync(path.join(specDir, '2026-07-28', 'schema.json'))) {
  throw new Error(
    `MCP specification data not found in ${specDir} (expected <dir>/<revision>/schema.json). ` +
      'Set MCP_SPEC_DIR to the directory holding the official schemas; the spec tests never skip.',
  );
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

export interface OfficialSchema {
  readonly revision: Revision;
  readonly json: JsonObject;
  /** `definitions` (draft-07 revisions) or `$defs` (2020-12 revisions). */
  readonly defsKey: 'definitions' | '$defs';
  readonly defs: Readonly<Record<string, JsonObject>>;
}

const schemaCache = new Map<Revision, OfficialSchema>();

export function officialSchema(revision: Revision): OfficialSchema {
  let schema = schemaCache.get(revision);
  if (!schema) {
    const file = path.join(specDir, revision, 'schema.json');
    if (!existsSync(file)) throw new Error(`missing official schema ${file}`);
    const json = readJson(file);
    if (!isObject(json)) throw new Error(`${file} is not a JSON object`);
    const defsKey = '$defs' in json ? '$defs' : 'definitions';
    const defs = json[defsKey];
    if (!isObject(defs)) throw new Error(`${file} has no ${defsKey}`);
    const typed: Record<string, JsonObject> = {};
    for (const [name, def] of Object.entries(defs)) {
      if (!isObject(def)) throw new Error(`${file}: ${name} is not a schema object`);
      typed[name] = def;
    }
    schema = { revision, json, defsKey, defs: typed };
    schemaCache.set(revision, schema);
  }
  return schema;
}

/** 2025-11-25 and later are JSON Schema 2020-12; older revisions are draft-07. */
export function newAjv(revision: Revision, formats: boolean): Ajv | Ajv2020 {
  const options = { strict: false, allErrors: false, validateFormats: formats };
  const ajv = revision >= '2025-11-25' ? new Ajv2020(options) : new Ajv(options);
  if (formats) addFormats.default(ajv);
  return ajv;
}

export interface Oracle {
  validator(type: string): ValidateFunction;
  validate(type: string, value: unknown): boolean;
}

const oracleCache = new Map<string, Oracle>();

/**
 * Validators for every official type of a revision. `formats: true` asserts `format` keywords
 * (ajv-formats, as the specification repository does); `false` treats them as annotations.
 */
export function oracle(revision: Revision, formats = true): Oracle {
  const key = `${revision}:${String(formats)}`;
  let found = oracleCache.get(key);
  if (!found) {
    found = oracleOver(revision, officialSchema(revision).json, formats);
    oracleCache.set(key, found);
  }
  return found;
}

/** Validators for every type of `json`, a schema of `revision`'s shape (the official one or a variant of it). */
export function oracleOver(revision: Revision, json: JsonObject, formats: boolean): Oracle {
  const { defs, defsKey } = officialSchema(revision);
  const ajv = newAjv(revision, formats);
  ajv.addSchema(json, 'mcp');
  const validators = new Map<string, ValidateFunction>();
  const validator = (type: string) => {
    let fn = validators.get(type);
    if (!fn) {
      if (!(type in defs)) throw new Error(`${revision} has no type ${type}`);
      const compiled = ajv.getSchema(`mcp#/${defsKey}/${type}`);
      if (!compiled) throw new Error(`ajv could not resolve ${revision} ${type}`);
      fn = compiled as ValidateFunction; // the official schemas have no $async
      validators.set(type, fn);
    }
    return fn;
  };
  return { validator, validate: (type, value) => validator(type)(value) };
}

export interface Example {
  readonly type: string;
  readonly file: string;
  readonly value: Json;
}

/** Every `<dir>/2026-07-28/examples/<Type>/*.json`. */
export function examples(): Example[] {
  const dir = path.join(specDir, '2026-07-28', 'examples');
  if (!existsSync(dir)) throw new Error(`missing examples directory ${dir}`);
  const out: Example[] = [];
  for (const type of readdirSync(dir).sort()) {
    for (const file of readdirSync(path.join(dir, type)).sort()) {
      if (!file.endsWith('.json')) continue;
      out.push({ type, file, value: readJson(path.join(dir, type, file)) });
    }
  }
  return out;
}
