/**
 * One server of a group, as the group's glue sees it: its spec, the session of its current
 * connection attempt, the sessions of earlier attempts still closing, and the listings of its last
 * connection. A connection attempt builds a fresh transport and session, connects, and lists all
 * pages of what the server's capabilities declare; while ready, the listings follow the server's
 * list changes (`onListChanged` on handshake revisions, a `subscriptions/listen` stream on
 * 2026-07-28).
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { Clock } from '../core/clock.js';
import { createClientSession, type ClientSession } from '../session/session.js';
import type { Subscription } from '../session/subscriptions.js';
import type {
  Prompt,
  Resource,
  ResourceTemplate,
  SubscriptionFilter,
  Tool,
} from '../protocol/types.js';
import type { ServerSpec } from './types.js';

/** What one server offers, as last listed. */
export interface Listings {
  readonly tools: readonly Tool[];
  readonly prompts: readonly Prompt[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
}

/** One kind of listing. */
export type ListingKind = keyof Listings;

/** What a member needs of its group. */
export interface MemberHooks {
  readonly clock: Clock;
  readonly inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /** The listings of a ready member changed. */
  readonly changed: (member: Member) => void;
}

const EMPTY: Listings = { tools: [], prompts: [], resources: [], resourceTemplates: [] };

/** The listings each list-change notification makes stale. */
const STALE: Readonly<Record<'tools' | 'prompts' | 'resources', readonly ListingKind[]>> = {
  tools: ['tools'],
  prompts: ['prompts'],
  resources: ['resources', 'resourceTemplates'],
};

const LIST_CHANGED: Readonly<Record<string, 'tools' | 'prompts' | 'resources'>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

export class Member {
  readonly name: string;
  readonly spec: ServerSpec;
  readonly #hooks: MemberHooks;
  /** The session of the current (or last) attempt. */
  #session: ClientSession | undefined;
  /** The listings of the last connection (kept while down, to name the server of a call). */
  #listings: Listings | undefined;
  /** Sessions closing: awaited by `close()`, so nothing is left running. */
  readonly #closing = new Set<Promise<void>>();
  /** Listing refreshes running, and those asked for again meanwhile. */
  readonly #refreshing = new Set<ListingKind>();
  readonly #again = new Set<ListingKind>();

  constructor(name: string, spec: ServerSpec, hooks: MemberHooks) {
    this.name = name;
    this.spec = spec;
    this.#hooks = hooks;
  }

  get session(): ClientSession | undefined {
    return this.#session;
  }

  get listings(): Listings | undefined {
    return this.#listings;
  }

  /** One connection attempt: a fresh transport and session, connected, everything listed. */
  async attempt(): Promise<void> {
    const { clock, inspect } = this.#hooks;
    const options = this.spec.session ?? {};
    const session = createClientSession({
      clock,
      ...(inspect === undefined ? {} : { inspect }),
      ...options,
      transport: this.spec.transport(),
    });
    this.#session = session;
    try {
      await session.connect();
      const listings = await listEverything(session);
      if (this.#session !== session || session.state !== 'ready') {
        throw new Error('The connection ended while its listings were read.');
      }
      this.#listings = listings;
    } catch (error) {
      this.#retire(session);
      throw error;
    }
  }

  /**
   * Follows a ready session: calls `dropped` once when it leaves `ready`, and refreshes the
   * listings on the server's list changes. Returns what stops following it.
   */
  watch(dropped: (error: unknown) => void): () => void {
    const session = this.#session;
    if (session === undefined) return () => {};
    const stops: (() => void)[] = [];
    let subscription: Subscription | undefined;
    let watching = true;
    stops.push(
      session.onStateChange((state) => {
        if (state === 'ready' || !watching) return;
        watching = false;
        this.#retire(session);
        dropped(session.error);
      }),
    );
    if (session.era === 'modern') {
      void this.#listen(session, (sub) => {
        subscription = sub;
        if (!watching) void sub.close().catch(() => {});
      });
    } else {
      for (const kind of ['tools', 'prompts', 'resources'] as const) {
        stops.push(session.onListChanged(kind, () => this.#stale(session, kind)));
      }
    }
    if (session.state !== 'ready') {
      watching = false;
      this.#retire(session);
      dropped(session.error);
    }
    return () => {
      watching = false;
      for (const stop of stops) stop();
      void subscription?.close().catch(() => {});
    };
  }

  /** Closes the current session and waits for every session of this server to have closed. */
  async close(): Promise<void> {
    if (this.#session !== undefined) this.#retire(this.#session);
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  /** Closes a session that is no longer wanted, keeping its close to await. */
  #retire(session: ClientSession): void {
    const closing = session.close().catch(() => {});
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
  }

  /** A 2026 session's list changes, through a `subscriptions/listen` stream while it lasts. */
  async #listen(session: ClientSession, opened: (sub: Subscription) => void): Promise<void> {
    const caps = session.serverCapabilities ?? {};
    const filter: SubscriptionFilter = {
      ...(caps.tools === undefined ? {} : { toolsListChanged: true }),
      ...(caps.prompts === undefined ? {} : { promptsListChanged: true }),
      ...(caps.resources === undefined ? {} : { resourcesListChanged: true }),
    };
    if (Object.keys(filter).length === 0) return;
    let sub: Subscription;
    try {
      sub = await session.listen(filter);
    } catch {
      return; // no listen stream: the listings stay as first read
    }
    opened(sub);
    for await (const notification of sub) {
      const kind = LIST_CHANGED[notification.method];
      if (kind !== undefined) this.#stale(session, kind);
    }
  }

  /** A list change: read the stale listings again (once at a time per kind). */
  #stale(session: ClientSession, kind: 'tools' | 'prompts' | 'resources'): void {
    for (const listing of STALE[kind]) this.#refresh(session, listing);
  }

  #refresh(session: ClientSession, kind: ListingKind): void {
    if (this.#session !== session || session.state !== 'ready') return;
    if (this.#refreshing.has(kind)) {
      this.#again.add(kind);
      return;
    }
    this.#refreshing.add(kind);
    void listKind(session, kind)
      .then((list) => {
        if (this.#session !== session || session.state !== 'ready') return;
        this.#listings = { ...(this.#listings ?? EMPTY), [kind]: list };
        this.#hooks.changed(this);
      })
      .catch(() => {})
      .finally(() => {
        this.#refreshing.delete(kind);
        if (this.#again.delete(kind)) this.#refresh(session, kind);
      });
  }
}

/** Every page of one kind of listing, if the server's capabilities declare it. */
async function listKind(session: ClientSession, kind: ListingKind): Promise<readonly unknown[]> {
  const caps = session.serverCapabilities ?? {};
  const declared = kind === 'resourceTemplates' ? caps.resources : caps[kind];
  if (declared === undefined) return [];
  try {
    switch (kind) {
      case 'tools':
        return await session.listAllTools();
      case 'prompts':
        return await session.listAllPrompts();
      case 'resources':
        return await session.listAllResources();
      case 'resourceTemplates':
        return await session.listAllResourceTemplates();
    }
  } catch (error) {
    // A listing the server refuses is empty; a connection that ends is the attempt's failure.
    if (session.state !== 'ready') throw error;
    return [];
  }
}

/** Every listing the server declares, read at once. */
async function listEverything(session: ClientSession): Promise<Listings> {
  const [tools, prompts, resources, resourceTemplates] = await Promise.all([
    listKind(session, 'tools'),
    listKind(session, 'prompts'),
    listKind(session, 'resources'),
    listKind(session, 'resourceTemplates'),
  ]);
  return {
    tools: tools as Tool[],
    prompts: prompts as Prompt[],
    resources: resources as Resource[],
    resourceTemplates: resourceTemplates as ResourceTemplate[],
  };
}
