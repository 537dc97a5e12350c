/**
 * The fuzz run: inbound frames, through the newline framing (`createFramedTransport` over a byte
 * channel whose other end is this engine), into live sessions of every revision.
 *
 * The run is a sequence of episodes. Episode `n` opens one session of revision
 * `REVISIONS[n % 5]` (an `initialize` handshake, or `server/discover` on 2026-07-28, answered
 * properly), starts a few calls, then feeds it frames: corpus messages aimed at what the client
 * has in flight (answers to its requests, progress for its tokens, requests of the server's own,
 * cancellations of them), mutated or not; random JSON, random bytes, edited bytes, batches,
 * hostile `__proto__` / `constructor` messages, huge number literals; and one 100,000-deep value.
 * The bytes are cut into chunks at random points, and frames run into each other. Between frames
 * the session gets microtasks, a macrotask, fake time (which times requests out), an aborted
 * signal, or a new call. In some episodes the client's writes fail now and then (thrown or
 * rejected), or the server hangs up midway. Then the session is closed, and checked:
 *
 * - no crash: nothing threw out of the byte channel's sink or a timer, no uncaught exception, no
 *   unhandled rejection;
 * - every call the client made settled, and every callback the server's requests ran finished
 *   (those still waiting were aborted by the close);
 * - no actor left: no request or server request in flight in the dispatcher, the lifecycle actor
 *   done with no children, and (in inspected episodes) every actor the inspector saw stopped;
 * - no timer left on the session's clock, no listener left on a caller's signal;
 * - the transport closed once, and `Object.prototype` untouched.
 *
 * Everything random comes from fast-check, seeded: the seed and the frame count reproduce a run,
 * and the seed and an episode number reproduce one episode.
 */
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import {
  createClientSession,
  createFramedTransport,
  LineDecoder,
  loadSchemas,
  REVISIONS,
  type ByteChannel,
  type ByteSink,
  type CallOptions,
  type ClientSession,
  type Clock,
  type Revision,
  type Diagnostic,
  type SessionMessage,
} from '../../src/index.js';
import { loadCorpus, type Corpus } from './corpus.js';
import {
  concat,
  createRenderer,
  DEEP_SHAPES,
  episodeArbitrary,
  frameArbitrary,
  type After,
  type Body,
  type CallbackBehaviour,
  type CallSpec,
  type EpisodePlan,
  type Frame,
  type Targets,
} from './frames.js';

export interface FuzzOptions {
  /** The seed of the whole run (a 32-bit integer). */
  readonly seed: number;
  /** How many frames to feed in all. */
  readonly frames: number;
  /** Run only this episode (as numbered in the full run). */
  readonly episode?: number;
  /** Require the specification examples (else the recorded sessions alone may do). Default true. */
  readonly requireSpec?: boolean;
  /** Called after each episode. */
  readonly onEpisode?: (summary: EpisodeSummary, report: FuzzReport) => void;
}

export type FindingKind =
  | 'crash'
  | 'uncaught-exception'
  | 'unhandled-rejection'
  | 'unsettled-call'
  | 'unsettled-callback'
  | 'hang'
  | 'actor-left'
  | 'timer-left'
  | 'listener-left'
  | 'transport-not-closed'
  | 'prototype-polluted'
  | 'connect-failed';

export interface Finding {
  readonly kind: FindingKind;
  readonly episode: number;
  readonly revision: Revision;
  /** The frame being fed, or just fed, when it happened. */
  readonly frame: number;
  readonly detail: string;
}

export interface EpisodeSummary {
  readonly episode: number;
  readonly revision: Revision;
  readonly frames: number;
  readonly closedEarly: boolean;
  readonly findings: number;
}

export interface FuzzReport {
  readonly seed: number;
  frames: number;
  bytes: number;
  chunks: number;
  episodes: number;
  deepFrames: number;
  /** Sessions that closed before their frames ran out (the server hung up, or a stream broke). */
  closedEarly: number;
  /** Sessions whose server hung up. */
  hangups: number;
  readonly perRevision: Record<Revision, { episodes: number; frames: number }>;
  crashes: number;
  uncaughtExceptions: number;
  unhandledRejections: number;
  unsettledCalls: number;
  unsettledCallbacks: number;
  hangs: number;
  actorsLeft: number;
  timersLeft: number;
  listenersLeft: number;
  transportsNotClosed: number;
  prototypePollutions: number;
  connectFailures: number;
  /** The first findings in full (all are counted above). */
  readonly findings: Finding[];
  readonly calls: { started: number; resolved: number; readonly rejected: Record<string, number> };
  readonly callbacks: { run: number; aborted: number };
  readonly serverRequestsAnswered: { result: number; error: number };
  readonly messages: Record<string, number>;
  readonly corpus: { specExamples: number; recorded: number; specDir: string | undefined };
  durationMs: number;
}

const MAX_FINDINGS = 25;

/** A 32-bit mix (murmur3's finaliser): episode seeds from the run's seed. */
export function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The plan of episode `n` of a run. */
export function planOf(seed: number, n: number): EpisodePlan {
  return fc.sample(episodeArbitrary, { seed: mix(seed, 2 * n), numRuns: 1 })[0] as EpisodePlan;
}

/** A clock whose time moves only when told; counts its timers. */
class FakeClock implements Clock {
  #now = 0;
  #next = 0;
  readonly #timers = new Map<number, { due: number; callback: () => void }>();
  constructor(private readonly onThrow: (error: unknown) => void) {}
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let first: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].due <= end && (first === undefined || entry[1].due < first[1].due)) {
          first = entry;
        }
      }
      if (first === undefined) break;
      this.#timers.delete(first[0]);
      this.#now = Math.max(this.#now, first[1].due);
      try {
        first[1].callback();
      } catch (error) {
        this.onThrow(error);
      }
    }
    this.#now = end;
  }
}

/** The server's end of the byte channel: answers the handshake, records what the client wrote. */
class Peer implements ByteChannel, Targets {
  sink: ByteSink | undefined;
  closed = false;
  ends = 0;
  readonly requests: { id: string | number; method: string }[] = [];
  readonly tokens: (string | number)[] = [];
  readonly listens: (string | number)[] = [];
  readonly serverRequests: (string | number)[] = [];
  readonly elicitations: string[] = [];
  answered = { result: 0, error: 0 };
  #serverId = 0;
  readonly #decoder: LineDecoder;

  constructor(private readonly revision: Revision) {
    this.#decoder = new LineDecoder({
      message: (m) => this.#fromClient(m),
      error: () => {},
    });
  }

  nextServerId(): number {
    const id = ++this.#serverId;
    this.serverRequests.push(id);
    if (this.serverRequests.length > 64) this.serverRequests.shift();
    return id;
  }

  start(sink: ByteSink): void {
    this.sink = sink;
  }

  /** Every n-th write fails from now on (0: none); odd turns throw, even ones reject. */
  failEvery = 0;
  #writes = 0;

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.closed) throw new Error('The fuzz peer has closed.');
    if (this.failEvery > 0 && ++this.#writes % this.failEvery === 0) {
      const error = new Error('The fuzz peer refused a write.');
      if ((this.#writes / this.failEvery) % 2 === 1) throw error;
      return Promise.reject(error);
    }
    this.#decoder.push(chunk);
  }

  /** The server goes away: the channel ends with an error, unasked. */
  hangUp(): void {
    if (this.closed) return;
    this.closed = true;
    this.ends += 1;
    this.sink?.end(new Error('The fuzz peer hung up.'));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      queueMicrotask(() => {
        this.ends += 1;
        this.sink?.end();
      });
    }
    return Promise.resolve();
  }

  feed(chunk: Uint8Array): void {
    this.sink?.data(chunk);
  }

  #reply(id: unknown, result: unknown): void {
    const bytes = new TextEncoder().encode(`${JSON.stringify({ jsonrpc: '2.0', id, result })}\n`);
    queueMicrotask(() => {
      if (!this.closed) this.feed(bytes);
    });
  }

  #fromClient(raw: unknown): void {
    const m = raw as {
      id?: string | number;
      method?: string;
      params?: { _meta?: Record<string, unknown> };
      result?: unknown;
      error?: unknown;
    };
    if (typeof m.method === 'string') {
      if (m.id === undefined) return;
      if (m.method === 'initialize') {
        this.#reply(m.id, {
          protocolVersion: this.revision,
          capabilities: CAPABILITIES,
          serverInfo: { name: 'fuzz-peer', version: '1.0.0' },
        });
        return;
      }
      if (m.method === 'server/discover') {
        this.#reply(m.id, {
          resultType: 'complete',
          ttlMs: 0,
          cacheScope: 'private',
          supportedVersions: [this.revision],
          capabilities: CAPABILITIES,
        });
        return;
      }
      this.requests.push({ id: m.id, method: m.method });
      if (this.requests.length > 256) this.requests.shift();
      const token = m.params?._meta?.progressToken;
      if (typeof token === 'string' || typeof token === 'number') {
        this.tokens.push(token);
        if (this.tokens.length > 64) this.tokens.shift();
      }
      if (m.method === 'subscriptions/listen') this.listens.push(m.id);
      return;
    }
    if (m.id !== undefined) {
      if ('error' in m) this.answered.error += 1;
      else this.answered.result += 1;
      const i = this.serverRequests.indexOf(m.id);
      if (i >= 0) this.serverRequests.splice(i, 1);
    }
  }
}

const CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  logging: {},
  completions: {},
};

/** The calls the client makes, by `CallSpec.method` (modulo their number). */
const CALLS: readonly ((s: ClientSession, o: CallOptions) => Promise<unknown>)[] = [
  (s, o) => s.listTools(undefined, o),
  (s, o) => s.callTool('echo', { message: 'hi' }, o),
  (s, o) => s.callTool('ask', {}, { ...o, inputRequired: 'return' }),
  (s, o) => s.listPrompts(undefined, o),
  (s, o) => s.getPrompt('review', { code: 'x' }, o),
  (s, o) => s.listResources(undefined, o),
  (s, o) => s.listResourceTemplates(undefined, o),
  (s, o) => s.readResource('file:///project/src/main.rs', o),
  (s, o) =>
    s.complete(
      { ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'a', value: 'b' } },
      o,
    ),
  (s, o) => s.ping(o),
  (s, o) => s.request('example/custom', { a: 1 }, o),
  (s, o) => s.listAllTools({ ...o, maxPages: 20 }),
  (s, o) => s.setLoggingLevel('info', o),
  (s, o) => s.subscribeResource('file:///project/src/main.rs', o),
  (s, o) =>
    s.listen(
      { toolsListChanged: true, resourceSubscriptions: ['file:///x'] },
      o.signal === undefined ? undefined : { signal: o.signal },
    ),
  (s, o) => s.listAllPrompts({ ...o, maxPages: 20 }),
  (s, o) => s.callTool('echo', { message: 'again' }, o),
];

const METHOD_NAMES = [
  'listTools',
  'callTool',
  'callTool input-required return',
  'listPrompts',
  'getPrompt',
  'listResources',
  'listResourceTemplates',
  'readResource',
  'complete',
  'ping',
  'request',
  'listAllTools',
  'setLoggingLevel',
  'subscribeResource',
  'listen',
  'listAllPrompts',
  'callTool',
];

const TIMEOUTS = { default: undefined, short: 100, long: 60_000, none: Infinity } as const;

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return `rpc ${code}`;
  return error instanceof Error ? error.name : typeof error;
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return (error.stack ?? `${error.name}: ${error.message}`).slice(0, 2_000);
  try {
    return String(error).slice(0, 500);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function emptyReport(seed: number, corpus: Corpus): FuzzReport {
  const perRevision = {} as Record<Revision, { episodes: number; frames: number }>;
  for (const r of REVISIONS) perRevision[r] = { episodes: 0, frames: 0 };
  return {
    seed,
    frames: 0,
    bytes: 0,
    chunks: 0,
    episodes: 0,
    deepFrames: 0,
    closedEarly: 0,
    hangups: 0,
    perRevision,
    crashes: 0,
    uncaughtExceptions: 0,
    unhandledRejections: 0,
    unsettledCalls: 0,
    unsettledCallbacks: 0,
    hangs: 0,
    actorsLeft: 0,
    timersLeft: 0,
    listenersLeft: 0,
    transportsNotClosed: 0,
    prototypePollutions: 0,
    connectFailures: 0,
    findings: [],
    calls: { started: 0, resolved: 0, rejected: {} },
    callbacks: { run: 0, aborted: 0 },
    serverRequestsAnswered: { result: 0, error: 0 },
    messages: {},
    corpus: { ...corpus.counts, specDir: corpus.specDir },
    durationMs: 0,
  };
}

const COUNTERS: Record<FindingKind, keyof FuzzReport> = {
  crash: 'crashes',
  'uncaught-exception': 'uncaughtExceptions',
  'unhandled-rejection': 'unhandledRejections',
  'unsettled-call': 'unsettledCalls',
  'unsettled-callback': 'unsettledCallbacks',
  hang: 'hangs',
  'actor-left': 'actorsLeft',
  'timer-left': 'timersLeft',
  'listener-left': 'listenersLeft',
  'transport-not-closed': 'transportsNotClosed',
  'prototype-polluted': 'prototypePollutions',
  'connect-failed': 'connectFailures',
};

/** The number of findings of every kind in a report. */
export function findingsOf(report: FuzzReport): number {
  let n = 0;
  for (const key of Object.values(COUNTERS)) n += report[key] as number;
  return n;
}

/** Runs the fuzz. Resolves with the report; never throws for what it finds. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const corpus = loadCorpus({ requireSpec: options.requireSpec ?? true });
  await loadSchemas();
  const report = emptyReport(options.seed, corpus);
  const started = performance.now();
  let current: { episode: number; revision: Revision; frame: number } = {
    episode: -1,
    revision: REVISIONS[0],
    frame: 0,
  };
  const find = (kind: FindingKind, detail: string, at = current): void => {
    (report[COUNTERS[kind]] as number) += 1;
    if (report.findings.length < MAX_FINDINGS) report.findings.push({ kind, ...at, detail });
  };
  const onUncaught = (error: unknown): void => find('uncaught-exception', describe(error));
  const onUnhandled = (reason: unknown): void => find('unhandled-rejection', describe(reason));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  try {
    for (let n = options.episode ?? 0; report.frames < options.frames; n++) {
      const plan = planOf(options.seed, n);
      const revision = REVISIONS[n % REVISIONS.length] as Revision;
      current = { episode: n, revision, frame: 0 };
      const limit = Math.min(plan.frames, options.frames - report.frames);
      const summary = await runEpisode(
        n,
        revision,
        plan,
        limit,
        options.seed,
        corpus,
        report,
        find,
        (f) => {
          current.frame = f;
        },
      );
      options.onEpisode?.(summary, report);
      if (options.episode !== undefined) break;
    }
    // A rejection left unhandled by the last episode is reported on a later turn.
    await macrotask();
    await macrotask();
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
  }
  report.durationMs = performance.now() - started;
  return report;
}

type Find = (kind: FindingKind, detail: string) => void;

async function runEpisode(
  n: number,
  revision: Revision,
  plan: EpisodePlan,
  limit: number,
  seed: number,
  corpus: Corpus,
  report: FuzzReport,
  find: Find,
  at: (frame: number) => void,
): Promise<EpisodeSummary> {
  const frames = fc.sample(frameArbitrary, { seed: mix(seed, 2 * n + 1), numRuns: plan.frames });
  const findingsBefore = findingsOf(report);
  const clock = new FakeClock((error) => find('crash', `a timer threw: ${describe(error)}`));
  const peer = new Peer(revision);
  const modern = revision === '2026-07-28';

  // What the session's users do: callbacks of every behaviour, handlers that throw now and then.
  type Invocation = { done: boolean; signal: AbortSignal };
  const invocations: Invocation[] = [];
  let callbackTurn = 0;
  const behaviour = (): CallbackBehaviour =>
    plan.callbacks[callbackTurn++ % plan.callbacks.length] as CallbackBehaviour;
  const callback =
    (valid: () => unknown, invalid: () => unknown) =>
    (_params: unknown, extra: { signal: AbortSignal }): Promise<never> => {
      const entry: Invocation = { done: false, signal: extra.signal };
      invocations.push(entry);
      report.callbacks.run += 1;
      const b = behaviour();
      const run = (): Promise<never> => {
        switch (b) {
          case 'ok':
            return Promise.resolve(valid() as never);
          case 'invalid':
            return Promise.resolve(invalid() as never);
          case 'throw':
            throw new Error('the callback failed');
          case 'reject':
            return Promise.reject(new Error('the callback rejected'));
          case 'later':
            return macrotask().then(() => valid() as never);
          case 'hang':
            return new Promise<never>((_, reject) => {
              const abort = (): void => {
                report.callbacks.aborted += 1;
                reject(extra.signal.reason as Error);
              };
              if (extra.signal.aborted) abort();
              else extra.signal.addEventListener('abort', abort, { once: true });
            });
        }
      };
      const settle = (): void => {
        entry.done = true;
      };
      try {
        const p = run();
        p.then(settle, settle);
        return p;
      } catch (error) {
        settle();
        throw error;
      }
    };
  let handlerTurn = 0;
  const maybeThrow = (): void => {
    if (plan.throwingHandlers && ++handlerTurn % 7 === 0) throw new Error('a handler failed');
  };
  const inspected = new Set<{ readonly id: string; getSnapshot(): { status: string } }>();

  const session = createClientSession({
    transport: createFramedTransport(peer, plan.smallCap ? { maxMessageBytes: 64 * 1024 } : {}),
    mode: modern ? 'modern' : 'legacy',
    protocolVersion: revision,
    supportedProtocolVersions: [revision],
    clock,
    requestTimeout: 30_000,
    ...(plan.cache ? {} : { cache: false as const }),
    sampling: {
      handler: callback(
        () => ({ role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'fuzz' }),
        () => ({ text: 'x' }),
      ),
      tools: true,
      context: true,
    },
    elicitation: {
      form: callback(
        () => ({ action: 'accept', content: { name: 'Ada' } }),
        () => ({ action: 'acept' }),
      ),
      url: callback(
        () => ({ action: 'accept' }),
        () => ({ action: 42 }),
      ),
      onComplete: () => maybeThrow(),
    },
    roots: {
      list: (extra) =>
        callback(
          () => [{ uri: 'file:///project', name: 'project' }],
          () => [{ name: 'a root without uri' }],
        )(undefined, extra),
    },
    logging: () => maybeThrow(),
    notificationHandlers: {
      'notifications/resources/updated': () => {
        maybeThrow();
      },
      'notifications/progress': () => Promise.reject(new Error('an async handler failed')),
    },
    onDiagnostic: (d: Diagnostic) => {
      const key = `diagnostic ${d.code}`;
      report.messages[key] = (report.messages[key] ?? 0) + 1;
      maybeThrow();
    },
    messageHandler: (m: SessionMessage) => {
      const key =
        m.type === 'exception'
          ? `exception ${errorCode(m.error)}`
          : m.type === 'notification'
            ? 'notification'
            : `transport ${m.event.type}`;
      report.messages[key] = (report.messages[key] ?? 0) + 1;
      maybeThrow();
      if (plan.throwingHandlers && handlerTurn % 11 === 0) {
        return Promise.reject(new Error('an async message handler failed'));
      }
    },
    ...(plan.inspect
      ? {
          inspect: (event: InspectionEvent) => {
            if (event.type === '@xstate.actor')
              inspected.add(event.actorRef as unknown as AnyActorRef);
          },
        }
      : {}),
  });
  session.onListChanged('tools', () => maybeThrow());

  // Calls, each watched until it settles.
  type Call = { label: string; settled: boolean };
  const calls: Call[] = [];
  const controllers: AbortController[] = [];
  const controllerLabels = new Map<AbortController, string>();
  const call = (spec: CallSpec): void => {
    const index = spec.method % CALLS.length;
    const label = `call #${calls.length} (${METHOD_NAMES[index] ?? index})`;
    const make = CALLS[index] as (s: ClientSession, o: CallOptions) => Promise<unknown>;
    let controller: AbortController | undefined;
    if (spec.signal) {
      controller = new AbortController();
      controllers.push(controller);
      controllerLabels.set(controller, label);
    }
    const timeout = TIMEOUTS[spec.timeout];
    const options: CallOptions = {
      ...(timeout === undefined ? {} : { timeout }),
      ...(controller === undefined ? {} : { signal: controller.signal }),
      ...(spec.progress ? { onProgress: () => maybeThrow() } : {}),
      ...(spec.resetOnProgress ? { resetTimeoutOnProgress: true } : {}),
      ...(spec.maxTotal ? { maxTotalTimeout: 1_000 } : {}),
    };
    const entry: Call = { label, settled: false };
    calls.push(entry);
    report.calls.started += 1;
    const rejected = (error: unknown): void => {
      entry.settled = true;
      const code = errorCode(error);
      report.calls.rejected[code] = (report.calls.rejected[code] ?? 0) + 1;
    };
    try {
      make(session, options).then(() => {
        entry.settled = true;
        report.calls.resolved += 1;
      }, rejected);
    } catch (error) {
      rejected(error);
    }
  };

  const renderer = createRenderer(corpus, peer);
  const feed = (chunk: Uint8Array): void => {
    report.chunks += 1;
    report.bytes += chunk.length;
    try {
      peer.feed(chunk);
    } catch (error) {
      find('crash', `the byte sink threw: ${describe(error)}`);
    }
  };
  const deliver = (bytes: Uint8Array, cuts: readonly number[]): void => {
    const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))]
      .filter((p) => p > 0 && p < bytes.length)
      .sort((a, b) => a - b);
    let from = 0;
    for (const p of points) {
      feed(bytes.subarray(from, p));
      from = p;
    }
    if (from < bytes.length) feed(bytes.subarray(from));
  };
  const act = async (after: After): Promise<void> => {
    switch (after.kind) {
      case 'none':
        return;
      case 'microtasks':
        for (let i = 0; i < after.count; i++) await Promise.resolve();
        return;
      case 'macrotask':
        await macrotask();
        return;
      case 'advance':
        clock.advance(after.ms);
        return;
      case 'abort': {
        const live = controllers.filter((c) => !c.signal.aborted);
        live[after.target % Math.max(1, live.length)]?.abort(new Error('the caller gave up'));
        return;
      }
      case 'call':
        call(after.call);
        return;
    }
  };

  report.episodes += 1;
  report.perRevision[revision].episodes += 1;
  let fed = 0;
  let closedEarly = false;
  try {
    await session.connect();
  } catch (error) {
    find('connect-failed', describe(error));
  }
  peer.failEvery = plan.failWrites;
  for (const spec of plan.calls) call(spec);
  await Promise.resolve();
  const hangupIndex = plan.hangupAt === undefined ? -1 : Math.floor(plan.hangupAt * plan.frames);

  const deepIndex = Math.min(plan.frames - 1, Math.floor(plan.deepAt * plan.frames));
  const deepShape = DEEP_SHAPES[plan.deepShape] ?? 'arrays';
  const held: Uint8Array[] = [];
  const lineEnds = new TextEncoder();
  for (let i = 0; i < limit; i++) {
    if (session.state === 'closed' || session.state === 'closing') {
      closedEarly = true;
      break;
    }
    at(i);
    const frame = frames[i] as Frame;
    const body: Body = i === deepIndex ? { kind: 'deep', shape: deepShape, target: i } : frame.body;
    if (body.kind === 'deep') report.deepFrames += 1;
    held.push(renderer.render(body), lineEnds.encode(frame.lineEnd));
    if (!frame.hold || i === limit - 1) {
      const bytes = concat(held);
      held.length = 0;
      deliver(bytes, frame.cuts);
    }
    fed += 1;
    if (i === hangupIndex) {
      peer.hangUp();
      report.hangups += 1;
    }
    await act(frame.after);
    if (i % 64 === 63) await macrotask();
  }
  report.frames += fed;
  report.perRevision[revision].frames += fed;
  if (closedEarly) report.closedEarly += 1;

  // Close, and check that nothing is left.
  at(fed);
  if (plan.settleMs > 0) clock.advance(plan.settleMs);
  await macrotask();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    session.close().then(
      () => true,
      (error: unknown) => {
        find('crash', `close() rejected: ${describe(error)}`);
        return true;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 15_000);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) find('hang', `close() did not settle within 15 s (state ${session.state})`);
  await macrotask();
  await macrotask();

  const unsettled = calls.filter((c) => !c.settled);
  if (unsettled.length > 0) {
    find(
      'unsettled-call',
      `${unsettled.length} calls never settled: ${unsettled
        .map((c) => c.label)
        .slice(0, 5)
        .join(', ')}`,
    );
  }
  const waiting = invocations.filter((i) => !i.done);
  if (waiting.length > 0) {
    find(
      'unsettled-callback',
      `${waiting.length} callbacks still running after close (signal aborted: ${waiting.map((w) => w.signal.aborted).join(', ')})`,
    );
  }
  const snapshot = session.actor.getSnapshot();
  const d = session.dispatcher;
  const left: string[] = [];
  if (d.pendingRequests > 0) left.push(`${d.pendingRequests} requests in the dispatcher`);
  if (d.pendingInboundRequests > 0)
    left.push(`${d.pendingInboundRequests} server requests in the dispatcher`);
  if (d.state !== 'closed') left.push(`the dispatcher ${d.state}`);
  if (session.state !== 'closed') left.push(`the session ${session.state}`);
  if (snapshot.status !== 'done') left.push(`the lifecycle actor ${snapshot.status}`);
  const children = Object.keys(snapshot.children).length;
  if (children > 0) left.push(`${children} children of the lifecycle actor`);
  // The dispatcher's `closed` is terminal but not final (a late message is still reported there);
  // it is checked above by its state.
  const live = [...inspected].filter(
    (ref) => ref.id !== 'dispatcher' && ref.getSnapshot().status === 'active',
  );
  if (live.length > 0)
    left.push(
      `${live.length} inspected actors active (${live
        .map((r) => r.id)
        .slice(0, 5)
        .join(', ')})`,
    );
  if (left.length > 0) find('actor-left', left.join('; '));
  if (clock.pending > 0 || d.timerArmed) {
    find(
      'timer-left',
      `${clock.pending} timers on the clock (dispatcher timer armed: ${d.timerArmed})`,
    );
  }
  const listening = controllers.filter(
    (c) => !c.signal.aborted && getEventListeners(c.signal, 'abort').length > 0,
  );
  if (listening.length > 0) {
    find(
      'listener-left',
      `${listening.length} callers' signals still have abort listeners: ${listening.map((c) => `${controllerLabels.get(c)}: ${getEventListeners(c.signal, 'abort').length}`).join(', ')}`,
    );
  }
  if (peer.ends !== 1) find('transport-not-closed', `the byte channel ended ${peer.ends} times`);
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter(
    (k) => !PROTOTYPE_KEYS.has(k),
  );
  if (polluted.length > 0 || ({} as Record<string, unknown>)['polluted'] !== undefined) {
    find('prototype-polluted', `Object.prototype has ${polluted.join(', ')}`);
    for (const key of polluted) delete (Object.prototype as Record<string, unknown>)[key];
  }
  report.serverRequestsAnswered.result += peer.answered.result;
  report.serverRequestsAnswered.error += peer.answered.error;
  return {
    episode: n,
    revision,
    frames: fed,
    closedEarly,
    findings: findingsOf(report) - findingsBefore,
  };
}

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
