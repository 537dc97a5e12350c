/**
 * The names `mcp-actors shell` completes: the server's tools (with their argument names),
 * prompts (with theirs) and resources (and templates), listed at the start and listed again
 * when the server says a list changed; one listing of a kind at a time.
 */
import type { ClientSession } from '../index.js';
import { oneLine } from './exit.js';
import { EMPTY_CATALOG, schemaPropertyNames, type Catalog } from './shell-line.js';

/** A kind of list the shell completes from. */
export type CatalogKind = 'tools' | 'prompts' | 'resources';

const has = (caps: Readonly<Record<string, unknown>> | undefined, name: string): boolean =>
  caps !== undefined && caps[name] !== undefined && caps[name] !== null;

/** The completion catalog, kept up to date. */
export class ShellCatalog {
  /** What completes now. */
  current: Catalog = EMPTY_CATALOG;
  readonly #session: ClientSession;
  readonly #caps: Readonly<Record<string, unknown>> | undefined;
  readonly #verbose: (text: string) => void;
  readonly #ended: () => boolean;
  // One listing of a kind at a time; changes while it runs make one more after it.
  readonly #inFlight = new Map<CatalogKind, Promise<void>>();
  readonly #stale = new Set<CatalogKind>();

  /** `ended`: whether the shell has ended (a change seen then lists nothing more). */
  constructor(session: ClientSession, verbose: (text: string) => void, ended: () => boolean) {
    this.#session = session;
    this.#caps = session.serverCapabilities;
    this.#verbose = verbose;
    this.#ended = ended;
  }

  /** Lists `kind` again (once more after the listing in flight, if one is). */
  refresh(kind: CatalogKind): Promise<void> {
    const pending = this.#inFlight.get(kind);
    if (pending !== undefined) {
      this.#stale.add(kind);
      return pending;
    }
    const next = this.#list(kind).finally(() => {
      this.#inFlight.delete(kind);
      if (this.#stale.delete(kind) && !this.#ended()) void this.refresh(kind);
    });
    this.#inFlight.set(kind, next);
    return next;
  }

  /** Settles when the listings in flight have. */
  settled(): Promise<unknown> {
    return Promise.all(this.#inFlight.values());
  }

  async #list(kind: CatalogKind): Promise<void> {
    const session = this.#session;
    if (!has(this.#caps, kind)) return;
    try {
      if (kind === 'tools') {
        const tools = await session.listAllTools();
        this.current = {
          ...this.current,
          tools: new Map(tools.map((t) => [t.name, schemaPropertyNames(t.inputSchema)])),
        };
      } else if (kind === 'prompts') {
        const prompts = await session.listAllPrompts();
        this.current = {
          ...this.current,
          prompts: new Map(prompts.map((p) => [p.name, (p.arguments ?? []).map((a) => a.name)])),
        };
      } else {
        const resources = await session.listAllResources();
        const templates = await session.listAllResourceTemplates().catch(() => []);
        this.current = {
          ...this.current,
          resources: [...resources.map((r) => r.uri), ...templates.map((t) => t.uriTemplate)],
        };
      }
    } catch (error) {
      this.#verbose(`mcp-actors: could not list the ${kind} to complete: ${oneLine(error)}`);
    }
  }
}
