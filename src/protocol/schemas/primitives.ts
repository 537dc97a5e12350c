/** Scalars shared by every revision, the `_meta` bag, and the 2026 JSON value types. */
import * as z from './zod.js';
import { only, type Gates, type Registry } from './gates.js';

/**
 * A JSON value as the 2026-07-28 schema.ts defines it: `string | number | boolean | null`, an
 * array or an object of JSON values. The published schema.json is narrower (string, integer and
 * boolean leaves: no `null`, no fractions); the client accepts what schema.ts allows (see
 * docs/negotiation.md, "Where schema.json is narrower than schema.ts").
 */
export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

const JSON_VALUE = 'Expected a JSON value: string, number, boolean, null, array or object';
const JSON_OBJECT =
  'Expected an object of JSON values (string, number, boolean, null, array, object)';
const JSON_ARRAY =
  'Expected an array of JSON values (string, number, boolean, null, array, object)';

function isJSONValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // JSON has no NaN or infinities (an overflowing literal such as 1e400 parses to Infinity).
      return Number.isFinite(value);
    case 'object':
      return (
        value === null || (Array.isArray(value) ? value.every(isJSONValue) : isJSONObject(value))
      );
    default:
      return false;
  }
}

function isJSONObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) {
    if (Object.hasOwn(value, key) && !isJSONValue((value as Record<string, unknown>)[key])) {
      return false;
    }
  }
  return true;
}

export function buildPrimitives(g: Gates, r: Registry) {
  const RequestId = r.def('RequestId', z.union([z.string(), z.number()]));
  const ProgressToken = r.def('ProgressToken', z.union([z.string(), z.number()]));
  const Cursor = r.def('Cursor', z.string());
  const Role = r.def('Role', z.enum(['assistant', 'user']));
  const LoggingLevel = r.def(
    'LoggingLevel',
    z.enum(['alert', 'critical', 'debug', 'emergency', 'error', 'info', 'notice', 'warning']),
  );

  /** `_meta`: any object, every key kept. */
  const Meta = z.looseObject({});
  r.def(
    'MetaObject',
    only(g.since('2026-07-28'), () => Meta),
  );

  /** An open object whose members the spec leaves free (legacy capability values, metadata). */
  const OpenObject = z.looseObject({});

  // One hand-written check instead of a recursive schema: recursion would keep every schema that
  // contains capabilities from being compiled by `z.compile` (which rejects reference cycles).
  const JSONValue = z.custom<JSONValue>(isJSONValue, JSON_VALUE);
  const JSONObject = z.custom<{ [key: string]: JSONValue }>(isJSONObject, JSON_OBJECT);
  if (g.since('2026-07-28')) {
    r.def('JSONValue', JSONValue);
    r.def('JSONObject', JSONObject);
    r.def(
      'JSONArray',
      z.custom<JSONValue[]>((v) => Array.isArray(v) && v.every(isJSONValue), JSON_ARRAY),
    );
  }

  return { RequestId, ProgressToken, Cursor, Role, LoggingLevel, Meta, OpenObject, JSONObject };
}

export type Primitives = ReturnType<typeof buildPrimitives>;
