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

/**
 * Names whose values never leave the process, compared as {@link keyName} writes them (lower case,
 * without `-`, `_`, `.` or spaces): `Authorization`, `proxy-authorization`, `Cookie`, `set-cookie`,
 * `DPoP`; a token by its name (`token`, `access_token`, `accessToken`, `refresh_token`,
 * `id_token`, `subject_token`, …, not `progressToken` or `maxTokens`); client secrets, passwords,
 * API keys (`api_key`, `apiKey`, `x-api-key`), private keys, PKCE verifiers and client
 * assertions. Matched whole, never as a part of a longer name.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  'dpop',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'authtoken',
  'xauthtoken',
  'sessiontoken',
  'subjecttoken',
  'actortoken',
  'registrationaccesstoken',
  'devicecode',
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'apikey',
  'xapikey',
  'privatekey',
  'sessionkey',
  'credential',
  'credentials',
  'codeverifier',
  'verifier',
  'assertion',
  'clientassertion',
]);

/**
 * Endings that make a longer name secret too: a credential named for what it is for
 * (`OPENAI_API_KEY`, `github_client_secret`, `db_password`, `x-goog-api-key`, `GITHUB_TOKEN`,
 * `slackBotToken`). Each is a credential on its own; a name that ends in `token` and is not one
 * is listed in {@link NOT_CREDENTIALS}.
 */
const SECRET_ENDINGS: readonly string[] = ['apikey', 'secret', 'password', 'token', 'privatekey'];

/**
 * Names with a secret ending that are no credentials: the protocol's `progressToken`, and the
 * page tokens of paginated APIs (`pageToken`, `nextPageToken`, …), which only say where a list
 * goes on.
 */
const NOT_CREDENTIALS: ReadonlySet<string> = new Set([
  'progresstoken',
  'pagetoken',
  'nextpagetoken',
  'prevpagetoken',
  'previouspagetoken',
  'nexttoken',
  'continuationtoken',
]);

/** A key as {@link SECRET_NAMES} lists it: lower case, without separators. */
const keyName = (key: string): string => key.toLowerCase().replace(/[-_.\s]/g, '');

/** Whether the value under `key` is a credential, by the key's exact name (see SECRET_NAMES). */
function isSecretKey(key: string): boolean {
  const name = keyName(key);
  if (SECRET_NAMES.has(name)) return true;
  return !NOT_CREDENTIALS.has(name) && SECRET_ENDINGS.some((ending) => name.endsWith(ending));
}

/**
 * Credentials that can hide inside a string (an error message that quotes a URL or a header):
 * a JWT, the credential of an `Authorization` value (`Bearer …`, `DPoP …`, `Basic …`, not an
 * auth-param such as `error="…"`), and the value of a URL's (or a form's) credential parameters
 * after `?`, `&` or `#` (`code=`, `access_token=`, `client_secret=`, …; not `exit code=1`).
 */
const JWT_IN_TEXT = /\beyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*/g;
const CREDENTIAL_IN_TEXT = /\b(bearer|dpop|basic)(\s+)(?![\w-]+=")[\w.~+/-]{16,}=*/gi;
const PARAMETER_IN_TEXT =
  /([?&#])(code|access_token|refresh_token|id_token|token|client_secret|code_verifier|assertion|client_assertion|subject_token|actor_token|device_code|password|api_key)=[^&#\s"'<>]+/gi;

/** `text` with the credentials it quotes replaced by `[redacted]`. */
function scrub(text: string): string {
  return text
    .replace(JWT_IN_TEXT, '[redacted]')
    .replace(CREDENTIAL_IN_TEXT, '$1$2[redacted]')
    .replace(PARAMETER_IN_TEXT, '$1$2=[redacted]');
}

export interface SanitizeLimits {
  /** Longest string kept, in characters; longer ones are cut with a note. Default 4 096. */
  readonly maxString?: number;
  /** Most array items or object keys kept. Default 200. */
  readonly maxItems?: number;
  /** Deepest nesting kept. Default 12. */
  readonly maxDepth?: number;
}

/**
 * A plain JSON copy of `value` that is safe to show: values under credential names
 * (`authorization`, `cookie`, `set-cookie`, `access_token`, `refreshToken`, `client_secret`,
 * `password`, `api_key`, `x-api-key`, …, matched whole and in any case; see {@link isSecretKey})
 * are replaced by `"[redacted]"` at any depth (and so are the values of `[name, value]` pairs,
 * headers as `fetch` takes them), and so are credentials quoted inside strings (a
 * JWT, `Bearer …`, a URL's `code=` or `access_token=`); functions and symbols are dropped,
 * errors become `{ name, message, code }`, cycles are cut, and strings, arrays, objects and
 * depth are bounded.
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
          ? `${scrub(v.slice(0, maxString))}… (${v.length - maxString} more characters)`
          : scrub(v);
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
        // A header or an entry as a pair (`[['Authorization', 'Bearer …']]`, `Object.entries`).
        const [name, item] = object as unknown[];
        if (object.length === 2 && typeof name === 'string' && isSecretKey(name)) {
          if (item !== undefined && item !== null) return [name, '[redacted]'];
        }
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
        if (isSecretKey(key) && item !== undefined && item !== null) {
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

type TargetLike = string | { id: string };
type GuardLike = string | { type?: string; params?: unknown } | undefined;

interface DefinitionNode {
  id: string;
  key: string;
  type: string;
  description?: string;
  initial?: { target?: readonly TargetLike[] };
  transitions?: readonly { eventType: string; target?: readonly TargetLike[]; guard?: GuardLike }[];
}

/** A machine's state node: its definition, its eventless transitions, its children. */
interface StateNodeLike {
  readonly definition: DefinitionNode;
  /** Eventless transitions (`always`), which the definition leaves out. */
  readonly always?: readonly { target?: readonly TargetLike[]; guard?: GuardLike }[];
  readonly states: Readonly<Record<string, StateNodeLike>>;
}

const idOfTarget = (t: TargetLike): string => (typeof t === 'string' ? t.replace(/^#/, '') : t.id);

/** A guard's name, with its parameters when they are a plain value: `modeIs(pinned)`. */
function guardName(guard: GuardLike): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (guard.type === undefined) return undefined;
  const p = guard.params;
  return typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean'
    ? `${guard.type}(${String(p)})`
    : guard.type;
}

const transitionOf = (
  event: string,
  t: { target?: readonly TargetLike[]; guard?: GuardLike },
): StateShape['transitions'][number] => {
  const guard = guardName(t.guard);
  return {
    event,
    targets: (t.target ?? []).map(idOfTarget),
    ...(guard === undefined ? {} : { guard }),
  };
};

/**
 * The shape of a machine's states and transitions, from its definition (nothing hand-drawn).
 * Eventless transitions (`always`) are listed under the event `(always)`; a guard with a plain
 * parameter is named with it (`modeIs(pinned)`).
 */
export function describeMachine(machine: AnyStateMachine): StateShape {
  const walk = (node: StateNodeLike): StateShape => {
    const d = node.definition;
    const initial = d.initial?.target?.[0];
    return {
      id: d.id,
      key: d.key,
      type: d.type,
      initial: initial === undefined ? undefined : idOfTarget(initial),
      description: d.description,
      transitions: [
        ...(d.transitions ?? []).map((t) => transitionOf(t.eventType, t)),
        ...(node.always ?? []).map((t) => transitionOf('(always)', t)),
      ],
      states: Object.values(node.states).map(walk),
    };
  };
  return walk(machine.root as unknown as StateNodeLike);
}

// ------------------------------------------------------------------------------------------------
// From inspection events to records.

interface RefLike {
  id?: string;
  sessionId?: string;
  logic?: { id?: string };
  _parent?: RefLike;
}

/** The machine id of the OAuth client's actor (`authorizationMachine`). */
const AUTHORIZATION = 'authorization';

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
    const session = this.#session;
    const t = this.#now();
    const root = this.#rootName(event);
    const ref = event.actorRef as unknown as RefLike;
    const actor = this.#name(ref, event.rootId, root) ?? '?';
    switch (event.type) {
      case '@xstate.actor':
        return [
          {
            kind: 'actor',
            session,
            t,
            actor,
            parent: this.#name(ref._parent, event.rootId, root),
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
            context:
              actor === 'connection'
                ? null
                : actor === AUTHORIZATION
                  ? authorizationContext(snapshot.context)
                  : sanitize(snapshot.context, { maxString: 256 }),
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

// ------------------------------------------------------------------------------------------------
// The latest state of every live actor, kept apart from the history.

/** Steps of an actor's path kept (a long-lived authorization refreshes again and again). */
const PATH_KEPT = 100;
/** Actors of one session other than its roots kept at most; the oldest go first. */
const ACTORS_KEPT = 1000;

/** A record and its place in the order records were made. */
interface Numbered {
  readonly seq: number;
  readonly record: InspectorRecord;
}

/** What is kept of one actor. */
interface KeptActor {
  /** Whether it is a root of its session (`connection`, `authorization`): kept after it ends. */
  readonly root: boolean;
  /** The record of its start. */
  readonly start: Numbered | undefined;
  /** The snapshots that changed its state, oldest first: the path it took (the last `PATH_KEPT`). */
  readonly path: Numbered[];
  /** Its latest snapshot, when it is not the last step of the path (its context changed since). */
  latest: Numbered | undefined;
}

/**
 * The latest snapshot, the start and the path taken (bounded) of every live actor, kept apart
 * from the history of records so that a page opened after the history has dropped them still
 * shows where each actor is and how it got there. An actor is live from its start until a
 * snapshot says it is no longer active (done, stopped, failed); a session's roots (`connection`,
 * `authorization`, the actors without a parent) stay kept after that too, so a page shows how a
 * session ended. Records are numbered in the order they are given to {@link LiveActors.add}.
 */
export class LiveActors {
  /** By session, then by actor name, in the order they started. */
  readonly #sessions = new Map<string, Map<string, KeptActor>>();
  #seq = 0;

  /** How many records were added. */
  get count(): number {
    return this.#seq;
  }

  /** Notes one record (records must be added in the order they were made). */
  add(record: InspectorRecord): void {
    const seq = this.#seq++;
    if (record.kind !== 'actor' && record.kind !== 'snapshot') return;
    let actors = this.#sessions.get(record.session);
    if (actors === undefined) {
      actors = new Map();
      this.#sessions.set(record.session, actors);
    }
    if (record.kind === 'actor') {
      // Only machines have states to show.
      if (record.machine === undefined) return;
      actors.delete(record.actor);
      actors.set(record.actor, {
        root: record.parent === undefined,
        start: { seq, record },
        path: [],
        latest: undefined,
      });
      if (actors.size > ACTORS_KEPT) this.#forgetOldest(actors);
      return;
    }
    let kept = actors.get(record.actor);
    if (kept === undefined) {
      // A snapshot of an actor whose start came before this was made (or was not a record).
      const root = record.actor === 'connection' || record.actor === AUTHORIZATION;
      kept = { root, start: undefined, path: [], latest: undefined };
      actors.set(record.actor, kept);
      if (actors.size > ACTORS_KEPT) this.#forgetOldest(actors);
    }
    if (record.status !== 'active' && !kept.root) {
      actors.delete(record.actor);
      return;
    }
    const last = kept.path[kept.path.length - 1]?.record;
    if (last?.kind === 'snapshot' && JSON.stringify(last.value) === JSON.stringify(record.value)) {
      kept.latest = { seq, record };
      return;
    }
    kept.path.push({ seq, record });
    kept.latest = undefined;
    if (kept.path.length > PATH_KEPT) kept.path.splice(0, kept.path.length - PATH_KEPT);
  }

  /** Forgets the oldest actor that is not a root. */
  #forgetOldest(actors: Map<string, KeptActor>): void {
    for (const [name, kept] of actors) {
      if (kept.root) continue;
      actors.delete(name);
      return;
    }
  }

  /**
   * The kept records numbered below `seq` (those a history that starts at `seq` no longer
   * holds), in the order they were made: each live actor's start, the path it took and its
   * latest snapshot.
   */
  before(seq: number): InspectorRecord[] {
    const out: Numbered[] = [];
    for (const actors of this.#sessions.values()) {
      for (const kept of actors.values()) {
        for (const n of [kept.start, ...kept.path, kept.latest]) {
          if (n !== undefined && n.seq < seq) out.push(n);
        }
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map((n) => n.record);
  }
}
