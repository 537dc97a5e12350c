/**
 * Icons, implementation info and the capability objects of both sides.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, legacyFields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { Primitives } from './primitives.js';

export function buildIdentity(g: Gates, r: Registry, p: Primitives) {
  const modern = g.since('2026-07-28');

  const Icon = r.def(
    'Icon',
    only(g.since('2025-11-25'), () =>
      z.object({
        src: z.string(),
        mimeType: z.optional(z.string()),
        sizes: z.optional(z.array(z.string())),
        theme: z.optional(z.enum(['dark', 'light'])),
      }),
    ),
  );
  const icons = fields(g.since('2025-11-25'), () => ({
    icons: z.optional(z.array(must(Icon, 'Icon'))),
  }));
  r.def(
    'Icons',
    only(g.since('2025-11-25'), () => z.object(icons)),
  );

  /** `title` (2025-06-18+) next to `name`. */
  const title = fields(g.since('2025-06-18'), () => ({
    title: z.optional(z.string()),
  }));
  r.def(
    'BaseMetadata',
    only(g.since('2025-06-18'), () => z.object({ name: z.string(), ...title })),
  );

  const Implementation = r.def(
    'Implementation',
    z.object({
      name: z.string(),
      version: z.string(),
      ...title,
      ...icons,
      ...fields(g.since('2025-11-25'), () => ({
        description: z.optional(z.string()),
        websiteUrl: z.optional(z.string()),
      })),
    }),
  );

  /** Capability values the spec leaves open: any object (legacy) or a JSON object (2026). */
  const open = modern ? p.JSONObject : p.OpenObject;
  const experimental = z.optional(z.record(z.string(), open));
  const extensions = fields(modern, () => ({
    extensions: z.optional(z.record(z.string(), open)),
  }));
  const listChanged = z.object({ listChanged: z.optional(z.boolean()) });

  const ClientCapabilities = r.def(
    'ClientCapabilities',
    z.object({
      experimental,
      roots: z.optional(modern ? z.object({}) : listChanged),
      sampling: z.optional(
        newer(
          g.since('2025-11-25'),
          () => z.object({ context: z.optional(open), tools: z.optional(open) }),
          () => p.OpenObject,
        ),
      ),
      ...fields(g.since('2025-06-18'), () => ({
        elicitation: z.optional(
          newer(
            g.since('2025-11-25'),
            () => z.object({ form: z.optional(open), url: z.optional(open) }),
            () => p.OpenObject,
          ),
        ),
      })),
      ...legacyFields(g.is('2025-11-25'), () => ({
        tasks: z.optional(
          z.object({
            cancel: z.optional(p.OpenObject),
            list: z.optional(p.OpenObject),
            requests: z.optional(
              z.object({
                elicitation: z.optional(z.object({ create: z.optional(p.OpenObject) })),
                sampling: z.optional(z.object({ createMessage: z.optional(p.OpenObject) })),
              }),
            ),
          }),
        ),
      })),
      ...extensions,
    }),
  );

  const ServerCapabilities = r.def(
    'ServerCapabilities',
    z.object({
      experimental,
      logging: z.optional(open),
      ...fields(g.since('2025-03-26'), () => ({
        completions: z.optional(open),
      })),
      prompts: z.optional(listChanged),
      resources: z.optional(
        z.object({ listChanged: z.optional(z.boolean()), subscribe: z.optional(z.boolean()) }),
      ),
      tools: z.optional(listChanged),
      ...legacyFields(g.is('2025-11-25'), () => ({
        tasks: z.optional(
          z.object({
            cancel: z.optional(p.OpenObject),
            list: z.optional(p.OpenObject),
            requests: z.optional(
              z.object({ tools: z.optional(z.object({ call: z.optional(p.OpenObject) })) }),
            ),
          }),
        ),
      })),
      ...extensions,
    }),
  );

  return { Icon, icons, title, Implementation, ClientCapabilities, ServerCapabilities };
}

export type Identity = ReturnType<typeof buildIdentity>;
