/**
 * Elicitation (2025-06-18+). The primitive property schemas of `requestedSchema` are JSON Schema
 * fragments, so they are open objects: every keyword is kept, the typed members are checked.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, legacyFields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Primitives } from './primitives.js';
import type { Tasks } from './tasks.js';

export function buildElicitation(g: Gates, r: Registry, p: Primitives, rpc: JsonRpc, tasks: Tasks) {
  if (!g.since('2025-06-18')) return undefined;
  const modern = g.since('2026-07-28');
  const named = g.since('2025-11-25');

  const annotated = {
    title: z.optional(z.string()),
    description: z.optional(z.string()),
  };
  /** `default` members exist from 2025-11-25 (except on booleans). */
  const withDefault = <T extends z.ZodMiniType>(value: T) =>
    fields(named, () => ({ default: z.optional(value) }));

  const StringSchema = r.def(
    'StringSchema',
    z.looseObject({
      type: z.literal('string'),
      ...annotated,
      minLength: z.optional(z.number()),
      maxLength: z.optional(z.number()),
      format: z.optional(z.enum(['date', 'date-time', 'email', 'uri'])),
      ...withDefault(z.string()),
    }),
  );
  const NumberSchema = r.def(
    'NumberSchema',
    z.looseObject({
      type: z.enum(['integer', 'number']),
      ...annotated,
      minimum: z.optional(z.number()),
      maximum: z.optional(z.number()),
      ...withDefault(z.number()),
    }),
  );
  const BooleanSchema = r.def(
    'BooleanSchema',
    z.looseObject({
      type: z.literal('boolean'),
      ...annotated,
      default: z.optional(z.boolean()),
    }),
  );

  const option = z.looseObject({ const: z.string(), title: z.string() });
  const stringEnum = { type: z.literal('string'), ...annotated, enum: z.array(z.string()) };
  const multiSelect = {
    type: z.literal('array'),
    ...annotated,
    minItems: z.optional(z.number()),
    maxItems: z.optional(z.number()),
    default: z.optional(z.array(z.string())),
  };

  let PrimitiveSchemaDefinition: z.ZodMiniType;
  if (named) {
    const Untitled = r.def(
      'UntitledSingleSelectEnumSchema',
      z.looseObject({ ...stringEnum, default: z.optional(z.string()) }),
    );
    const Titled = r.def(
      'TitledSingleSelectEnumSchema',
      z.looseObject({
        type: z.literal('string'),
        ...annotated,
        oneOf: z.array(option),
        default: z.optional(z.string()),
      }),
    );
    const UntitledMulti = r.def(
      'UntitledMultiSelectEnumSchema',
      z.looseObject({
        ...multiSelect,
        items: z.looseObject({ type: z.literal('string'), enum: z.array(z.string()) }),
      }),
    );
    const TitledMulti = r.def(
      'TitledMultiSelectEnumSchema',
      z.looseObject({ ...multiSelect, items: z.looseObject({ anyOf: z.array(option) }) }),
    );
    const Legacy = r.def(
      'LegacyTitledEnumSchema',
      z.looseObject({
        ...stringEnum,
        enumNames: z.optional(z.array(z.string())),
        default: z.optional(z.string()),
      }),
    );
    r.def('SingleSelectEnumSchema', z.union([Untitled, Titled]));
    r.def('MultiSelectEnumSchema', z.union([UntitledMulti, TitledMulti]));
    r.def('EnumSchema', z.union([Untitled, Titled, UntitledMulti, TitledMulti, Legacy]));
    PrimitiveSchemaDefinition = z.union([
      StringSchema,
      NumberSchema,
      BooleanSchema,
      Untitled,
      Titled,
      UntitledMulti,
      TitledMulti,
      Legacy,
    ]);
  } else {
    const EnumSchema = r.def(
      'EnumSchema',
      z.looseObject({ ...stringEnum, enumNames: z.optional(z.array(z.string())) }),
    );
    PrimitiveSchemaDefinition = z.union([StringSchema, NumberSchema, BooleanSchema, EnumSchema]);
  }
  r.def('PrimitiveSchemaDefinition', PrimitiveSchemaDefinition);

  /** The form's JSON Schema: a flat object of primitive properties; every keyword kept. */
  const requestedSchema = z.looseObject({
    ...fields(named, () => ({ $schema: z.optional(z.string()) })),
    type: z.literal('object'),
    properties: z.record(z.string(), PrimitiveSchemaDefinition),
    required: z.optional(z.array(z.string())),
  });
  /** 2025-11-25 params carry `_meta` and `task`; 2026 input-request params carry neither. */
  const legacyParams = {
    ...legacyFields(!modern, () => ({
      _meta: z.optional(rpc.LegacyRequestMeta),
    })),
    ...legacyFields(g.is('2025-11-25'), () => ({
      task: z.optional(must(tasks, 'tasks').TaskMetadata),
    })),
  };

  const ElicitRequestFormParams = r.defIf(
    named,
    'ElicitRequestFormParams',
    z.object({
      ...legacyParams,
      ...fields(named, () => ({
        mode: z.optional(z.literal('form')),
      })),
      message: z.string(),
      requestedSchema,
    }),
  );
  const ElicitRequestURLParams = r.def(
    'ElicitRequestURLParams',
    only(named, () =>
      z.object({
        ...legacyParams,
        ...legacyFields(g.is('2025-11-25'), () => ({
          elicitationId: z.string(),
        })),
        mode: z.literal('url'),
        message: z.string(),
        url: z.string(),
      }),
    ),
  );
  const ElicitRequestParams = r.defIf(
    named,
    'ElicitRequestParams',
    newer(
      named,
      () =>
        z.union([ElicitRequestFormParams, must(ElicitRequestURLParams, 'ElicitRequestURLParams')]),
      () => ElicitRequestFormParams,
    ),
  );
  const ElicitRequest = r.def(
    'ElicitRequest',
    newer(
      modern,
      () => rpc.bareRequest('elicitation/create', ElicitRequestParams),
      () => rpc.request('elicitation/create', ElicitRequestParams),
    ),
  );
  const contentValue = newer(
    named,
    () => z.union([z.array(z.string()), z.string(), z.number(), z.boolean()]),
    () => z.union([z.string(), z.number(), z.boolean()]),
  );
  const ElicitResult = r.def(
    'ElicitResult',
    z.object({
      ...legacyFields(!modern, () => ({
        _meta: z.optional(p.Meta),
      })),
      action: z.enum(['accept', 'cancel', 'decline']),
      content: z.optional(z.record(z.string(), contentValue)),
    }),
  );

  let ElicitationCompleteNotification: z.ZodMiniType | undefined;
  if (g.is('2025-11-25')) {
    ElicitationCompleteNotification = r.def(
      'ElicitationCompleteNotification',
      rpc.notification(
        'notifications/elicitation/complete',
        z.object({ elicitationId: z.string() }),
      ),
    );
    r.def(
      'URLElicitationRequiredError',
      rpc.errorResponse(
        -32042,
        z.looseObject({
          elicitations: z.array(must(ElicitRequestURLParams, 'ElicitRequestURLParams')),
        }),
      ),
    );
  }

  return {
    PrimitiveSchemaDefinition,
    ElicitRequestFormParams,
    ElicitRequestURLParams,
    ElicitRequestParams,
    ElicitRequest,
    ElicitResult,
    ElicitationCompleteNotification,
  };
}

export type Elicitation = ReturnType<typeof buildElicitation>;
