/**
 * The words both halves of output-schema checking share: the dialects understood and one failure
 * of `structuredContent` against its `outputSchema`. tool-output.ts checks results with them and
 * output-schema.ts (loaded on first use) produces them.
 */

/** The JSON Schema dialects this validator understands. */
export type OutputSchemaDialect = '2020-12' | 'draft-07';

/**
 * One way in which a tool's `structuredContent` fails its `outputSchema`.
 *
 * @example
 * ```ts
 * import { InvalidToolOutputError, type SchemaViolation } from 'mcp-actors';
 *
 * function explain(error: InvalidToolOutputError): string[] {
 *   return error.errors.map(
 *     (v: SchemaViolation) => `${v.instancePath || '(root)'}: ${v.message} (${v.keyword})`,
 *   );
 * }
 * ```
 */
export interface SchemaViolation {
  /**
   * Where the failing value is inside `structuredContent`: a JSON Pointer (RFC 6901), `''` for
   * `structuredContent` itself, for example `/items/3/url`.
   */
  readonly instancePath: string;
  /**
   * The keyword that failed (`type`, `required`, `format`, `anyOf`…). `false` when the value met a
   * `false` schema outside any keyword that names it.
   */
  readonly keyword: string;
  /**
   * Where that keyword is in the schema: a JSON Pointer along the path the validation took, so it
   * passes through `$ref` where a reference was followed (`/properties/t/$ref/minimum`).
   */
  readonly schemaPath: string;
  /** What is wrong, in English, for example `Instance type "string" is invalid. Expected "number"`. */
  readonly message: string;
}
