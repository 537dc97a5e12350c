/**
 * What the fuzz run sends, as fast-check arbitraries of frame *specifications*, and how a
 * specification becomes bytes. A specification names its targets by index ("the 3rd request in
 * flight"), so that one seed gives the same frames whatever ids the session issued; the renderer
 * resolves the indices against what the client actually wrote.
 */
import fc from 'fast-check';
import type { Corpus, Json } from './corpus.js';

/** A change to a JSON value, at the node `at` (pre-order index, modulo the number of nodes). */
export type Mutation =
  | { readonly op: 'replace'; readonly at: number; readonly value: Json }
  | { readonly op: 'remove'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly key: string; readonly value: Json }
  | { readonly op: 'huge'; readonly at: number; readonly literal: number }
  | { readonly op: 'wrap'; readonly at: number; readonly asArray: boolean }
  | { readonly op: 'splice'; readonly at: number; readonly fragment: number };

/** A change to the bytes of a rendered message. `at` is a fraction of its length. */
export interface TextEdit {
  readonly op: 'flip' | 'insert' | 'delete' | 'truncate' | 'newline' | 'duplicate';
  readonly at: number;
  readonly length: number;
  readonly byte: number;
}

/** The shapes of 100,000-deep values. */
export const DEEP_SHAPES = [
  'arrays',
  'objects',
  'in-result',
  'in-params',
  'in-request',
  'unbalanced',
  'in-batch',
] as const;
export type DeepShape = (typeof DEEP_SHAPES)[number];

export type IdMode = 'fresh' | 'fresh-string' | 'duplicate' | 'weird';

export type Body =
  /** An answer to a request the client wrote: a result (or error) from the corpus. */
  | {
      readonly kind: 'reply';
      readonly target: number;
      readonly pick: number;
      readonly asError: boolean;
      readonly stringId: boolean;
      readonly mutations: readonly Mutation[];
    }
  /** A notification from the corpus, aimed (progress token, request id, subscription…) at `target`. */
  | {
      readonly kind: 'notification';
      readonly pick: number;
      readonly target: number;
      readonly mutations: readonly Mutation[];
    }
  /** A request from the corpus, sent by the server, with an id made as `idMode` says. */
  | {
      readonly kind: 'request';
      readonly pick: number;
      readonly idMode: IdMode;
      readonly target: number;
      readonly mutations: readonly Mutation[];
    }
  /** Hand-written hostile messages (`__proto__`, `constructor`, ids that name Object members). */
  | { readonly kind: 'hostile'; readonly pick: number; readonly target: number }
  /** Any JSON value. */
  | { readonly kind: 'json'; readonly value: Json }
  /** An object with some of the message keys, each of any JSON value. */
  | { readonly kind: 'shaped'; readonly value: Json }
  /** Random bytes. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  /** A random string. */
  | { readonly kind: 'text'; readonly text: string }
  /** A corpus message whose bytes were then edited. */
  | { readonly kind: 'edited'; readonly base: Body; readonly edits: readonly TextEdit[] }
  /** A JSON-RPC batch. */
  | { readonly kind: 'batch'; readonly items: readonly Body[] }
  /** A 100,000-deep value. */
  | { readonly kind: 'deep'; readonly shape: DeepShape; readonly target: number };

/** What the session does between frames. */
export type After =
  | { readonly kind: 'none' }
  | { readonly kind: 'microtasks'; readonly count: number }
  | { readonly kind: 'macrotask' }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'abort'; readonly target: number }
  | { readonly kind: 'call'; readonly call: CallSpec };

export interface Frame {
  readonly body: Body;
  /** The line end: `''` leaves the line open, so the next frame runs into it. */
  readonly lineEnd: '\n' | '\r\n' | '' | '\n\n';
  /** Cut points, as fractions of the bytes pending: each is a chunk boundary. */
  readonly cuts: readonly number[];
  /** Keep the bytes for the next frame's chunks (frames coalesce into one chunk). */
  readonly hold: boolean;
  readonly after: After;
}

/** A call the client makes: which method (index into the engine's table) and with what options. */
export interface CallSpec {
  readonly method: number;
  readonly timeout: 'default' | 'short' | 'long' | 'none';
  readonly signal: boolean;
  readonly progress: boolean;
  readonly resetOnProgress: boolean;
  readonly maxTotal: boolean;
}

export type CallbackBehaviour = 'ok' | 'invalid' | 'throw' | 'reject' | 'hang' | 'later';

export interface EpisodePlan {
  readonly frames: number;
  readonly inspect: boolean;
  /** A 64 KiB cap on messages instead of the default 32 MiB (deep frames then pass it). */
  readonly smallCap: boolean;
  readonly cache: boolean;
  /** The message handler throws now and then (and returns a rejected promise). */
  readonly throwingHandlers: boolean;
  readonly callbacks: readonly CallbackBehaviour[];
  readonly calls: readonly CallSpec[];
  /** Where the episode's deep frame goes, as a fraction of its frames. */
  readonly deepAt: number;
  readonly deepShape: number;
  /** Fake milliseconds to advance before close. */
  readonly settleMs: number;
  /** After connecting, every n-th write of the client fails (thrown or rejected); 0 for none. */
  readonly failWrites: number;
  /** The server hangs up after this fraction of the frames; undefined for never. */
  readonly hangupAt: number | undefined;
}

// ------------------------------------------------------------------------------------------------
// Arbitraries

const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'jsonrpc',
  'id',
  'method',
  'params',
  'result',
  'error',
  '_meta',
  'progressToken',
  'resultType',
  'nextCursor',
  'content',
  'type',
];

/** Number literals JSON.parse takes but JavaScript numbers cannot hold exactly, or at all. */
export const HUGE_LITERALS = [
  '1e400',
  '-1e400',
  '123456789012345678901234567890123456789',
  '9007199254740993',
  '-9007199254740993',
  '1e-400',
  '-0',
  '1.7976931348623157e308',
  '5e-324',
  `1${'0'.repeat(400)}`,
  '9'.repeat(10_000),
  '0.1e-99999999',
];

const at = fc.nat({ max: 10_000 });
const smallJson = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: smallJson }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), at }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at,
      key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
      value: smallJson,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('huge' as const),
      at,
      literal: fc.nat({ max: HUGE_LITERALS.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wrap' as const), at, asArray: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('splice' as const), at, fragment: fc.nat() }),
  },
);

/** Mostly none: most frames are valid messages, so that the session gets deep into its states. */
const mutations = fc.oneof(
  { weight: 5, arbitrary: fc.constant([] as Mutation[]) },
  { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) },
);

const reply = fc.record({
  kind: fc.constant('reply' as const),
  target: fc.nat(),
  pick: fc.nat(),
  asError: fc.boolean(),
  stringId: fc.nat({ max: 9 }).map((n) => n === 0),
  mutations,
});

const notification = fc.record({
  kind: fc.constant('notification' as const),
  pick: fc.nat(),
  target: fc.nat(),
  mutations,
});

const request = fc.record({
  kind: fc.constant('request' as const),
  pick: fc.nat(),
  idMode: fc.constantFrom<IdMode>('fresh', 'fresh', 'fresh', 'fresh-string', 'duplicate', 'weird'),
  target: fc.nat(),
  mutations,
});

const messageKeys = {
  jsonrpc: fc.oneof(fc.constant('2.0'), smallJson),
  id: fc.oneof(fc.nat({ max: 50 }), fc.string({ maxLength: 4 }), smallJson),
  method: fc.oneof(
    fc.constantFrom(
      'ping',
      'notifications/progress',
      'notifications/cancelled',
      'notifications/message',
      'sampling/createMessage',
      'elicitation/create',
      'roots/list',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 12 }),
  ),
  params: smallJson,
  result: smallJson,
  error: fc.oneof(
    fc.record({ code: fc.integer(), message: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }),
    smallJson,
  ),
};

const structured = fc.oneof(
  { weight: 40, arbitrary: reply },
  { weight: 22, arbitrary: notification },
  { weight: 10, arbitrary: request },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('hostile' as const),
      pick: fc.nat(),
      target: fc.nat(),
    }),
  },
);

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 75, arbitrary: structured },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('json' as const), value: smallJson }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('shaped' as const),
      value: fc.record(messageKeys, { requiredKeys: [] }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      bytes: fc.uint8Array({ maxLength: 400 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      text: fc.string({ unit: 'binary', maxLength: 200 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('edited' as const),
      base: structured,
      edits: fc.array(
        fc.record({
          op: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'newline', 'duplicate'),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          length: fc.nat({ max: 16 }),
          byte: fc.nat({ max: 255 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      items: fc.array(structured, { maxLength: 6 }),
    }),
  },
);

const callSpec: fc.Arbitrary<CallSpec> = fc.record({
  method: fc.nat(),
  timeout: fc.constantFrom('default', 'short', 'long', 'none'),
  signal: fc.boolean(),
  progress: fc.boolean(),
  resetOnProgress: fc.boolean(),
  maxTotal: fc.nat({ max: 4 }).map((n) => n === 0),
});

const after: fc.Arbitrary<After> = fc.oneof(
  { weight: 50, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 25,
    arbitrary: fc.record({
      kind: fc.constant('microtasks' as const),
      count: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 8, arbitrary: fc.constant({ kind: 'macrotask' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 50, 500, 5_000, 40_000),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('abort' as const), target: fc.nat() }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('call' as const), call: callSpec }) },
);

/** One frame: what it is, how it is cut into chunks, and what happens after it. */
export const frameArbitrary: fc.Arbitrary<Frame> = fc.record({
  body,
  lineEnd: fc.constantFrom<Frame['lineEnd']>(
    ...Array<'\n'>(16).fill('\n'),
    '\r\n',
    '\r\n',
    '',
    '\n\n',
  ),
  cuts: fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as number[]) },
    {
      weight: 2,
      arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
    },
  ),
  hold: fc.nat({ max: 5 }).map((n) => n === 0),
  after,
});

/** One episode: one session, its options, the calls it starts with, and how many frames it gets. */
export const episodeArbitrary: fc.Arbitrary<EpisodePlan> = fc.record({
  frames: fc.integer({ min: 200, max: 1_500 }),
  inspect: fc.nat({ max: 5 }).map((n) => n === 0),
  smallCap: fc.nat({ max: 7 }).map((n) => n === 0),
  cache: fc.boolean(),
  throwingHandlers: fc.nat({ max: 3 }).map((n) => n === 0),
  callbacks: fc.array(
    fc.constantFrom<CallbackBehaviour>('ok', 'invalid', 'throw', 'reject', 'hang', 'later'),
    {
      minLength: 1,
      maxLength: 6,
    },
  ),
  calls: fc.array(callSpec, { minLength: 1, maxLength: 10 }),
  deepAt: fc.double({ min: 0, max: 1, noNaN: true }),
  deepShape: fc.nat({ max: DEEP_SHAPES.length - 1 }),
  settleMs: fc.constantFrom(0, 0, 100, 100_000),
  failWrites: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 20 }) },
  ),
  hangupAt: fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  ),
});

// ------------------------------------------------------------------------------------------------
// Rendering

/** What the client has in flight, as the renderer aims at it. */
export interface Targets {
  /** Requests the client wrote, newest last (some may have settled since). */
  readonly requests: readonly { readonly id: string | number; readonly method: string }[];
  /** Progress tokens the client gave. */
  readonly tokens: readonly (string | number)[];
  /** Ids of `subscriptions/listen` requests. */
  readonly listens: readonly (string | number)[];
  /** Ids of server requests not yet answered. */
  readonly serverRequests: readonly (string | number)[];
  /** `elicitationId`s of URL elicitations the server sent. */
  readonly elicitations: readonly string[];
  /** The next fresh id of a server request. */
  nextServerId(): number;
}

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

export const DEEP_DEPTH = 100_000;

type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** Sets an own property, `__proto__` included (an assignment to `__proto__` would set the prototype). */
function define(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A deep copy that keeps own `__proto__` keys as keys. */
function copy(value: Json): Json {
  if (Array.isArray(value)) return value.map(copy);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) define(out, key, copy(value[key] as Json));
  return out;
}

const HUGE_MARK = '\u0001HUGE';

/** The nodes of a value, pre-order, as (holder, key) pairs, at most `limit` of them. */
function nodes(holder: JsonObject, limit: number): [JsonObject | Json[], string | number][] {
  const out: [JsonObject | Json[], string | number][] = [[holder, 'root']];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    const [h, k] = out[i] as [JsonObject | Json[], string | number];
    const v = (h as Record<string | number, Json>)[k];
    if (Array.isArray(v)) v.forEach((_, j) => out.push([v, j]));
    else if (isObject(v)) for (const key of Object.keys(v)) out.push([v, key]);
  }
  return out;
}

/** Applies mutations to a copy of `value`. */
export function mutate(value: Json, ms: readonly Mutation[], corpus: Corpus): Json {
  if (ms.length === 0) return value;
  const holder: JsonObject = { root: copy(value) };
  for (const m of ms) {
    const all = nodes(holder, 400);
    const [h, k] = all[m.at % all.length] as [JsonObject | Json[], string | number];
    const current = (h as Record<string | number, Json>)[k] as Json;
    const set = (v: Json): void => {
      if (Array.isArray(h)) h[k as number] = v;
      else define(h, k as string, v);
    };
    switch (m.op) {
      case 'replace':
        set(m.value);
        break;
      case 'remove':
        if (Array.isArray(h)) h.splice(k as number, 1);
        else if (h !== holder) delete h[k as string];
        else set(null);
        break;
      case 'insert':
        if (isObject(current)) define(current, m.key, m.value);
        else if (Array.isArray(current)) current.push(m.value);
        else set({ [m.key]: current });
        break;
      case 'huge':
        set(`${HUGE_MARK}${m.literal}\u0001`);
        break;
      case 'wrap':
        set(m.asArray ? [current] : { value: current });
        break;
      case 'splice':
        set(copy(pick(corpus.fragments, m.fragment) ?? null));
        break;
    }
  }
  return holder.root as Json;
}

const HUGE_PATTERN = /"\\u0001HUGE(\d+)\\u0001"/g;

/** JSON text, with huge-number marks turned into the literals they stand for. */
export function stringify(value: Json): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.includes('\\u0001HUGE')
    ? text.replace(HUGE_PATTERN, (_, i: string) => HUGE_LITERALS[Number(i)] ?? '0')
    : text;
}

/** A weird request id: not a string nor an integer, or one that names an Object member. */
const WEIRD_IDS: readonly Json[] = [
  null,
  1.5,
  -1,
  {},
  [],
  true,
  '',
  '__proto__',
  'constructor',
  `${HUGE_MARK}0\u0001`,
  `${HUGE_MARK}2\u0001`,
];

/** Aims a notification's params at something the client has in flight. */
function aim(message: JsonObject, target: number, t: Targets): void {
  if (target % 5 === 0) return; // now and then, left as the corpus has it
  const params = message.params;
  if (!isObject(params)) return;
  if ('progressToken' in params) {
    const token = pick(t.tokens, target);
    if (token !== undefined) params.progressToken = token;
  }
  if ('requestId' in params) {
    const id = pick(t.serverRequests, target) ?? pick(t.listens, target);
    if (id !== undefined) params.requestId = id;
  }
  if ('elicitationId' in params) {
    const id = pick(t.elicitations, target);
    if (id !== undefined) params.elicitationId = id;
  }
  const meta = params._meta;
  if (isObject(meta) && SUBSCRIPTION_ID in meta) {
    const id = pick(t.listens, target);
    if (id !== undefined) meta[SUBSCRIPTION_ID] = id;
  }
}

/** The hand-written hostile messages; `$ID` is a request in flight, `$SID` a fresh server id. */
const HOSTILE: readonly string[] = [
  '{"jsonrpc":"2.0","id":$ID,"result":{"__proto__":{"polluted":true},"tools":[],"content":[]}}',
  '{"jsonrpc":"2.0","id":$ID,"result":{"constructor":{"prototype":{"polluted":true}},"tools":[{"name":"__proto__","inputSchema":{"type":"object","properties":{"__proto__":{"type":"string"}}}}]}}',
  '{"jsonrpc":"2.0","id":$ID,"error":{"code":-32603,"message":"x","data":{"__proto__":{"polluted":true}}}}',
  '{"jsonrpc":"2.0","method":"__proto__","id":$SID}',
  '{"jsonrpc":"2.0","method":"constructor","id":$SID,"params":{"__proto__":{"polluted":true}}}',
  '{"jsonrpc":"2.0","method":"toString","params":{}}',
  '{"jsonrpc":"2.0","method":"hasOwnProperty","id":"hasOwnProperty"}',
  '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"__proto__","progress":1}}',
  '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"constructor","progress":{"__proto__":1}}}',
  '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"constructor"}}',
  '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"__proto__","reason":{"__proto__":{"polluted":true}}}}',
  '{"__proto__":{"jsonrpc":"2.0","method":"ping","id":1}}',
  '{"__proto__":{"polluted":true},"jsonrpc":"2.0","method":"ping","id":$SID}',
  '{"jsonrpc":"2.0","id":"__proto__","result":{}}',
  '{"jsonrpc":"2.0","id":"constructor","error":{"code":1,"message":"x"}}',
  '{"jsonrpc":"2.0","id":"toString","result":{"__proto__":null}}',
  '{"constructor":{"prototype":{"polluted":true}},"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":{"__proto__":{"polluted":true}}}}',
  '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"__proto__","logger":"constructor","data":null}}',
  '{"jsonrpc":"2.0","method":"elicitation/create","id":$SID,"params":{"mode":"form","message":"m","requestedSchema":{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}}}}}',
  '{"jsonrpc":"2.0","method":"elicitation/create","id":$SID,"params":{"mode":"__proto__","message":"m"}}',
  '{"jsonrpc":"2.0","method":"elicitation/create","id":$SID,"params":{"mode":"url","url":"https://example.com","message":"m","elicitationId":"__proto__"}}',
  '{"jsonrpc":"2.0","method":"notifications/elicitation/complete","params":{"elicitationId":"__proto__"}}',
  '{"jsonrpc":"2.0","method":"sampling/createMessage","id":$SID,"params":{"__proto__":{"messages":[]},"maxTokens":1}}',
  '{"jsonrpc":"2.0","method":"roots/list","id":$SID,"params":{"_meta":{"__proto__":{"progressToken":1}}}}',
  '{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"__proto__"},"notifications":{"__proto__":{"x":1}}}}',
  '{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":$ID}}}',
  '{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"__proto__"}}',
  '[{"__proto__":[]},{"jsonrpc":"2.0","method":"constructor"}]',
];

export interface Renderer {
  /** The frame's bytes, without its line end. */
  render(body: Body): Uint8Array;
}

const encoder = new TextEncoder();

export function createRenderer(corpus: Corpus, targets: Targets): Renderer {
  const requestTarget = (target: number): { id: string | number; method: string } | undefined => {
    const list = targets.requests;
    if (list.length === 0) return undefined;
    // Mostly the newest few, which are likelier to be still in flight.
    const window = Math.min(list.length, target % 3 === 0 ? list.length : 8);
    return list[list.length - 1 - (target % window)];
  };
  const serverId = (mode: IdMode, target: number): Json => {
    switch (mode) {
      case 'fresh':
        return targets.nextServerId();
      case 'fresh-string':
        return `s-${targets.nextServerId()}`;
      case 'duplicate':
        return pick(targets.serverRequests, target) ?? targets.nextServerId();
      case 'weird':
        return pick(WEIRD_IDS, target) ?? null;
    }
  };
  const value = (b: Body): Json => {
    switch (b.kind) {
      case 'reply': {
        const to = requestTarget(b.target);
        const id: Json = to === undefined ? b.target % 7 : b.stringId ? String(to.id) : to.id;
        // One frame in six is an error answer; the rest results, of the method when known.
        if (b.asError && b.pick % 3 === 0) {
          const error = pick(corpus.errors, b.pick) ?? { code: -32603, message: 'x' };
          return mutate({ jsonrpc: '2.0', id, error }, b.mutations, corpus);
        }
        const own = to === undefined ? undefined : corpus.results.get(to.method);
        const results = own !== undefined && b.pick % 4 !== 0 ? own : corpus.anyResult;
        const result = pick(results, b.pick) ?? {};
        return mutate({ jsonrpc: '2.0', id, result }, b.mutations, corpus);
      }
      case 'notification': {
        const seed = pick(corpus.notifications, b.pick);
        if (seed === undefined) return null;
        const message = copy(seed.message) as JsonObject;
        aim(message, b.target, targets);
        return mutate(message, b.mutations, corpus);
      }
      case 'request': {
        const seed = pick(corpus.requests, b.pick);
        if (seed === undefined) return null;
        const message = copy(seed.message) as JsonObject;
        message.id = serverId(b.idMode, b.target);
        const params = message.params;
        if (message.method === 'elicitation/create' && isObject(params) && params.mode === 'url') {
          params.elicitationId = `e-${b.target % 64}`;
        }
        return mutate(message, b.mutations, corpus);
      }
      case 'json':
      case 'shaped':
        return b.value;
      case 'batch':
        return b.items.map(value);
      default:
        return null;
    }
  };
  const text = (b: Body): string => {
    if (b.kind === 'hostile') {
      const template = pick(HOSTILE, b.pick) ?? '{}';
      const to = requestTarget(b.target);
      return template
        .replaceAll('$ID', JSON.stringify(to?.id ?? 0))
        .replaceAll('$SID', String(targets.nextServerId()));
    }
    return stringify(value(b));
  };
  const deep = (shape: DeepShape, target: number): string => {
    const n = DEEP_DEPTH;
    const arrays = `${'['.repeat(n)}${']'.repeat(n)}`;
    const objects = `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const to = requestTarget(target);
    const id = JSON.stringify(to?.id ?? 0);
    switch (shape) {
      case 'arrays':
        return arrays;
      case 'objects':
        return objects;
      case 'in-result':
        return `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"x"}],"structuredContent":${objects},"tools":${arrays},"_meta":${objects}}}`;
      case 'in-params':
        return target % 2 === 0
          ? `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":${arrays}}}`
          : `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${JSON.stringify(pick(targets.tokens, target) ?? 0)},"progress":1,"message":${objects}}}`;
      case 'in-request':
        return `{"jsonrpc":"2.0","id":${targets.nextServerId()},"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":${objects}}],"maxTokens":1,"_meta":${arrays}}}`;
      case 'unbalanced':
        return '['.repeat(n);
      case 'in-batch':
        return `[{"jsonrpc":"2.0","method":"notifications/tools/list_changed"},${arrays},{"jsonrpc":"2.0","id":${id},"result":${objects}}]`;
    }
  };
  const edit = (bytes: Uint8Array, edits: readonly TextEdit[]): Uint8Array => {
    let out = bytes;
    for (const e of edits) {
      const i = Math.min(out.length, Math.floor(e.at * out.length));
      switch (e.op) {
        case 'flip': {
          if (out.length === 0) break;
          const copyOf = out.slice();
          const j = Math.min(i, copyOf.length - 1);
          copyOf[j] = (copyOf[j] as number) ^ (1 << (e.byte % 8));
          out = copyOf;
          break;
        }
        case 'insert':
          out = concat([
            out.subarray(0, i),
            Uint8Array.from({ length: e.length + 1 }, (_, k) => (e.byte + k * 97) % 256),
            out.subarray(i),
          ]);
          break;
        case 'delete':
          out = concat([out.subarray(0, i), out.subarray(i + e.length + 1)]);
          break;
        case 'truncate':
          out = out.subarray(0, i);
          break;
        case 'newline':
          out = concat([out.subarray(0, i), Uint8Array.of(0x0a), out.subarray(i)]);
          break;
        case 'duplicate':
          out = concat([out.subarray(0, i + e.length), out.subarray(i)]);
          break;
      }
    }
    return out;
  };
  return {
    render(b: Body): Uint8Array {
      switch (b.kind) {
        case 'bytes':
          return b.bytes;
        case 'text':
          return encoder.encode(b.text);
        case 'deep':
          return encoder.encode(deep(b.shape, b.target));
        case 'edited':
          return edit(encoder.encode(text(b.base)), b.edits);
        default:
          return encoder.encode(text(b));
      }
    },
  };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
