/**
 * The one place that declares where each revision's published schema.json is narrower than its
 * normative schema.ts, and so where the client accepts more than schema.json: the spec checks
 * compare our zod schemas with schema.json widened by exactly these entries.
 *
 * Two causes, both from generating the JSON Schema out of the TypeScript:
 * - `fraction`: schema.ts says `number`, schema.json says `integer` (the generator writes every
 *   `number` without a `@TJS-type number` tag as `integer`).
 * - `null`: the 2026 `JSONValue` says `string | number | boolean | null`; its generated leaves are
 *   `string`, `integer`, `boolean`.
 *
 * `test-spec/schema-ts.test.ts` finds the differences mechanically (./schema-ts.ts) and fails
 * unless they are exactly these; docs/negotiation.md lists them.
 */
import type { Revision } from '../../src/protocol/revisions.js';
import type { Widening } from './schema-ts.js';
import {
  isObject,
  oracleOver,
  officialSchema,
  type Json,
  type JsonObject,
  type Oracle,
} from './spec.js';

type Declared = Readonly<Record<string, readonly Widening[]>>;

const F: readonly Widening[] = ['fraction'];

/** In every revision: ids, tokens, error codes, totals, token limits and sizes. */
const ALWAYS = (error: string, maxTokens: string): Declared => ({
  RequestId: F,
  ProgressToken: F,
  [error]: F,
  'CompleteResult.completion.total': F,
  [maxTokens]: F,
  'Resource.size': F,
});

/** From 2025-06-18: resource links and the elicitation forms and answers. */
const ELICITATION: Declared = {
  'ResourceLink.size': F,
  'ElicitResult.content.*': F,
  'StringSchema.minLength': F,
  'StringSchema.maxLength': F,
};

/** From 2025-11-25: multi-select bounds. */
const MULTI_SELECT: Declared = {
  'TitledMultiSelectEnumSchema.minItems': F,
  'TitledMultiSelectEnumSchema.maxItems': F,
  'UntitledMultiSelectEnumSchema.minItems': F,
  'UntitledMultiSelectEnumSchema.maxItems': F,
};

export const NARROWER_IN_SCHEMA_JSON: Readonly<Record<Revision, Declared>> = {
  '2024-11-05': ALWAYS('JSONRPCError.error.code', 'CreateMessageRequest.params.maxTokens'),
  '2025-03-26': ALWAYS('JSONRPCError.error.code', 'CreateMessageRequest.params.maxTokens'),
  '2025-06-18': {
    ...ALWAYS('JSONRPCError.error.code', 'CreateMessageRequest.params.maxTokens'),
    ...ELICITATION,
  },
  '2025-11-25': {
    ...ALWAYS('Error.code', 'CreateMessageRequestParams.maxTokens'),
    ...ELICITATION,
    ...MULTI_SELECT,
    'Task.ttl': F,
    'Task.pollInterval': F,
    'TaskMetadata.ttl': F,
  },
  '2026-07-28': {
    ...ALWAYS('Error.code', 'CreateMessageRequestParams.maxTokens'),
    ...ELICITATION,
    ...MULTI_SELECT,
    JSONValue: ['null', 'fraction'],
    'CacheableResult.ttlMs': F,
    'DiscoverResult.ttlMs': F,
    'ListPromptsResult.ttlMs': F,
    'ListResourceTemplatesResult.ttlMs': F,
    'ListResourcesResult.ttlMs': F,
    'ListToolsResult.ttlMs': F,
    'ReadResourceResult.ttlMs': F,
  },
};

/** The node of a definition at a position (`Type.member.*[]`), looking into inline alternatives. */
export function locate(defs: Readonly<Record<string, JsonObject>>, at: string): JsonObject {
  const [type, ...rest] = at.split(/(?=\.|\[\])/);
  let node: Json | undefined = defs[type ?? ''];
  for (const step of rest) {
    const key = step === '[]' ? 'items' : step === '.*' ? 'additionalProperties' : undefined;
    const found = (n: Json | undefined): Json | undefined => {
      if (!isObject(n)) return undefined;
      const direct =
        key !== undefined ? n[key] : (n['properties'] as JsonObject | undefined)?.[step.slice(1)];
      if (direct !== undefined) return direct;
      const alternatives = n['anyOf'] ?? n['oneOf'];
      if (!Array.isArray(alternatives)) return undefined;
      for (const member of alternatives) {
        const inner = isObject(member) && !('$ref' in member) ? found(member) : undefined;
        if (inner !== undefined) return inner;
      }
      return undefined;
    };
    node = found(node);
  }
  if (!isObject(node)) throw new Error(`no schema node at ${at}`);
  return node;
}

/** The JSON types of a node and of its inline alternatives, where `type` is written. */
function typeLists(node: JsonObject): { holder: JsonObject; types: string[] }[] {
  const out: { holder: JsonObject; types: string[] }[] = [];
  const type = node['type'];
  if (typeof type === 'string') out.push({ holder: node, types: [type] });
  else if (Array.isArray(type)) out.push({ holder: node, types: type as string[] });
  const alternatives = node['anyOf'] ?? node['oneOf'];
  if (Array.isArray(alternatives)) {
    for (const member of alternatives) {
      if (isObject(member) && !('$ref' in member)) out.push(...typeLists(member));
    }
  }
  return out;
}

/** Widens one node of a (copied) schema.json in place. */
export function widen(node: JsonObject, widening: Widening): void {
  const lists = typeLists(node);
  if (widening === 'fraction') {
    const integers = lists.filter((l) => l.types.includes('integer'));
    if (integers.length === 0) throw new Error('no integer to widen');
    for (const { holder, types } of integers) {
      holder['type'] = types.map((t) => (t === 'integer' ? 'number' : t));
    }
  } else if (widening === 'null') {
    const primitive = lists.find((l) => !l.types.includes('object') && !l.types.includes('array'));
    if (primitive === undefined) throw new Error('no primitive type list to add null to');
    primitive.holder['type'] = [...primitive.types, 'null'];
  } else {
    throw new Error(`no widening for ${widening}`);
  }
}

/** `revision`'s schema.json, copied, with `entries` (all declared ones by default) widened. */
export function widenedSchema(
  revision: Revision,
  entries: Declared = NARROWER_IN_SCHEMA_JSON[revision],
): JsonObject {
  const official = officialSchema(revision);
  const json = structuredClone(official.json);
  const defs = json[official.defsKey] as Record<string, JsonObject>;
  for (const [at, widenings] of Object.entries(entries)) {
    for (const w of widenings) widen(locate(defs, at), w);
  }
  return json;
}

const oracles = new Map<string, Oracle>();

/** An ajv oracle over `widenedSchema(revision, entries)` (no `format` assertions). */
export function widenedOracle(revision: Revision, entries?: Declared): Oracle {
  const key = `${revision}:${entries === undefined ? '*' : JSON.stringify(entries)}`;
  let found = oracles.get(key);
  if (found === undefined) {
    found = oracleOver(revision, widenedSchema(revision, entries), false);
    oracles.set(key, found);
  }
  return found;
}
