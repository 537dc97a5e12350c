/**
 * Checking a tool result's `structuredContent` against the tool's `outputSchema`
 * (MCP 2025-06-18 and later: clients SHOULD validate structured results).
 *
 * Design:
 * - Schemas are interpreted, never compiled to code: `@cfworker/json-schema` walks the schema for
 *   each value, so validation works where `eval` and `new Function` are forbidden (a page under a
 *   Content-Security-Policy without `'unsafe-eval'`, a Worker, an extension).
 * - `validate` is async. The validator is loaded with a dynamic `import()` the first time a schema
 *   has to be prepared. Calls that need no preparation (unknown tool, `isError`, missing
 *   `structuredContent`, unsupported dialect, cached validator) never load it. Once a tool's schema
 *   is prepared, `validate` runs synchronously; the only asynchronous step left is the resolved
 *   promise of the call itself.
 * - Dialects: JSON Schema 2020-12 when `$schema` is absent (MCP 2025-11-25 and later) or names
 *   2020-12; draft-07 when it names `http://json-schema.org/draft-07/schema` (with or without the
 *   trailing `#`, `https` accepted too). Any other `$schema` is refused with an error. Keywords of
 *   the other dialect are ignored (draft-07 ignores `dependentRequired`, `prefixItems`,
 *   `unevaluatedProperties`…), and a keyword in the form of the other dialect is refused (an array
 *   of schemas in `items` is draft-07 syntax; 2020-12 has `prefixItems`).
 * - Preparing ("compiling") a schema checks its shape first, as a meta-schema would: a keyword
 *   whose value has the wrong form (`type: 'strnig'`, a `pattern` that is not a regular expression,
 *   a negative `minLength`…) makes the schema unusable, rather than silently failing or accepting
 *   every value. `$dynamicRef` is not supported and refused. A `format` this validator does not
 *   know is an annotation, as are unknown keywords.
 * - Nothing is ever fetched: a `$ref` that does not resolve inside the schema itself (for example
 *   one to an `http:`/`https:` URI, a relative file, or a dialect's meta-schema) is refused when
 *   the schema is prepared, with an error saying the reference is not fetched. A `$ref` to an
 *   `$id` or `$anchor` embedded in the same schema resolves locally; a JSON pointer into the schema
 *   that points nowhere makes the schema unusable.
 * - Prepared validators are cached per tool and reused. A new listing replaces the remembered
 *   schemas; a tool whose schema is unchanged (same canonical JSON, key order ignored) keeps its
 *   validator, a changed one is prepared again on its next validation. `compilations` counts the
 *   preparations. A schema that fails to prepare is not retried until it changes.
 * - Schemas are copied when remembered, so later changes to the listing objects have no effect, and
 *   each tool's schema is resolved on its own: two tools may use the same `$id`, and one tool's
 *   schema can never resolve a `$ref` into another's.
 * - Errors are reported as `SchemaViolation`s (instance path, keyword, schema path, message), this
 *   library's own shape: every violation found, the branches of a failed `anyOf` or `oneOf`
 *   included (the message spells out the first three).
 */

import { McpLocalError } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import type { OutputSchemaDialect, SchemaViolation } from './schema-violation.js';

export type { OutputSchemaDialect, SchemaViolation } from './schema-violation.js';

/** Why a result was refused. */
export type InvalidToolOutputReason = 'missing-structured-content' | 'schema-mismatch';

/** How many violations the message of an `InvalidToolOutputError` spells out. */
const ERRORS_IN_MESSAGE = 3;

/**
 * A tool result does not conform to the tool's `outputSchema`: it has no `structuredContent`, or
 * the content fails validation. Code `INVALID_TOOL_OUTPUT`. `callTool` rejects with it, for tools
 * whose latest listing declared an `outputSchema`.
 *
 * @example
 * ```ts
 * import { InvalidToolOutputError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('get_weather', { city: 'Paris' });
 * } catch (error) {
 *   if (error instanceof InvalidToolOutputError) {
 *     for (const v of error.errors) console.log(v.instancePath, v.keyword, v.message);
 *   }
 * }
 * ```
 */
export class InvalidToolOutputError extends McpLocalError {
  override name = 'InvalidToolOutputError';
  declare readonly code: 'INVALID_TOOL_OUTPUT';
  /** The tool whose result was refused. */
  readonly toolName: string;
  /** Whether `structuredContent` was missing or did not match. */
  readonly reason: InvalidToolOutputReason;
  /** Every violation found (empty when `structuredContent` is missing). */
  readonly errors: readonly SchemaViolation[];

  constructor(
    toolName: string,
    reason: InvalidToolOutputReason,
    errors: readonly SchemaViolation[],
  ) {
    super(
      'INVALID_TOOL_OUTPUT',
      reason === 'missing-structured-content'
        ? `Tool ${JSON.stringify(toolName)} declares an outputSchema, but its result has no structuredContent.`
        : `Tool ${JSON.stringify(toolName)} returned structuredContent that does not match its outputSchema: ${clause(summarize(errors))}.`,
    );
    this.toolName = toolName;
    this.reason = reason;
    this.errors = errors;
  }
}

/** Why an output schema could not be used. */
export type InvalidOutputSchemaReason = 'unsupported-dialect' | 'external-ref' | 'invalid-schema';

/**
 * A tool's `outputSchema` cannot be used to validate its results: its `$schema` names a dialect
 * that is not supported, it refers to a schema outside itself (never fetched), or it is not a
 * well-formed schema. Code `INVALID_OUTPUT_SCHEMA`. `callTool` rejects with it (the result cannot
 * be checked), for each call until a new listing changes the schema.
 *
 * @example
 * ```ts
 * import { InvalidOutputSchemaError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('report', {});
 * } catch (error) {
 *   if (error instanceof InvalidOutputSchemaError && error.reason === 'external-ref') {
 *     console.log(`${error.toolName} refers to ${error.ref}, which is never fetched`);
 *   }
 * }
 * ```
 */
export class InvalidOutputSchemaError extends McpLocalError {
  override name = 'InvalidOutputSchemaError';
  declare readonly code: 'INVALID_OUTPUT_SCHEMA';
  /** The tool whose schema cannot be used. */
  readonly toolName: string;
  /** What is wrong with the schema. */
  readonly reason: InvalidOutputSchemaReason;
  /** The `$schema` value, for `unsupported-dialect`. */
  readonly dialect: unknown;
  /** The unresolved reference, for `external-ref`. */
  readonly ref: string | undefined;

  constructor(
    toolName: string,
    reason: InvalidOutputSchemaReason,
    detail: { readonly dialect?: unknown; readonly ref?: string; readonly cause?: unknown },
  ) {
    const tool = JSON.stringify(toolName);
    const message =
      reason === 'unsupported-dialect'
        ? `The outputSchema of tool ${tool} uses an unsupported JSON Schema dialect ($schema ${describe(detail.dialect)}); supported are 2020-12 (the default) and draft-07.`
        : reason === 'external-ref'
          ? `The outputSchema of tool ${tool} refers to an external $ref ${JSON.stringify(detail.ref)}, which is not fetched; its results cannot be validated.`
          : `The outputSchema of tool ${tool} cannot be compiled: ${clause(errorText(detail.cause))}.`;
    super(
      'INVALID_OUTPUT_SCHEMA',
      message,
      detail.cause === undefined ? undefined : { cause: detail.cause },
    );
    this.toolName = toolName;
    this.reason = reason;
    this.dialect = detail.dialect;
    this.ref = detail.ref;
  }
}

/** A tool as listed by `tools/list`; only these two fields matter here. */
export interface ToolOutputInfo {
  readonly name: string;
  readonly outputSchema?: unknown;
}

/** The fields of a `tools/call` result that validation reads. */
export interface ToolResultLike {
  readonly structuredContent?: unknown;
  readonly isError?: boolean | undefined;
}

/** The part of validation loaded on first use, with the validator it needs. */
type OutputSchemaModule = typeof import('./output-schema.js');
type Check = (instance: unknown) => readonly SchemaViolation[];

type Compiled =
  | { readonly ok: true; readonly check: Check }
  | { readonly ok: false; readonly error: () => Error };

interface Entry {
  /** Canonical JSON of the schema: the cache key. */
  readonly key: string;
  /** A private copy, prepared in place. */
  readonly schema: unknown;
  /** The dialect, or the unsupported `$schema` value. */
  readonly dialect: OutputSchemaDialect | { readonly unsupported: unknown };
  compiled: Compiled | undefined;
}

export class ToolOutputValidator {
  #tools = new Map<string, Entry>();
  #dialects = new Set<OutputSchemaDialect>();
  #module: Promise<OutputSchemaModule> | undefined;
  #compilations = 0;

  /** How many schemas were prepared for validation (cached validators are not counted). */
  get compilations(): number {
    return this.#compilations;
  }

  /** The dialects of the schemas prepared so far (once there is one, the validator is loaded). */
  get loadedDialects(): OutputSchemaDialect[] {
    return [...this.#dialects];
  }

  /**
   * Takes the output schemas of a complete listing (all pages of `tools/list`). It replaces the
   * previous listing: tools missing from it, or listed without an `outputSchema` (or with `null`),
   * are no longer validated. When a name repeats, the last entry wins.
   */
  remember(tools: readonly ToolOutputInfo[]): void {
    const next = new Map<string, Entry>();
    for (const tool of tools) {
      const schema = tool.outputSchema;
      if (typeof tool.name !== 'string' || schema === undefined || schema === null) {
        next.delete(tool.name);
        continue;
      }
      next.set(tool.name, this.#entryFor(tool.name, schema));
    }
    this.#tools = next;
  }

  /** Whether results of `toolName` are validated. */
  has(toolName: string): boolean {
    return this.#tools.has(toolName);
  }

  /**
   * Resolves when `result` may be used: the tool is not listed or has no `outputSchema`, the
   * result is a tool error (`isError: true`), or its `structuredContent` conforms. Rejects with
   * `InvalidToolOutputError` when `structuredContent` is missing or does not conform, and with
   * `InvalidOutputSchemaError` when the schema itself cannot be used. Any JSON value (including
   * `null`) counts as present `structuredContent`; only `undefined` counts as missing.
   */
  async validate(toolName: string, result: ToolResultLike): Promise<void> {
    const entry = this.#tools.get(toolName);
    if (entry === undefined || result.isError === true) return;
    if (result.structuredContent === undefined) {
      throw new InvalidToolOutputError(toolName, 'missing-structured-content', []);
    }
    const compiled = entry.compiled ?? (await this.#compile(toolName, entry));
    if (!compiled.ok) throw compiled.error();
    let violations: readonly SchemaViolation[];
    try {
      violations = compiled.check(result.structuredContent);
    } catch (cause) {
      // The schema is prepared whole, so this is a value the validator cannot handle (a non-JSON
      // value, or a reference reached through a keyword the preparation does not know).
      throw new InvalidOutputSchemaError(toolName, 'invalid-schema', { cause });
    }
    if (violations.length > 0) {
      throw new InvalidToolOutputError(toolName, 'schema-mismatch', violations);
    }
  }

  #entryFor(toolName: string, schema: unknown): Entry {
    let key: string;
    try {
      key = canonicalJson(schema);
    } catch (cause) {
      // Not JSON (a cycle, a BigInt…): keep a distinct key so that a fixed schema recompiles.
      return {
        key: `\u0000${String(cause)}`,
        schema,
        dialect: '2020-12',
        compiled: {
          ok: false,
          error: () => new InvalidOutputSchemaError(toolName, 'invalid-schema', { cause }),
        },
      };
    }
    const previous = this.#tools.get(toolName);
    if (previous !== undefined && previous.key === key) return previous;
    const copy: unknown = JSON.parse(key);
    const declared = isObject(copy) ? copy['$schema'] : undefined;
    const dialect = dialectOf(declared);
    if (dialect !== undefined && isObject(copy)) {
      // The dialect is chosen here; `$async` (an Ajv extension) has no meaning for a result.
      delete copy['$schema'];
      delete copy['$async'];
    }
    return {
      key,
      schema: copy,
      dialect: dialect ?? { unsupported: declared },
      compiled:
        dialect === undefined
          ? {
              ok: false,
              error: () =>
                new InvalidOutputSchemaError(toolName, 'unsupported-dialect', {
                  dialect: declared,
                }),
            }
          : undefined,
    };
  }

  async #compile(toolName: string, entry: Entry): Promise<Compiled> {
    if (typeof entry.dialect !== 'string') throw new Error('unreachable: unsupported dialect');
    const dialect = entry.dialect;
    const module = await this.#load();
    // Another call may have prepared this entry while the import was pending.
    if (entry.compiled !== undefined) return entry.compiled;
    this.#compilations++;
    this.#dialects.add(dialect);
    let compiled: Compiled;
    try {
      compiled = { ok: true, check: module.prepare(entry.schema, dialect) };
    } catch (cause) {
      compiled = {
        ok: false,
        error: () =>
          cause instanceof module.ExternalRefError
            ? new InvalidOutputSchemaError(toolName, 'external-ref', { ref: cause.ref, cause })
            : new InvalidOutputSchemaError(toolName, 'invalid-schema', { cause }),
      };
    }
    entry.compiled = compiled;
    return compiled;
  }

  /** The validator, imported on first use (a failed import is retried by a later call). */
  #load(): Promise<OutputSchemaModule> {
    if (this.#module === undefined) {
      const loading: Promise<OutputSchemaModule> = import('./output-schema.js');
      this.#module = loading;
      loading.catch(() => {
        if (this.#module === loading) this.#module = undefined;
      });
    }
    return this.#module;
  }
}

const DIALECTS: ReadonlyMap<string, OutputSchemaDialect> = new Map([
  ['https://json-schema.org/draft/2020-12/schema', '2020-12'],
  ['http://json-schema.org/draft/2020-12/schema', '2020-12'],
  ['http://json-schema.org/draft-07/schema', 'draft-07'],
  ['https://json-schema.org/draft-07/schema', 'draft-07'],
]);

/** The dialect `$schema` selects; `undefined` when it names one that is not supported. */
export function dialectOf(declared: unknown): OutputSchemaDialect | undefined {
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  return DIALECTS.get(declared.endsWith('#') ? declared.slice(0, -1) : declared);
}

/**
 * JSON with object keys sorted, so that two listings of the same schema compare equal whatever
 * their key order. Follows `JSON.stringify` for non-JSON members (dropped in objects, `null` in
 * arrays); throws on cycles and BigInt.
 */
export function canonicalJson(value: unknown): string {
  const ancestors = new Set<object>();
  const write = (node: unknown): string | undefined => {
    switch (typeof node) {
      case 'string':
        return JSON.stringify(node);
      case 'number':
        return Number.isFinite(node) ? JSON.stringify(node) : 'null';
      case 'boolean':
        return node ? 'true' : 'false';
      case 'bigint':
        throw new TypeError('a BigInt is not JSON');
      case 'object': {
        if (node === null) return 'null';
        if (ancestors.has(node)) throw new TypeError('the schema contains a cycle');
        ancestors.add(node);
        try {
          if (Array.isArray(node)) {
            return `[${node.map((item: unknown) => write(item) ?? 'null').join(',')}]`;
          }
          const record = node as Record<string, unknown>;
          const members: string[] = [];
          for (const key of Object.keys(record).sort()) {
            const text = write(record[key]);
            if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
          }
          return `{${members.join(',')}}`;
        } finally {
          ancestors.delete(node);
        }
      }
      default:
        return undefined;
    }
  };
  const text = write(value);
  if (text === undefined) throw new TypeError(`a ${typeof value} is not JSON`);
  return text;
}

function summarize(errors: readonly SchemaViolation[]): string {
  if (errors.length === 0) return 'no details given';
  const shown = errors
    .slice(0, ERRORS_IN_MESSAGE)
    .map((e) => `${e.instancePath === '' ? '(root)' : e.instancePath}: ${e.message}`);
  const more = errors.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `of type ${typeName(value)}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
