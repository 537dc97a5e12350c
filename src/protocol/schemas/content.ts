/**
 * Annotations, content blocks and resource contents.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, gated, newer, type Gates, type Registry } from './gates.js';
import type { Identity } from './identity.js';
import type { Primitives } from './primitives.js';

export function buildContent(g: Gates, r: Registry, p: Primitives, id: Identity) {
  const Annotations = r.defIf(
    g.since('2025-03-26'),
    'Annotations',
    z.object({
      audience: z.optional(z.array(p.Role)),
      priority: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
      ...fields(g.since('2025-06-18'), () => ({
        lastModified: z.optional(z.string()),
      })),
    }),
  );
  const annotations = {
    annotations: z.optional(Annotations),
  };
  if (g.is('2024-11-05')) r.def('Annotated', z.object(annotations));

  /** `_meta` on content and resource objects (2025-06-18+). */
  const meta = fields(g.since('2025-06-18'), () => ({
    _meta: z.optional(p.Meta),
  }));

  const TextContent = r.def(
    'TextContent',
    z.object({ type: z.literal('text'), text: z.string(), ...annotations, ...meta }),
  );
  const ImageContent = r.def(
    'ImageContent',
    z.object({
      type: z.literal('image'),
      data: z.string(),
      mimeType: z.string(),
      ...annotations,
      ...meta,
    }),
  );
  const AudioContent = r.defIf(
    g.since('2025-03-26'),
    'AudioContent',
    z.object({
      type: z.literal('audio'),
      data: z.string(),
      mimeType: z.string(),
      ...annotations,
      ...meta,
    }),
  );

  const contents = { uri: z.string(), mimeType: z.optional(z.string()), ...meta };
  r.def('ResourceContents', z.object(contents));
  const TextResourceContents = r.def(
    'TextResourceContents',
    z.object({ ...contents, text: z.string() }),
  );
  const BlobResourceContents = r.def(
    'BlobResourceContents',
    z.object({ ...contents, blob: z.string() }),
  );
  const resourceContents = z.union([TextResourceContents, BlobResourceContents]);
  const EmbeddedResource = r.def(
    'EmbeddedResource',
    z.object({ type: z.literal('resource'), resource: resourceContents, ...annotations, ...meta }),
  );

  /** The fields of `Resource`, shared with `ResourceLink`. */
  const resourceFields = {
    uri: z.string(),
    name: z.string(),
    ...id.title,
    description: z.optional(z.string()),
    mimeType: z.optional(z.string()),
    size: z.optional(z.number()),
    ...annotations,
    ...id.icons,
    ...meta,
  };
  const ResourceLink = r.defIf(
    g.since('2025-06-18'),
    'ResourceLink',
    z.object({ type: z.literal('resource_link'), ...resourceFields }),
  );

  /** Content of tool results and prompt messages (text/image/resource, then audio, then links). */
  const ContentBlock = r.defIf(
    g.since('2025-06-18'),
    'ContentBlock',
    z.discriminatedUnion(
      'type',
      gated([
        TextContent,
        ImageContent,
        g.since('2025-03-26') && AudioContent,
        g.since('2025-06-18') && ResourceLink,
        EmbeddedResource,
      ]),
    ),
  );

  /** Until 2025-11-25 an object; any JSON value on 2026-07-28. */
  const structuredContent = z.optional(
    newer(
      g.since('2026-07-28'),
      () => z.unknown(),
      () => z.record(z.string(), z.unknown()),
    ),
  );

  const ToolUseContent = r.defIf(
    g.since('2025-11-25'),
    'ToolUseContent',
    z.object({
      type: z.literal('tool_use'),
      id: z.string(),
      name: z.string(),
      input: z.record(z.string(), z.unknown()),
      ...meta,
    }),
  );
  const ToolResultContent = r.defIf(
    g.since('2025-11-25'),
    'ToolResultContent',
    z.object({
      type: z.literal('tool_result'),
      toolUseId: z.string(),
      content: z.array(ContentBlock),
      structuredContent,
      isError: z.optional(z.boolean()),
      ...meta,
    }),
  );
  const SamplingMessageContentBlock = r.defIf(
    g.since('2025-11-25'),
    'SamplingMessageContentBlock',
    z.discriminatedUnion(
      'type',
      gated([
        TextContent,
        ImageContent,
        g.since('2025-03-26') && AudioContent,
        g.since('2025-11-25') && ToolUseContent,
        g.since('2025-11-25') && ToolResultContent,
      ]),
    ),
  );
  /** `content` of a sampling message or result: one block, or (2025-11-25+) also a list. */
  const samplingContent = newer(
    g.since('2025-11-25'),
    () => z.union([SamplingMessageContentBlock, z.array(SamplingMessageContentBlock)]),
    () => SamplingMessageContentBlock,
  );

  return {
    Annotations,
    annotations,
    meta,
    TextContent,
    ImageContent,
    AudioContent,
    TextResourceContents,
    BlobResourceContents,
    resourceContents,
    EmbeddedResource,
    resourceFields,
    ResourceLink,
    ContentBlock,
    structuredContent,
    ToolUseContent,
    ToolResultContent,
    SamplingMessageContentBlock,
    samplingContent,
  };
}

export type Content = ReturnType<typeof buildContent>;
