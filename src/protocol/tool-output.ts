/**
 * Checking a tool result's `structuredContent` against the tool's `outputSchema`
 * (MCP 2025-06-18 and later: clients SHOULD validate structured results).
 *
 * Design:
 * - `validate` is async. Ajv costs noticeable start-up time to import, so it is imported with a
 *   dynamic `import()` the first time a schema has to be compiled, and only the dialect needed
 *   (`ajv/dist/2020.js` or `ajv`) plus `ajv-formats`. Calls that need no compilation (unknown tool,
 *   `isError`, missing `structuredContent`, unsupported dialect, cached validator) never import it.
 *   Once a tool's validator is compiled, `validate` runs it synchronously; the only asynchronous
 *   step left is the resolved promise of the call itself.
 * - Dialects: JSON Schema 2020-12 when `$schema` is absent (MCP 2025-11-25 and later) or names
 *   2020-12; draft-07 when it names `http://json-schema.org/draft-07/schema` (with or without the
 *   trailing `#`, `https` accepted too). Any other `$schema` is refused with an error.
 * - Nothing is ever fetched: there is no `loadSchema`, and a `$ref` that does not resolve inside the
 *   schema itself (for example one to an `http:`/`https:` URI or a relative file) fails compilation
 *   with an error saying the reference is not fetched. A `$ref` to an `$id` embedded in the same
 *   schema, and to the dialect's own meta-schema, resolve locally.
 * - Validators are cached per tool and reused. A new listing replaces the remembered schemas; a
 *   tool whose schema is unchanged (same canonical JSON, key order ignored) keeps its compiled
 *   validator, a changed one is compiled again on its next validation. `compilations` counts the
 *   calls to Ajv's compiler. A schema that fails to compile is not retried until it changes.
 * - Schemas are copied when remembered, so later changes to the listing objects have no effect, and
 *   each tool's schema is compiled on its own (`addUsedSchema: false`): two tools may use the same
 *   `$id`, and one tool's schema can never resolve a `$ref` into another's.
 */

import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { McpLocalError } from '../errors.js';
import { clause } from '../sentences.js';

/** The JSON Schema dialects this validator compiles. */
export type OutputSchemaDialect = '2020-12' | 'draft-07';

/** Why a result was refused. */
export type InvalidToolOutputReason = 'missing-structured-content' | 'schema-mismatch';

/** How many Ajv errors the message of an `InvalidToolOutputError` spells out. */
const ERRORS_IN_MESSAGE = 3;

/**
 * A tool result does not conform to the tool's `outputSchema`: it has no `structuredContent`, or
 * the content fails validation. Code `INVALID_TOOL_OUTPUT`.
 */
export class InvalidToolOutputError extends McpLocalError {
  override name = 'InvalidToolOutputError';
  declare readonly code: 'INVALID_TOOL_OUTPUT';
  readonly toolName: string;
  readonly reason: InvalidToolOutputReason;
  /** Every error Ajv reported (empty when `structuredContent` is missing). */
  readonly errors: readonly ErrorObject[];

  constructor(toolName: string, reason: InvalidToolOutputReason, errors: readonly ErrorObject[]) {
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
 * that is not supported, it refers to a schema outside itself (never fetched), or Ajv refuses it.
 * Code `INVALID_OUTPUT_SCHEMA`.
 */
export class InvalidOutputSchemaError extends McpLocalError {
  override name = 'InvalidOutputSchemaError';
  declare readonly code: 'INVALID_OUTPUT_SCHEMA';
  readonly toolName: string;
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

type Compiled =
  | { readonly ok: true; readonly validate: ValidateFunction }
  | { readonly ok: false; readonly error: () => Error };

interface Entry {
  /** Canonical JSON of the schema: the cache key. */
  readonly key: string;
  /** A private copy, safe to hand to Ajv. */
  readonly schema: unknown;
  /** The dialect, or the unsupported `$schema` value. */
  readonly dialect: OutputSchemaDialect | { readonly unsupported: unknown };
  compiled: Compiled | undefined;
}

interface AjvLike {
  compile(schema: unknown): ValidateFunction;
}
type AjvConstructor = new (options: Options) => AjvLike;
type FormatsPlugin = (ajv: AjvLike) => unknown;
interface AjvSlot {
  readonly ajv: AjvLike;
  /** Compilations done with this instance. */
  uses: number;
}

/** After this many compilations an Ajv instance is replaced, dropping the schemas it caches. */
const COMPILATIONS_PER_INSTANCE = 256;

export class ToolOutputValidator {
  #tools = new Map<string, Entry>();
  #instances = new Map<OutputSchemaDialect, AjvSlot>();
  #ajvClasses = new Map<OutputSchemaDialect, Promise<AjvConstructor>>();
  #formats: Promise<FormatsPlugin> | undefined;
  #compilations = 0;

  /** How many times a schema was handed to Ajv's compiler (cached validators are not counted). */
  get compilations(): number {
    return this.#compilations;
  }

  /** The dialects for which an Ajv instance exists (their Ajv build has been imported). */
  get loadedDialects(): OutputSchemaDialect[] {
    return [...this.#instances.keys()];
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
    if (compiled.validate(result.structuredContent) !== true) {
      throw new InvalidToolOutputError(toolName, 'schema-mismatch', [
        ...(compiled.validate.errors ?? []),
      ]);
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
      // The dialect picks the Ajv build; `$schema` itself is dropped so that spellings Ajv does not
      // know (such as https for draft-07) do not make it look for a meta-schema. `$async` would
      // make the validator return a promise; results are validated synchronously.
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
    const slot = await this.#ajv(entry.dialect);
    // Another call may have compiled this entry while the import was pending.
    if (entry.compiled !== undefined) return entry.compiled;
    slot.uses++;
    this.#compilations++;
    let compiled: Compiled;
    try {
      compiled = { ok: true, validate: slot.ajv.compile(entry.schema) };
    } catch (cause) {
      const ref = externalRef(cause, entry.schema);
      compiled = {
        ok: false,
        error: () =>
          ref === undefined
            ? new InvalidOutputSchemaError(toolName, 'invalid-schema', { cause })
            : new InvalidOutputSchemaError(toolName, 'external-ref', { ref, cause }),
      };
    }
    entry.compiled = compiled;
    return compiled;
  }

  /** The Ajv instance of a dialect, created (and its build imported) on first use. */
  async #ajv(dialect: OutputSchemaDialect): Promise<AjvSlot> {
    const [Ajv, addFormats] = await Promise.all([this.#ajvClass(dialect), this.#plugin()]);
    let slot = this.#instances.get(dialect);
    if (slot === undefined || slot.uses >= COMPILATIONS_PER_INSTANCE) {
      const ajv = new Ajv({
        strict: false,
        allErrors: false,
        logger: false,
        addUsedSchema: false,
        validateFormats: true,
      });
      addFormats(ajv);
      slot = { ajv, uses: 0 };
      this.#instances.set(dialect, slot);
    }
    return slot;
  }

  #ajvClass(dialect: OutputSchemaDialect): Promise<AjvConstructor> {
    let loading = this.#ajvClasses.get(dialect);
    if (loading === undefined) {
      const imported: Promise<unknown> =
        dialect === '2020-12' ? import('ajv/dist/2020.js') : import('ajv');
      const pending = imported.then((module) => defaultExport<AjvConstructor>(module, 'Ajv'));
      this.#ajvClasses.set(dialect, pending);
      // A failed import may be retried by a later call.
      pending.catch(() => {
        if (this.#ajvClasses.get(dialect) === pending) this.#ajvClasses.delete(dialect);
      });
      loading = pending;
    }
    return loading;
  }

  #plugin(): Promise<FormatsPlugin> {
    if (this.#formats === undefined) {
      const imported: Promise<unknown> = import('ajv-formats');
      const loading = imported.then((module) =>
        defaultExport<FormatsPlugin>(module, 'ajv-formats'),
      );
      this.#formats = loading;
      loading.catch(() => {
        if (this.#formats === loading) this.#formats = undefined;
      });
    }
    return this.#formats;
  }
}

/**
 * The function a CommonJS package exports, reached through `import()`. Node gives a namespace whose
 * `default` is `module.exports` (for Ajv and ajv-formats, the function itself, which also has a
 * `default` alias); other loaders (Vitest, bundlers) may hand back `module.exports` directly.
 */
function defaultExport<T>(module: unknown, what: string): T {
  let candidate = module;
  for (let depth = 0; depth < 3; depth++) {
    if (typeof candidate === 'function') return candidate as T;
    if (typeof candidate !== 'object' || candidate === null) break;
    candidate = (candidate as { default?: unknown }).default;
  }
  throw new TypeError(`Unexpected shape of the ${what} module.`);
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

/** The reference Ajv could not resolve, when it lies outside the schema document. */
function externalRef(error: unknown, schema: unknown): string | undefined {
  if (!isObject(error)) return undefined;
  const { missingRef, missingSchema } = error;
  if (typeof missingRef !== 'string' || typeof missingSchema !== 'string') return undefined;
  const rootId = isObject(schema) && typeof schema['$id'] === 'string' ? schema['$id'] : '';
  // A missing JSON pointer into the document itself is a broken schema, not an external one.
  if (missingSchema === rootId.replace(/#$/, '')) return undefined;
  return missingRef;
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

function summarize(errors: readonly ErrorObject[]): string {
  if (errors.length === 0) return 'no details given';
  const shown = errors
    .slice(0, ERRORS_IN_MESSAGE)
    .map((e) => `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? e.keyword}`);
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
