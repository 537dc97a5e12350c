/**
 * Request metadata headers of the 2026-07-28 Streamable HTTP transport.
 *
 * Every POST carries `MCP-Protocol-Version` and `Mcp-Method`; `tools/call`, `prompts/get` and
 * `resources/read` also carry `Mcp-Name`; and a `tools/call` mirrors each tool argument whose
 * property schema is annotated `x-mcp-header: "{Name}"` into `Mcp-Param-{Name}`. Values that are
 * not safe as plain header text travel as `=?base64?{Base64 of the UTF-8 bytes}?=`.
 *
 * Pure functions: no I/O and no Node-only API (`btoa` and `TextEncoder` exist in Node 20 and in
 * browsers), so the module runs wherever a `fetch`-based transport runs.
 *
 * Choices where the specification leaves room (each one errs on the side of a request the server
 * can check):
 * - An empty string is Base64-encoded (`=?base64??=`). RFC 9110 allows an empty field value, but
 *   intermediaries and servers commonly treat an empty header as a missing one, which would turn
 *   a present argument into a header/body mismatch.
 * - The sentinel test is literal: a value that starts with `=?base64?` and ends with `?=` is
 *   encoded, even when the two markers overlap (`=?base64?=`).
 * - An annotated argument whose value cannot be mirrored (an integer outside ±(2^53−1), a
 *   fractional number, an object or an array) raises `InvalidArgumentError` before any I/O. Leaving
 *   the header out instead would make the server reject the call as a header mismatch (a value in
 *   the body without its header), and the client's re-list-and-retry would fail the same way.
 * - A primitive value is mirrored as it is in the body even when it does not match the declared
 *   type (`"42"` for an `integer` property): the header must equal the body, and checking the
 *   arguments against the schema is the server's job.
 */

import { InvalidArgumentError } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';

/** The annotation, on a property schema of a tool's `inputSchema`, that names a mirrored header. */
export const HEADER_ANNOTATION = 'x-mcp-header';
/** The prefix of the header that mirrors an annotated argument. */
export const PARAM_HEADER_PREFIX = 'Mcp-Param-';

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';

/** The JSON Schema types an annotated property may have. */
export type HeaderParamType = 'string' | 'integer' | 'boolean';

/** One argument mirrored into a header: `Mcp-Param-{name}` carries the value at `path`. */
export interface HeaderParam {
  /** The annotation's value, as written (header names compare case-insensitively). */
  name: string;
  /** The property names leading from the arguments object to the value. */
  path: string[];
  type: HeaderParamType;
}

export type HeaderParamsResult =
  { ok: true; params: HeaderParam[] } | { ok: false; reason: string };

/** What `requestHeaders` needs to know about the called tool. */
export interface ToolHeaderInfo {
  readonly name: string;
  readonly inputSchema?: unknown;
}

/** The part of a JSON-RPC message that the headers mirror. */
export interface HeaderSourceMessage {
  readonly method: string;
  readonly params?: Readonly<Record<string, unknown>> | undefined;
}

// ---------------------------------------------------------------------------------------------
// Value encoding

/**
 * True when `value` can be sent as it is: only HTAB, SP and visible ASCII (0x21–0x7E), neither
 * starting nor ending with SP or HTAB, not empty, and not shaped like the Base64 sentinel.
 */
export function isPlainHeaderValue(value: string): boolean {
  if (value.length === 0) return false;
  if (value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX)) return false;
  if (isBlank(value.charCodeAt(0)) || isBlank(value.charCodeAt(value.length - 1))) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x09 && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** `value` as it is when that is safe (see `isPlainHeaderValue`), otherwise `=?base64?…?=`. */
export function encodeHeaderValue(value: string): string {
  return isPlainHeaderValue(value)
    ? value
    : `${SENTINEL_PREFIX}${base64OfUtf8(value)}${SENTINEL_SUFFIX}`;
}

const utf8 = new TextEncoder();

function base64OfUtf8(value: string): string {
  const bytes = utf8.encode(value);
  let binary = '';
  // Chunked so that a long value does not overflow the argument list of fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// ---------------------------------------------------------------------------------------------
// Request headers

/**
 * The metadata headers of one POST: `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` for the three
 * methods that name a target, and for `tools/call` with `tool` given, one `Mcp-Param-{Name}` per
 * annotated argument whose value is present and not `null`.
 *
 * Pass `tool` only when its `inputSchema` is known and current (the spec: without it, send the
 * call without `Mcp-Param-*` headers). Throws `InvalidArgumentError` when the message cannot be
 * described by valid headers: a method or protocol version that is not plain header text, a missing
 * `params.name`/`params.uri`, a `tool` of another name or with invalid annotations (see
 * `filterToolsForHttp`), or an annotated argument value that cannot be mirrored.
 */
export function requestHeaders(
  message: HeaderSourceMessage,
  protocolVersion: string,
  tool?: ToolHeaderInfo,
): Record<string, string> {
  const headers: Record<string, string> = {
    'MCP-Protocol-Version': plainText(protocolVersion, 'protocol version'),
    'Mcp-Method': plainText(message.method, 'method'),
  };
  const params = message.params;
  const nameField = nameFieldOf(message.method);
  if (nameField !== undefined) {
    const target =
      params !== undefined && Object.hasOwn(params, nameField) ? params[nameField] : undefined;
    if (typeof target !== 'string') {
      throw new InvalidArgumentError(
        `A ${message.method} request needs a string params.${nameField} for its Mcp-Name header.`,
      );
    }
    headers['Mcp-Name'] = encodeHeaderValue(target);
  }
  if (message.method === 'tools/call' && tool !== undefined) {
    const called = params?.['name'];
    if (tool.name !== called) {
      throw new InvalidArgumentError(
        `The tool given for the Mcp-Param headers is ${JSON.stringify(tool.name)}, but the request calls ${JSON.stringify(called)}.`,
      );
    }
    const found = headerParamsOf(tool.inputSchema);
    if (!found.ok) {
      throw new InvalidArgumentError(
        `Tool ${JSON.stringify(tool.name)} cannot be called over Streamable HTTP: ${clause(found.reason)}. filterToolsForHttp leaves such tools out of the listing.`,
      );
    }
    const args =
      params !== undefined && Object.hasOwn(params, 'arguments') ? params['arguments'] : undefined;
    for (const param of found.params) {
      const value = valueAtPath(args, param.path);
      if (value === undefined || value === null) continue;
      headers[`${PARAM_HEADER_PREFIX}${param.name}`] = encodeHeaderValue(
        headerText(value, tool.name, param),
      );
    }
  }
  return headers;
}

function nameFieldOf(method: string): 'name' | 'uri' | undefined {
  switch (method) {
    case 'tools/call':
    case 'prompts/get':
      return 'name';
    case 'resources/read':
      return 'uri';
    default:
      return undefined;
  }
}

/** Headers that have no Base64 form must already be plain header text. */
function plainText(value: string, what: string): string {
  if (typeof value !== 'string' || !isPlainHeaderValue(value)) {
    throw new InvalidArgumentError(
      `The ${what} ${JSON.stringify(value)} cannot be sent as an HTTP header value.`,
    );
  }
  return value;
}

/** Own properties only, through plain objects only: a path never reads an inherited member. */
function valueAtPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function headerText(value: unknown, toolName: string, param: HeaderParam): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const where = `argument ${param.path.join('.')} of tool ${JSON.stringify(toolName)} (header ${PARAM_HEADER_PREFIX}${param.name})`;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(
        `The ${where} is ${value}, outside the range a mirrored integer may take (±(2^53−1)).`,
      );
    }
    return String(value);
  }
  throw new InvalidArgumentError(
    `The ${where} must be a string, an integer or a boolean to be mirrored into a header; got ${describeValue(value)}.`,
  );
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// Annotation validation

/** RFC 9110 `token`: one or more `tchar`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Keywords whose values are instances, not schemas: nothing under them is an annotation. */
const DATA_KEYWORDS: ReadonlySet<string> = new Set(['const', 'enum', 'default', 'examples']);
/** Keywords whose values map names to subschemas (the keys are names, not keywords). */
const MAP_KEYWORDS: ReadonlySet<string> = new Set([
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
]);
/** Deeper schemas are refused rather than walked (keeps the walk off the stack limit). */
const MAX_DEPTH = 200;

/**
 * The `x-mcp-header` annotations of a tool's `inputSchema`, or the first rule one of them breaks.
 *
 * An annotation must be a non-empty RFC 9110 token (so no control characters), unique within the
 * schema ignoring ASCII case, on a property whose `type` is `string`, `integer` or `boolean` (a
 * one-element type array counts; `number`, other types, type unions and a missing `type` do not),
 * and that property must be reached from the root through `properties` keys alone. Every other
 * place in the schema is searched too (`items`, `oneOf`/`anyOf`/`allOf`/`not`, `if`/`then`/`else`,
 * `$defs`, `additionalProperties`, `patternProperties`, unknown keywords…), and an annotation found
 * there makes the whole schema invalid. Values of `const`, `enum`, `default` and `examples` are data
 * and are not searched. The ±(2^53−1) bound on integers concerns values, so `requestHeaders`
 * enforces it per call.
 *
 * A schema that is not an object (absent, `true`) has no annotations.
 */
export function headerParamsOf(inputSchema: unknown): HeaderParamsResult {
  const walk = new AnnotationWalk();
  const fault = walk.schema(inputSchema, [], '', 0);
  return fault === undefined ? { ok: true, params: walk.params } : { ok: false, reason: fault };
}

/**
 * One search of a schema for its annotations (see {@link headerParamsOf}). Each visit returns the
 * first rule broken under it, or `undefined`; the annotations found so far are in `params`.
 */
class AnnotationWalk {
  readonly params: HeaderParam[] = [];
  /** The header names found so far, by their lower case. */
  readonly #byLowerName = new Map<string, string>();
  /** The objects and arrays on the way from the root to the one visited (to find cycles). */
  readonly #ancestors = new Set<object>();

  /** Visits a schema; `chain` is its property path when statically reachable, else `null`. */
  schema(node: unknown, chain: string[] | null, at: string, depth: number): string | undefined {
    if (Array.isArray(node)) return this.#other(node, at, depth);
    if (!isPlainObject(node)) return undefined;
    return this.#within(node, at, depth, () => {
      if (Object.hasOwn(node, HEADER_ANNOTATION)) {
        const fault = this.#annotate(node, chain, at);
        if (fault !== undefined) return fault;
      }
      for (const key of Object.keys(node)) {
        if (key === HEADER_ANNOTATION || DATA_KEYWORDS.has(key)) continue;
        const fault = this.#keyword(key, node[key], chain, `${at}/${pointerEscape(key)}`, depth);
        if (fault !== undefined) return fault;
      }
      return undefined;
    });
  }

  /**
   * Visits the value of keyword `key` of a schema: the subschemas of `properties` (reachable if
   * the schema is) and of the other name maps (not reachable), or any other value.
   */
  #keyword(
    key: string,
    value: unknown,
    chain: string[] | null,
    here: string,
    depth: number,
  ): string | undefined {
    if (!((key === 'properties' || MAP_KEYWORDS.has(key)) && isPlainObject(value))) {
      return this.#other(value, here, depth + 1);
    }
    for (const name of Object.keys(value)) {
      const childChain = key === 'properties' && chain !== null ? [...chain, name] : null;
      const fault = this.schema(
        value[name],
        childChain,
        `${here}/${pointerEscape(name)}`,
        depth + 1,
      );
      if (fault !== undefined) return fault;
    }
    return undefined;
  }

  /** Visits a value in a position that is not statically reachable (every other keyword). */
  #other(value: unknown, at: string, depth: number): string | undefined {
    if (isPlainObject(value)) return this.schema(value, null, at, depth);
    if (!Array.isArray(value)) return undefined;
    return this.#within(value, at, depth, () => {
      for (let i = 0; i < value.length; i++) {
        const fault = this.#other(value[i], `${at}/${i}`, depth + 1);
        if (fault !== undefined) return fault;
      }
      return undefined;
    });
  }

  /** Runs `visit` with `node` among the ancestors, unless it is too deep or a cycle. */
  #within(
    node: object,
    at: string,
    depth: number,
    visit: () => string | undefined,
  ): string | undefined {
    if (depth > MAX_DEPTH) return `the schema is nested more than ${MAX_DEPTH} levels deep`;
    if (this.#ancestors.has(node)) return `the schema contains a cycle at ${at}`;
    this.#ancestors.add(node);
    try {
      return visit();
    } finally {
      this.#ancestors.delete(node);
    }
  }

  /** Takes the annotation of `schema` (at `at`, property path `chain`), or says what it breaks. */
  #annotate(
    schema: Record<string, unknown>,
    chain: string[] | null,
    at: string,
  ): string | undefined {
    const name = schema[HEADER_ANNOTATION];
    const where = `${HEADER_ANNOTATION} at ${at === '' ? 'the root' : at}`;
    if (chain === null) {
      return `${where} is not on a property reached from the root through "properties" keys alone`;
    }
    if (chain.length === 0) return `${where} must be on a property, not on the root schema`;
    if (typeof name !== 'string') return `${where} must be a string`;
    if (name.length === 0) return `${where} must not be empty`;
    if (CONTROL.test(name)) return `${where} (${JSON.stringify(name)}) contains control characters`;
    if (!TOKEN.test(name)) {
      return `${where} (${JSON.stringify(name)}) is not an RFC 9110 token`;
    }
    const type = primitiveTypeOf(schema['type']);
    if (typeof type !== 'string' || !isHeaderType(type)) {
      return `${where} (${JSON.stringify(name)}) is on a property of type ${describeType(schema['type'])}; only string, integer and boolean properties may be mirrored`;
    }
    const lower = name.toLowerCase();
    const earlier = this.#byLowerName.get(lower);
    if (earlier !== undefined) {
      return `${where} (${JSON.stringify(name)}) repeats the header name ${JSON.stringify(earlier)} (names compare case-insensitively)`;
    }
    this.#byLowerName.set(lower, name);
    this.params.push({ name, path: [...chain], type });
    return undefined;
  }
}

/** `type` as a single string, or `undefined` for a missing type or a union. */
function primitiveTypeOf(type: unknown): unknown {
  if (Array.isArray(type)) return type.length === 1 ? type[0] : undefined;
  return type;
}

function isHeaderType(type: string): type is HeaderParamType {
  return type === 'string' || type === 'integer' || type === 'boolean';
}

function describeType(type: unknown): string {
  return type === undefined ? '(none)' : JSON.stringify(type);
}

/** JSON Pointer escaping, for the locations in the reasons. */
function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The tools of a listing that may be used over Streamable HTTP: a tool whose `inputSchema` breaks
 * an `x-mcp-header` rule is left out (the spec requires it) and reported through `onInvalid` with
 * the reason (the spec asks for a warning naming the tool and the reason). Order is kept. An
 * exception thrown by `onInvalid` propagates.
 */
export function filterToolsForHttp<T extends { name: string; inputSchema?: unknown }>(
  tools: readonly T[],
  onInvalid?: (tool: T, reason: string) => void,
): T[] {
  const kept: T[] = [];
  for (const tool of tools) {
    const found = headerParamsOf(tool.inputSchema);
    if (found.ok) kept.push(tool);
    else onInvalid?.(tool, found.reason);
  }
  return kept;
}
