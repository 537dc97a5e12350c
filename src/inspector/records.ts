import type { InspectionEvent } from 'xstate';
import type { StateShape } from './machine-shape.js';
import { sanitize, type Sanitized } from './sanitize.js';

/**
 * What the inspector sends to its page: XState inspection events turned into small, plain,
 * redacted records (redaction: ./sanitize.ts; the machines' shapes: ./machine-shape.ts; the live
 * actors kept apart from the history: ./live-actors.ts). Runtime-neutral: the Node server
 * (src/node/inspector.ts) streams them, and a test or another host can use them as they are.
 */

/**
 * One thing the inspector shows, as plain redacted JSON: an actor started, its new state, an
 * event it received, a JSON-RPC message in or out, a stream exception, or a diagnostic. Every
 * record names its session and carries the time it was made (`t`, ms).
 */
export type InspectorRecord =
  /** An actor started: the connection (`connection`), the dispatcher, a request (`request:7`), … */
  | {
      readonly kind: 'actor';
      readonly session: string;
      readonly t: number;
      readonly actor: string;
      readonly parent: string | undefined;
      /** The id of the machine it runs (`connection`, `request`, …), when it runs one. */
      readonly machine: string | undefined;
    }
  /** An actor's new state, after the event that caused it. */
  | {
      readonly kind: 'snapshot';
      readonly session: string;
      readonly t: number;
      readonly actor: string;
      readonly value: Sanitized;
      readonly status: string;
      readonly event: string;
      readonly context: Sanitized;
    }
  /**
   * An event delivered to an actor (JSON-RPC messages are `message` records instead). A request's
   * `result` event is recorded by its type alone: the result is the content of the response's
   * `message` record already.
   */
  | {
      readonly kind: 'event';
      readonly session: string;
      readonly t: number;
      readonly actor: string;
      readonly event: Sanitized;
    }
  /** A JSON-RPC message, received (`in`) or written (`out`). */
  | {
      readonly kind: 'message';
      readonly session: string;
      readonly t: number;
      readonly direction: 'in' | 'out';
      readonly message: Sanitized;
    }
  /** A stream exception from the transport (the session goes on). */
  | {
      readonly kind: 'exception';
      readonly session: string;
      readonly t: number;
      readonly error: Sanitized;
    }
  /** A diagnostic: something dropped and reported (the session goes on). */
  | {
      readonly kind: 'diagnostic';
      readonly session: string;
      readonly t: number;
      /** The diagnostic's code (`LATE_RESPONSE`, …). */
      readonly code: string;
      readonly message: string;
      /** What caused it, redacted; `null` when it has none. */
      readonly payload: Sanitized;
    };

/** A session the inspector shows. */
export interface InspectedSession {
  /** The id records carry (`s1`, `s2`, …). */
  readonly id: string;
  readonly label: string;
}

/** What the page receives: first `hello`, then `records` batches and `session` announcements. */
export type InspectorFrame =
  | {
      readonly type: 'hello';
      readonly machines: Readonly<Record<string, StateShape>>;
      readonly sessions: readonly InspectedSession[];
      /**
       * What the history no longer holds of the live actors (and of each session's roots, live
       * or ended): each one's start, the path of states it took (its last 100 steps) and its
       * latest snapshot, in the order they happened. All older than `records`: apply them first.
       */
      readonly live: readonly InspectorRecord[];
      /** The history: the last records made, oldest first. */
      readonly records: readonly InspectorRecord[];
      /** Records that happened before this page opened but are no longer kept in the history. */
      readonly dropped: number;
    }
  | { readonly type: 'session'; readonly session: InspectedSession }
  | {
      readonly type: 'records';
      readonly records: readonly InspectorRecord[];
      /** Records this page missed since the last frame (it read too slowly, or the queue overflowed). */
      readonly dropped: number;
    };

// ------------------------------------------------------------------------------------------------
// From inspection events to records.

interface RefLike {
  id?: string;
  sessionId?: string;
  logic?: { id?: string };
  _parent?: RefLike;
}

/** The machine id of the OAuth client's actor (`authorizationMachine`). */
export const AUTHORIZATION = 'authorization';

/**
 * What the page is shown of the authorization actor's context: named fields only, so that
 * nothing added to the context later reaches the page unless it is added here too. The context
 * holds no token, code or secret by design; the last error is shown by name, code, reason and
 * message (its cause and data are left out: they may hold a server's answer).
 */
function authorizationContext(context: unknown): Sanitized {
  if (typeof context !== 'object' || context === null) return null;
  const c = context as Record<string, unknown>;
  const challenge = c['challenge'] as Record<string, unknown> | undefined | null;
  const error = c['error'];
  /** An `AuthorizationError`, usually: what it says is named, what it holds is not. */
  const e = error as Partial<
    Record<'name' | 'message' | 'code' | 'reason' | 'oauthError', unknown>
  >;
  return sanitize(
    {
      grant: c['grant'],
      generation: c['generation'],
      refreshable: c['refreshable'],
      fromRefresh: c['fromRefresh'],
      steppingUp: c['steppingUp'],
      issuer: c['issuer'],
      resource: c['resource'],
      scope: c['scope'],
      challenge:
        typeof challenge === 'object' && challenge !== null
          ? {
              scheme: challenge['scheme'],
              error: challenge['error'],
              scope: challenge['scope'],
              resourceMetadata: challenge['resourceMetadata'],
            }
          : undefined,
      error:
        error === undefined || error === null
          ? undefined
          : typeof error === 'object'
            ? {
                name: e.name,
                code: e.code,
                reason: e.reason,
                oauthError: e.oauthError,
                message: typeof e.message === 'string' ? e.message : undefined,
              }
            : { message: error },
    },
    { maxString: 1024 },
  );
}

/**
 * Turns one session's inspection events into records. A session's observer may watch more than
 * one actor system: the session's (the connection actor is its root, with the dispatcher and the
 * request actors beside it) and the OAuth client's (`createOAuthClient({ inspect })`, whose root
 * runs `authorizationMachine`). The roots are named `connection` and `authorization` (a system
 * is recognised by its root's machine id, whichever starts first; further roots of either kind
 * keep their XState ids); the session's other actors keep their ids (`dispatcher`, `request:3`,
 * `inbound:1000`), and the authorization's children are named under it (`authorization/discover`).
 */
export class RecordBuilder {
  readonly #session: string;
  readonly #now: () => number;
  /** The name of each system's root, by the system's `rootId`. */
  readonly #roots = new Map<string, string>();
  #connection = false;
  #authorization = false;

  constructor(session: string, now: () => number = Date.now) {
    this.#session = session;
    this.#now = now;
  }

  /** The root's name of the system an event comes from, first met by this event. */
  #rootName(event: InspectionEvent): string {
    const known = this.#roots.get(event.rootId);
    if (known !== undefined) return known;
    const ref = event.actorRef as unknown as RefLike;
    const root = ref.sessionId === event.rootId ? ref : undefined;
    let name = event.rootId;
    if (root?.logic?.id === AUTHORIZATION) {
      if (!this.#authorization) name = AUTHORIZATION;
      this.#authorization = true;
    } else if (!this.#connection) {
      name = 'connection';
      this.#connection = true;
    }
    this.#roots.set(event.rootId, name);
    return name;
  }

  #name(ref: RefLike | undefined, rootId: string, root: string): string | undefined {
    if (ref === undefined) return undefined;
    if (ref.sessionId !== undefined && ref.sessionId === rootId) return root;
    const id = ref.id ?? ref.sessionId;
    return root === AUTHORIZATION && id !== undefined ? `${AUTHORIZATION}/${id}` : id;
  }

  /** The records for one inspection event (none for what the page does not show). */
  records(event: InspectionEvent): InspectorRecord[] {
    const t = this.#now();
    const root = this.#rootName(event);
    const ref = event.actorRef as unknown as RefLike;
    const actor = this.#name(ref, event.rootId, root) ?? '?';
    switch (event.type) {
      case '@xstate.actor':
        return [
          {
            kind: 'actor',
            session: this.#session,
            t,
            actor,
            parent: this.#name(ref._parent, event.rootId, root),
            machine: ref.logic?.id,
          },
        ];
      case '@xstate.snapshot':
        return this.#snapshot(event, t, actor);
      case '@xstate.event':
        return this.#event(event, t, actor);
      case '@xstate.action':
        return this.#action(event, t, actor);
      default:
        return [];
    }
  }

  /** An actor's new state; the connection's context is not shown, the authorization's in part. */
  #snapshot(
    event: InspectionEvent & { type: '@xstate.snapshot' },
    t: number,
    actor: string,
  ): InspectorRecord[] {
    const snapshot = event.snapshot as { value?: unknown; status?: unknown; context?: unknown };
    if (snapshot.value === undefined) return [];
    return [
      {
        kind: 'snapshot',
        session: this.#session,
        t,
        actor,
        value: sanitize(snapshot.value),
        status: String(snapshot.status),
        event: String(event.event.type),
        context:
          actor === 'connection'
            ? null
            : actor === AUTHORIZATION
              ? authorizationContext(snapshot.context)
              : sanitize(snapshot.context, { maxString: 256 }),
      },
    ];
  }

  /** An event delivered: the dispatcher's `message` and `exception` get records of their own. */
  #event(
    event: InspectionEvent & { type: '@xstate.event' },
    t: number,
    actor: string,
  ): InspectorRecord[] {
    const session = this.#session;
    const e = event.event as { type: string; message?: unknown; error?: unknown };
    if (actor === 'dispatcher' && e.type === 'message') {
      return [{ kind: 'message', session, t, direction: 'in', message: sanitize(e.message) }];
    }
    if (actor === 'dispatcher' && e.type === 'exception') {
      return [{ kind: 'exception', session, t, error: sanitize(e.error) }];
    }
    if (e.type === 'result' && 'result' in e) {
      return [{ kind: 'event', session, t, actor, event: { type: 'result' } }];
    }
    return [{ kind: 'event', session, t, actor, event: sanitize(e, { maxString: 512 }) }];
  }

  /** An action: the dispatcher's `diagnostic`, and `write` (a message out); no other. */
  #action(
    event: InspectionEvent & { type: '@xstate.action' },
    t: number,
    actor: string,
  ): InspectorRecord[] {
    const session = this.#session;
    const action = event.action as {
      type?: string;
      params?: { message?: unknown; diagnostic?: unknown };
    };
    if (action.type === 'diagnostic' && actor === 'dispatcher') {
      const d = (action.params?.diagnostic ?? {}) as {
        code?: unknown;
        message?: unknown;
        payload?: unknown;
      };
      return [
        {
          kind: 'diagnostic',
          session,
          t,
          code: String(d.code),
          message: sanitize(String(d.message)) as string,
          payload: d.payload === undefined ? null : sanitize(d.payload),
        },
      ];
    }
    if (action.type === 'write' && action.params?.message !== undefined) {
      return [
        { kind: 'message', session, t, direction: 'out', message: sanitize(action.params.message) },
      ];
    }
    return [];
  }
}
