import type { AnyStateMachine, InspectionEvent } from 'xstate';

/**
 * What the inspector sends to its page: XState inspection events turned into small, plain,
 * redacted records. Runtime-neutral: the Node server (src/node/inspector.ts) streams them, and a
 * test or another host can use them as they are.
 */

/** A JSON value with secrets removed, long strings cut and depth bounded. */
export type Sanitized =
  null | boolean | number | string | Sanitized[] | { [key: string]: Sanitized };

/**
 * One thing the inspector shows, as plain redacted JSON: an actor started, its new state, an
 * event it received, a JSON-RPC message in or out, or a stream exception. Every record names its
 * session and carries the time it was made (`t`, ms).
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
  /** An event delivered to an actor (JSON-RPC messages are `message` records instead). */
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
      readonly records: readonly InspectorRecord[];
      /** Records that happened before this page opened but are no longer kept. */
      readonly dropped: number;
    }
  | { readonly type: 'session'; readonly session: InspectedSession }
  | {
      readonly type: 'records';
      readonly records: readonly InspectorRecord[];
      /** Records this page missed since the last frame (it read too slowly, or the queue overflowed). */
      readonly dropped: number;
    };

/** Keys whose values never leave the process: credentials, tokens, cookies, keys. */
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|password|passwd|api[-_]?key|credential|private[-_]?key|session[-_]?key/i;

export interface SanitizeLimits {
  /** Longest string kept, in characters; longer ones are cut with a note. Default 4 096. */
  readonly maxString?: number;
  /** Most array items or object keys kept. Default 200. */
  readonly maxItems?: number;
  /** Deepest nesting kept. Default 12. */
  readonly maxDepth?: number;
}

/**
 * A plain JSON copy of `value` that is safe to show: values under secret-looking keys
 * (`authorization`, `*token*`, `*secret*`, `password`, `api_key`, `cookie`, …) are replaced by
 * `"[redacted]"`, functions and symbols are dropped, errors become `{ name, message, code }`,
 * cycles are cut, and strings, arrays, objects and depth are bounded.
 */
export function sanitize(value: unknown, limits: SanitizeLimits = {}): Sanitized {
  const maxString = limits.maxString ?? 4096;
  const maxItems = limits.maxItems ?? 200;
  const maxDepth = limits.maxDepth ?? 12;
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): Sanitized | undefined => {
    switch (typeof v) {
      case 'string':
        return v.length > maxString
          ? `${v.slice(0, maxString)}… (${v.length - maxString} more characters)`
          : v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return `${v}n`;
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    const object = v as object;
    if (seen.has(object)) return '[circular]';
    if (depth >= maxDepth) return '[…]';
    seen.add(object);
    try {
      if (object instanceof Error) return errorOf(object, (x) => walk(x, depth + 1));
      if (Array.isArray(object)) {
        const out: Sanitized[] = [];
        for (const item of object.slice(0, maxItems)) out.push(walk(item, depth + 1) ?? null);
        if (object.length > maxItems) out.push(`… (${object.length - maxItems} more items)`);
        return out;
      }
      if (ArrayBuffer.isView(object)) return `[${object.byteLength} bytes]`;
      const out: Record<string, Sanitized> = {};
      let count = 0;
      for (const key of Object.keys(object)) {
        if (count === maxItems) {
          out['…'] = `${Object.keys(object).length - maxItems} more keys`;
          break;
        }
        const item = (object as Record<string, unknown>)[key];
        if (SECRET_KEY.test(key) && item !== undefined && item !== null) {
          out[key] = '[redacted]';
          count++;
          continue;
        }
        const shown = walk(item, depth + 1);
        if (shown !== undefined) {
          out[key] = shown;
          count++;
        }
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };
  return walk(value, 0) ?? null;
}

function errorOf(error: Error, walk: (v: unknown) => Sanitized | undefined): Sanitized {
  const e = error as Error & { code?: unknown; data?: unknown; cause?: unknown };
  const out: Record<string, Sanitized> = { name: e.name, message: e.message };
  const code = walk(e.code);
  if (code !== undefined) out['code'] = code;
  const data = walk(e.data);
  if (data !== undefined) out['data'] = data;
  const cause = walk(e.cause);
  if (cause !== undefined) out['cause'] = cause;
  return out;
}

// ------------------------------------------------------------------------------------------------
// Machine definitions, for drawing statecharts.

/** A state of a machine, as the page draws it. */
export interface StateShape {
  /** The state's id, e.g. `connection.initializing.handshaking`. */
  readonly id: string;
  readonly key: string;
  readonly type: string;
  /** The id of the initial child state, for compound states. */
  readonly initial: string | undefined;
  readonly description: string | undefined;
  readonly transitions: readonly {
    readonly event: string;
    readonly targets: readonly string[];
    /** The guard's name, when the transition has one. */
    readonly guard?: string;
  }[];
  readonly states: readonly StateShape[];
}

interface DefinitionNode {
  id: string;
  key: string;
  type: string;
  description?: string;
  initial?: { target?: readonly (string | { id: string })[] };
  states?: Record<string, DefinitionNode>;
  transitions?: readonly {
    eventType: string;
    target?: readonly (string | { id: string })[];
    guard?: string | { type?: string };
  }[];
  always?: readonly { target?: readonly (string | { id: string })[] }[];
}

const idOfTarget = (t: string | { id: string }): string =>
  typeof t === 'string' ? t.replace(/^#/, '') : t.id;

/** The shape of a machine's states and transitions, from its definition (nothing hand-drawn). */
export function describeMachine(machine: AnyStateMachine): StateShape {
  const walk = (node: DefinitionNode): StateShape => ({
    id: node.id,
    key: node.key,
    type: node.type,
    initial:
      node.initial?.target !== undefined && node.initial.target.length > 0
        ? idOfTarget(node.initial.target[0] as string | { id: string })
        : undefined,
    description: node.description,
    transitions: [
      ...(node.transitions ?? []).map((t) => {
        const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
        return {
          event: t.eventType,
          targets: (t.target ?? []).map(idOfTarget),
          ...(guard === undefined ? {} : { guard }),
        };
      }),
      ...(node.always ?? []).map((t) => ({
        event: '(always)',
        targets: (t.target ?? []).map(idOfTarget),
      })),
    ],
    states: Object.values(node.states ?? {}).map(walk),
  });
  return walk(machine.definition as unknown as DefinitionNode);
}

// ------------------------------------------------------------------------------------------------
// From inspection events to records.

interface RefLike {
  id?: string;
  sessionId?: string;
  logic?: { id?: string };
  _parent?: RefLike;
}

/**
 * Turns one session's inspection events into records. The root actor (the connection) is named
 * `connection`; the others keep their ids (`dispatcher`, `request:3`, `inbound:1000`).
 */
export class RecordBuilder {
  readonly #session: string;
  readonly #now: () => number;
  #root: string | undefined;

  constructor(session: string, now: () => number = Date.now) {
    this.#session = session;
    this.#now = now;
  }

  #name(ref: RefLike | undefined): string | undefined {
    if (ref === undefined) return undefined;
    if (ref.sessionId !== undefined && ref.sessionId === this.#root) return 'connection';
    return ref.id ?? ref.sessionId;
  }

  /** The records for one inspection event (none for what the page does not show). */
  records(event: InspectionEvent): InspectorRecord[] {
    const session = this.#session;
    const t = this.#now();
    this.#root ??= event.rootId;
    const ref = event.actorRef as unknown as RefLike;
    const actor = this.#name(ref) ?? '?';
    switch (event.type) {
      case '@xstate.actor':
        return [
          {
            kind: 'actor',
            session,
            t,
            actor,
            parent: this.#name(ref._parent),
            machine: ref.logic?.id,
          },
        ];
      case '@xstate.snapshot': {
        const snapshot = event.snapshot as { value?: unknown; status?: unknown; context?: unknown };
        if (snapshot.value === undefined) return [];
        return [
          {
            kind: 'snapshot',
            session,
            t,
            actor,
            value: sanitize(snapshot.value),
            status: String(snapshot.status),
            event: String(event.event.type),
            context: actor === 'connection' ? null : sanitize(snapshot.context, { maxString: 256 }),
          },
        ];
      }
      case '@xstate.event': {
        const e = event.event as { type: string; message?: unknown; error?: unknown };
        if (actor === 'dispatcher' && e.type === 'message') {
          return [{ kind: 'message', session, t, direction: 'in', message: sanitize(e.message) }];
        }
        if (actor === 'dispatcher' && e.type === 'exception') {
          return [{ kind: 'exception', session, t, error: sanitize(e.error) }];
        }
        return [{ kind: 'event', session, t, actor, event: sanitize(e, { maxString: 512 }) }];
      }
      case '@xstate.action': {
        const action = event.action as { type?: string; params?: { message?: unknown } };
        if (action.type === 'write' && action.params?.message !== undefined) {
          return [
            {
              kind: 'message',
              session,
              t,
              direction: 'out',
              message: sanitize(action.params.message),
            },
          ];
        }
        return [];
      }
      default:
        return [];
    }
  }
}
