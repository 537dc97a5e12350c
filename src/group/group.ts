/**
 * `createSessionGroup`: several servers behind one API. The group's actor
 * (`sessionGroupMachine`) owns one actor per server (`groupServerMachine`), which connects it,
 * watches it and restarts it within its budget; this module keeps each server's member (its
 * sessions and listings), shows their states, recomputes the aggregate when a server comes or
 * goes or its listings change, and routes calls to the server that owns what they name.
 */
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { GroupRestartPolicy, groupServerMachine } from '../../machines/session-group.js';
import { systemClock } from '../core/clock.js';
import { InvalidArgumentError } from '../errors/errors.js';
import type { ClientSession } from '../session/session.js';
import type { InputRoundOptions } from '../session/types.js';
import type { CallToolResult, GetPromptResult, ReadResourceResult } from '../protocol/types.js';
import { aggregateOf, EMPTY_AGGREGATE, type Naming } from './aggregate.js';
import { ServerUnavailableError, UnknownGroupEntryError } from './errors.js';
import { Member, type MemberHooks } from './member.js';
import {
  findNamed,
  ownerOfMissing,
  resourceOwner,
  resourceOwnerOfMissing,
  type RoutedServer,
} from './routing.js';
import { restartPolicy, serverState, supervisedGroupMachine } from './supervision.js';
import type {
  Aggregate,
  GroupEvent,
  GroupPrompt,
  GroupResource,
  GroupResourceTemplate,
  GroupTool,
  ServerSpec,
  ServerState,
  SessionGroup,
  SessionGroupOptions,
} from './types.js';

type ServerSnapshot = SnapshotFrom<typeof groupServerMachine>;

/** A promise and its resolve function. */
function settlement(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** What the group keeps of each server. */
interface Entry {
  readonly member: Member;
  state: ServerState;
  /** Resolved once its first attempt settled (ready or not). */
  readonly settled: ReturnType<typeof settlement>;
  /** Resolved once it has closed. */
  readonly closed: ReturnType<typeof settlement>;
  unsubscribe: () => void;
}

class Group implements SessionGroup {
  readonly #actor: Actor<ReturnType<typeof supervisedGroupMachine>>;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(event: GroupEvent) => void>();
  readonly #naming: Naming;
  readonly #policy: GroupRestartPolicy;
  readonly #hooks: MemberHooks;
  #aggregate: Aggregate = EMPTY_AGGREGATE;
  #closing: Promise<void> | undefined;

  constructor(options: SessionGroupOptions) {
    const clock = options.clock ?? systemClock;
    this.#naming = { policy: options.naming ?? 'prefix', separator: options.separator ?? '_' };
    this.#policy = restartPolicy(options.restart);
    this.#hooks = {
      clock,
      inspect: options.inspect,
      changed: (member) => {
        if (this.#entries.get(member.name)?.state.status === 'ready') this.#recompute();
      },
    };
    const machine = supervisedGroupMachine({
      member: (name) => this.#entries.get(name)?.member,
      clock,
      random: options.random ?? Math.random,
    });
    this.#actor = createActor(machine, {
      clock,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    this.#actor.start();
    for (const [name, spec] of Object.entries(options.servers ?? {})) this.add(name, spec);
  }

  add(name: string, spec: ServerSpec): void {
    if (this.#closing !== undefined) {
      throw new InvalidArgumentError(`The group is closed: it takes no more servers (${name}).`);
    }
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('A server of a group needs a name.');
    }
    if (this.#entries.has(name)) {
      throw new InvalidArgumentError(
        `The group already has a server named ${JSON.stringify(name)}.`,
      );
    }
    if (typeof spec?.transport !== 'function') {
      throw new InvalidArgumentError(
        `The server ${JSON.stringify(name)} needs a transport factory.`,
      );
    }
    const member = new Member(name, spec, this.#hooks);
    const entry: Entry = {
      member,
      state: {
        name,
        status: 'connecting',
        session: undefined,
        error: undefined,
        restarts: 0,
        retryAt: undefined,
      },
      settled: settlement(),
      closed: settlement(),
      unsubscribe: () => {},
    };
    this.#entries.set(name, entry);
    this.#actor.send({ type: 'add', name, policy: this.#policy });
    const ref = this.#actor.getSnapshot().children[name];
    if (ref === undefined) throw new Error(`The server actor ${name} did not start.`);
    const subscription = ref.subscribe({
      next: (snapshot) => this.#observe(name, snapshot),
      error: () => {},
    });
    entry.unsubscribe = () => subscription.unsubscribe();
    this.#observe(name, ref.getSnapshot(), true);
  }

  async remove(name: string): Promise<void> {
    const entry = this.#entry(name);
    this.#actor.send({ type: 'remove', name });
    await entry.closed.promise;
  }

  restart(name: string): void {
    this.#entry(name);
    this.#actor.send({ type: 'restart', name });
  }

  async ready(): Promise<readonly ServerState[]> {
    await Promise.all([...this.#entries.values()].map((e) => e.settled.promise));
    return this.servers();
  }

  servers(): readonly ServerState[] {
    return [...this.#entries.values()].map((e) => this.#stateOf(e));
  }

  server(name: string): ServerState | undefined {
    const entry = this.#entries.get(name);
    return entry === undefined ? undefined : this.#stateOf(entry);
  }

  session(name: string): ClientSession | undefined {
    const entry = this.#entries.get(name);
    return entry?.state.status === 'ready' ? entry.member.session : undefined;
  }

  aggregate(): Aggregate {
    return this.#aggregate;
  }

  tools(): readonly GroupTool[] {
    return this.#aggregate.tools;
  }

  prompts(): readonly GroupPrompt[] {
    return this.#aggregate.prompts;
  }

  resources(): readonly GroupResource[] {
    return this.#aggregate.resources;
  }

  resourceTemplates(): readonly GroupResourceTemplate[] {
    return this.#aggregate.resourceTemplates;
  }

  async callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions,
  ): Promise<CallToolResult> {
    const [session, original] = this.#routeNamed('tool', name);
    return session.callTool(original, args, { ...options, inputRequired: 'auto' });
  }

  async getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions,
  ): Promise<GetPromptResult> {
    const [session, original] = this.#routeNamed('prompt', name);
    return session.getPrompt(original, args, { ...options, inputRequired: 'auto' });
  }

  async readResource(
    uri: string,
    options?: InputRoundOptions & { readonly server?: string },
  ): Promise<ReadResourceResult> {
    const { server: pick, ...rest } = options ?? {};
    if (pick !== undefined) this.#entry(pick);
    const owner =
      resourceOwner(this.#aggregate, uri, pick) ??
      resourceOwnerOfMissing(this.#routed(), uri, pick);
    if (owner === undefined) throw new UnknownGroupEntryError('resource', uri);
    return this.#readySession(owner).readResource(uri, { ...rest, inputRequired: 'auto' });
  }

  on(listener: (event: GroupEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const done = () => {
        this.#listeners.clear();
        resolve();
      };
      this.#actor.subscribe({ complete: done, error: done });
      this.#actor.send({ type: 'close' });
      if (this.#actor.getSnapshot().status === 'done') done();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The server and the name on it of an aggregated tool or prompt, if it is ready. */
  #routeNamed(kind: 'tool' | 'prompt', name: string): [ClientSession, string] {
    const origin = findNamed(this.#aggregate, kind, name);
    const owner = origin?.server ?? ownerOfMissing(this.#routed(), this.#naming, kind, name);
    if (owner === undefined || !this.#entries.has(owner)) {
      throw new UnknownGroupEntryError(kind, name);
    }
    const session = this.#readySession(owner);
    if (origin === undefined) throw new UnknownGroupEntryError(kind, name);
    return [session, origin.original];
  }

  /** The session of a ready server; a server in any other state fails the call at once. */
  #readySession(server: string): ClientSession {
    const entry = this.#entry(server);
    const session = entry.member.session;
    if (entry.state.status !== 'ready' || session === undefined) {
      throw new ServerUnavailableError(server, entry.state.status, entry.state.error);
    }
    return session;
  }

  #entry(name: string): Entry {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      throw new InvalidArgumentError(`The group has no server named ${JSON.stringify(name)}.`);
    }
    return entry;
  }

  #routed(): RoutedServer[] {
    return [...this.#entries.values()].map((e) => ({
      name: e.member.name,
      listings: e.member.listings,
    }));
  }

  #stateOf(entry: Entry): ServerState {
    return { ...entry.state, session: entry.member.session };
  }

  /** A server's actor moved: its new state, the events, and the aggregate if it came or went. */
  #observe(name: string, snapshot: ServerSnapshot, first = false): void {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    const before = entry.state;
    const state = serverState(entry.member, snapshot);
    const finished = snapshot.status === 'done';
    if (!first && !finished && sameState(before, state)) return;
    entry.state = state;
    if (state.status !== 'connecting') entry.settled.resolve();
    if (finished) {
      entry.unsubscribe();
      this.#entries.delete(name);
    }
    if (first || !sameState(before, state)) this.#emit({ type: 'status', server: name, state });
    if ((before.status === 'ready') !== (state.status === 'ready')) this.#recompute();
    if (finished) {
      entry.settled.resolve();
      entry.closed.resolve();
    }
  }

  #recompute(): void {
    const sources = [...this.#entries.values()].flatMap((e) =>
      e.state.status === 'ready' && e.member.listings !== undefined
        ? [{ server: e.member.name, listings: e.member.listings }]
        : [],
    );
    this.#aggregate = aggregateOf(sources, this.#naming);
    this.#emit({ type: 'aggregate', aggregate: this.#aggregate });
  }

  #emit(event: GroupEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's error is its own: the group goes on.
      }
    }
  }
}

function sameState(a: ServerState, b: ServerState): boolean {
  return (
    a.status === b.status &&
    a.restarts === b.restarts &&
    a.retryAt === b.retryAt &&
    a.error === b.error &&
    a.session === b.session
  );
}

/**
 * Builds a session group: one supervised session per server, connected concurrently, with what
 * they offer aggregated under one namespace and calls routed to the server that owns each name.
 * A server that fails or drops is reconnected with bounded exponential backoff and jitter, within
 * a restart budget; while it is down its entries leave the aggregate and calls to it fail at once
 * with `ServerUnavailableError`. See docs/groups.md.
 *
 * @example
 * ```ts
 * import { createSessionGroup, ServerUnavailableError, type Transport } from 'mcp-actors';
 * declare function transportTo(server: string): Transport;
 *
 * await using group = createSessionGroup({
 *   servers: {
 *     files: { transport: () => transportTo('files') },
 *     memory: { transport: () => transportTo('memory'), session: { mode: 'legacy' } },
 *   },
 *   restart: { initialDelay: 1_000, maxRestarts: 3, window: 60_000 },
 * });
 * group.on((event) => {
 *   if (event.type === 'status') console.log(event.server, event.state.status);
 * });
 * await group.ready(); // every server connected, or failed its first attempt
 * for (const tool of group.tools()) console.log(tool.name, 'from', tool.origin.server); // files_read from files
 * try {
 *   const result = await group.callTool('files_read', { path: 'notes.txt' });
 *   console.log(result.content);
 * } catch (error) {
 *   if (error instanceof ServerUnavailableError) console.log(error.server, 'is', error.status);
 *   else throw error;
 * }
 * // leaving the block closes every server (Symbol.asyncDispose)
 * ```
 */
export function createSessionGroup(options: SessionGroupOptions = {}): SessionGroup {
  return new Group(options);
}
