/**
 * The tool definition (`Tool`, its annotations, `ToolChoice`): used by `tools/list` (tools.ts)
 * and by sampling with tools (sampling.ts), so it has a module of its own below both.
 */
import * as z from './zod.js';
import { fields, legacyFields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { Identity } from './identity.js';
import type { Primitives } from './primitives.js';

/**
 * `Tool` and the types it uses. JSON Schemas (`inputSchema`, `outputSchema`) are open objects:
 * every keyword is kept; only the members the official schema types are checked.
 */
export function buildToolDefinition(g: Gates, r: Registry, p: Primitives, id: Identity) {
  const modern = g.since('2026-07-28');

  const ToolAnnotations = r.defIf(
    g.since('2025-03-26'),
    'ToolAnnotations',
    z.object({
      title: z.optional(z.string()),
      readOnlyHint: z.optional(z.boolean()),
      destructiveHint: z.optional(z.boolean()),
      idempotentHint: z.optional(z.boolean()),
      openWorldHint: z.optional(z.boolean()),
    }),
  );
  const ToolExecution = r.def(
    'ToolExecution',
    only(g.is('2025-11-25'), () =>
      z.object({ taskSupport: z.optional(z.enum(['forbidden', 'optional', 'required'])) }),
    ),
  );
  const ToolChoice = r.defIf(
    g.since('2025-11-25'),
    'ToolChoice',
    z.object({ mode: z.optional(z.enum(['auto', 'none', 'required'])) }),
  );

  /** Until 2025-11-25: an object schema with typed `properties`/`required` (and `$schema` in 11-25). */
  const legacyObjectSchema = () =>
    z.looseObject({
      ...fields(g.since('2025-11-25'), () => ({ $schema: z.optional(z.string()) })),
      type: z.literal('object'),
      properties: z.optional(z.record(z.string(), p.OpenObject)),
      required: z.optional(z.array(z.string())),
    });
  /**
   * 2026: a JSON Schema object with `type: "object"`; before: the same with `properties` and
   * `required` typed. Older values are values of the newer type.
   */
  const inputSchema = newer(
    modern,
    () => z.looseObject({ $schema: z.optional(z.string()), type: z.literal('object') }),
    legacyObjectSchema,
  );
  /** 2026: any JSON Schema object; before: an object schema like `inputSchema`. */
  const outputSchema = newer(
    modern,
    () => z.looseObject({ $schema: z.optional(z.string()) }),
    legacyObjectSchema,
  );

  const Tool = r.def(
    'Tool',
    z.object({
      name: z.string(),
      ...id.title,
      description: z.optional(z.string()),
      inputSchema,
      ...fields(g.since('2025-06-18'), () => ({
        outputSchema: z.optional(outputSchema),
      })),
      ...fields(g.since('2025-03-26'), () => ({
        annotations: z.optional(ToolAnnotations),
      })),
      ...id.icons,
      ...legacyFields(g.is('2025-11-25'), () => ({
        execution: z.optional(must(ToolExecution, 'ToolExecution')),
      })),
      ...fields(g.since('2025-06-18'), () => ({
        _meta: z.optional(p.Meta),
      })),
    }),
  );
  return { ToolAnnotations, ToolChoice, Tool };
}

export type ToolDefinition = ReturnType<typeof buildToolDefinition>;
