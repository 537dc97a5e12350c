/**
 * `npm run soak`: 1,000,000 requests through one session, and what is left afterwards.
 *
 * One session (`mode: 'legacy'`, 2025-11-25) over the in-memory transport pair against the
 * scripted server of `mcp-actors/testing`, with a clock of its own (fake time: timeouts fire when
 * the soak moves the clock, not after real waiting). Requests go in waves of 100, each wave a fixed
 * mix, every outcome checked:
 *
 * - results: `tools/call` (3 in 10) and `ping` (1 in 10), answered at once;
 * - errors: `tools/call` answered with a JSON-RPC error (1 in 10);
 * - timeouts: `tools/call` never answered, 1 s timeout (1 in 10);
 * - cancels: `tools/call` never answered, aborted by the caller's signal (1 in 10);
 * - progress: three `notifications/progress`, then the answer (1 in 10);
 * - server requests: the server asks `sampling/createMessage`, `roots/list`, or
 *   `elicitation/create` and `ping`, and answers the call once the client has answered (2 in 10).
 *
 * Every 100,000 requests, once the wave has settled: a full collection (`--expose-gc`) and the
 * heap in use, and the actors alive (requests and server requests in the dispatcher, children of
 * the lifecycle actor). The first 100,000 are the warm-up; the growth is measured from there.
 *
 *   npm run soak                        1,000,000 requests
 *   npm run soak -- --requests 200000   fewer
 *   npm run soak -- --json              the figures as JSON
 *
 * Exits 1 when an outcome was wrong, an actor or timer was left, or the heap grew by 2 MB or more
 * after the warm-up.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  createClientSession,
  createInMemoryTransportPair,
  JsonRpcError,
  loadSchemas,
  RequestCancelledError,
  RequestTimeoutError,
  type Clock,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    json: { type: 'boolean', default: false },
  },
});
const TOTAL = Number(values.requests.replaceAll('_', '').replaceAll(',', ''));
const SAMPLE_EVERY = 100_000;
const WAVE = 100;
const LIMIT_BYTES = 2_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('Run with node --expose-gc (npm run soak does).');
  process.exit(2);
}
if (!Number.isInteger(TOTAL) || TOTAL < SAMPLE_EVERY || TOTAL % WAVE !== 0) {
  console.error(`--requests must be a whole number of waves (${WAVE}), at least ${SAMPLE_EVERY}.`);
  process.exit(2);
}

/** Fake time: timers fire when `advance` passes them. */
class FakeClock implements Clock {
  #now = 0;
  #next = 0;
  readonly #timers = new Map<number, { due: number; callback: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.#timers.set(++this.#next, { due: this.#now + Math.max(0, ms), callback });
    return this.#next;
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
      first[1].callback();
    }
    this.#now = end;
  }
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

await loadSchemas();
const clock = new FakeClock();
const [clientSide, serverSide] = createInMemoryTransportPair();
const server = startScriptedServer(serverSide, {
  handlers: {
    'tools/call': (params, call) => {
      const name = params?.name;
      switch (name) {
        case 'echo':
          return {
            content: [
              { type: 'text', text: String((params?.arguments as { text?: unknown })?.text) },
            ],
          };
        case 'fail':
          throw new JsonRpcError({ code: -32000, message: 'the tool failed' });
        case 'hang':
          return NO_RESPONSE;
        case 'progress': {
          const token = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
          for (let p = 1; p <= 3; p++) {
            call.notify('notifications/progress', { progressToken: token, progress: p, total: 3 });
          }
          return { content: [{ type: 'text', text: 'done' }] };
        }
        case 'sample':
          return server
            .request('sampling/createMessage', {
              messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
              maxTokens: 10,
            })
            .then(() => ({ content: [{ type: 'text', text: 'sampled' }] }));
        case 'roots':
          return server
            .request('roots/list')
            .then(() => ({ content: [{ type: 'text', text: 'rooted' }] }));
        case 'elicit':
          return Promise.all([
            server.request('elicitation/create', {
              mode: 'form',
              message: 'Your name?',
              requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
            }),
            server.request('ping'),
          ]).then(() => ({ content: [{ type: 'text', text: 'elicited' }] }));
        default:
          throw new JsonRpcError({ code: -32602, message: `unknown tool ${String(name)}` });
      }
    },
  },
});
const callbacks = { sampling: 0, roots: 0, elicitation: 0 };
const session = createClientSession({
  transport: clientSide,
  mode: 'legacy',
  protocolVersion: '2025-11-25',
  clock,
  requestTimeout: 60_000,
  sampling: () => {
    callbacks.sampling += 1;
    return { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'soak' };
  },
  roots: {
    list: () => {
      callbacks.roots += 1;
      return [{ uri: 'file:///soak', name: 'soak' }];
    },
  },
  elicitation: {
    form: () => {
      callbacks.elicitation += 1;
      return { action: 'accept', content: { name: 'Ada' } };
    },
  },
});
await session.connect();

type Kind = 'result' | 'ping' | 'error' | 'timeout' | 'cancel' | 'progress' | 'server request';
const MIX: readonly Kind[] = [
  'result',
  'result',
  'ping',
  'error',
  'timeout',
  'cancel',
  'progress',
  'server request',
  'result',
  'server request',
];
const outcomes: Record<Kind, number> = {
  result: 0,
  ping: 0,
  error: 0,
  timeout: 0,
  cancel: 0,
  progress: 0,
  'server request': 0,
};
const wrong: string[] = [];
let progressEvents = 0;
let serverRequestTurn = 0;

/** Starts request `i`; the promise resolves once its outcome has been checked. */
function start(i: number, controllers: AbortController[]): Promise<void> {
  const kind = MIX[i % MIX.length] as Kind;
  const fail = (what: unknown): void => {
    if (wrong.length < 20) wrong.push(`request ${i} (${kind}): ${String(what)}`);
  };
  const ok = (): void => {
    outcomes[kind] += 1;
  };
  switch (kind) {
    case 'result':
      return session.callTool('echo', { text: `r${i}` }).then((r) => {
        const first = r.content[0];
        if (first?.type === 'text' && first.text === `r${i}`) ok();
        else fail(JSON.stringify(r));
      }, fail);
    case 'ping':
      return session.ping().then(ok, fail);
    case 'error':
      return session.callTool('fail').then(
        (r) => fail(JSON.stringify(r)),
        (e: unknown) => (e instanceof JsonRpcError && e.code === -32000 ? ok() : fail(e)),
      );
    case 'timeout':
      return session.callTool('hang', {}, { timeout: 1_000 }).then(
        (r) => fail(JSON.stringify(r)),
        (e: unknown) => (e instanceof RequestTimeoutError ? ok() : fail(e)),
      );
    case 'cancel': {
      const controller = new AbortController();
      controllers.push(controller);
      return session.callTool('hang', {}, { signal: controller.signal }).then(
        (r) => fail(JSON.stringify(r)),
        (e: unknown) => (e instanceof RequestCancelledError ? ok() : fail(e)),
      );
    }
    case 'progress': {
      let seen = 0;
      return session
        .callTool(
          'progress',
          {},
          {
            onProgress: () => {
              seen += 1;
              progressEvents += 1;
            },
          },
        )
        .then(() => (seen === 3 ? ok() : fail(`${seen} progress notifications`)), fail);
    }
    case 'server request': {
      const name = (['sample', 'roots', 'elicit'] as const)[serverRequestTurn++ % 3] as string;
      return session.callTool(name).then((r) => {
        const first = r.content[0];
        if (first?.type === 'text' && first.text.endsWith('ed')) ok();
        else fail(JSON.stringify(r));
      }, fail);
    }
  }
}

interface Sample {
  readonly requests: number;
  readonly heapBytes: number;
  readonly actors: number;
  readonly timers: number;
  readonly seconds: number;
}

/** The actors alive: requests and server requests in the dispatcher, the lifecycle's children. */
function liveActors(): number {
  const d = session.dispatcher;
  return (
    d.pendingRequests +
    d.pendingInboundRequests +
    Object.keys(session.actor.getSnapshot().children).length
  );
}

async function sample(requests: number): Promise<Sample> {
  await macrotask();
  gc?.();
  gc?.();
  return {
    requests,
    heapBytes: process.memoryUsage().heapUsed,
    actors: liveActors(),
    timers: clock.pending,
    seconds: (performance.now() - began) / 1000,
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
if (!values.json) {
  console.log(
    `soak: ${fmt(TOTAL)} requests through one session, waves of ${WAVE}; Node ${process.version}, ${os.cpus().length} CPUs`,
  );
}
const began = performance.now();
const samples: Sample[] = [await sample(0)];
let peakInFlight = 0;
for (let done = 0; done < TOTAL;) {
  const controllers: AbortController[] = [];
  const wave: Promise<void>[] = [];
  for (let k = 0; k < WAVE; k++) wave.push(start(done + k, controllers));
  peakInFlight = Math.max(peakInFlight, session.dispatcher.pendingRequests);
  // Everything answerable is answered within a few turns; the rest waits for its cancel or timeout.
  await macrotask();
  await macrotask();
  for (const c of controllers) c.abort(new Error('the caller gave up'));
  clock.advance(1_001);
  await Promise.all(wave);
  server.received.length = 0;
  done += WAVE;
  if (done % SAMPLE_EVERY === 0) {
    const s = await sample(done);
    samples.push(s);
    if (!values.json) {
      console.log(
        `  ${fmt(done).padStart(9)} requests  ${s.seconds.toFixed(1).padStart(6)} s  heap ${mb(s.heapBytes).padStart(9)}  actors alive ${s.actors}  timers ${s.timers}`,
      );
    }
  }
}
const seconds = (performance.now() - began) / 1000;
await session.close();
await server.closed;
const after = {
  actors: liveActors(),
  timers: clock.pending,
  timerArmed: session.dispatcher.timerArmed,
  state: session.state,
};

const warm = samples.find((s) => s.requests === SAMPLE_EVERY) as Sample;
const last = samples[samples.length - 1] as Sample;
const afterWarm = samples.filter((s) => s.requests >= SAMPLE_EVERY);
const growth = last.heapBytes - warm.heapBytes;
const peakGrowth = Math.max(...afterWarm.map((s) => s.heapBytes)) - warm.heapBytes;
const actorsAtSamples = Math.max(...samples.map((s) => s.actors));
const failed =
  wrong.length > 0 ||
  growth >= LIMIT_BYTES ||
  actorsAtSamples > 0 ||
  after.actors > 0 ||
  after.timers > 0 ||
  after.timerArmed ||
  after.state !== 'closed';

const result = {
  requests: TOTAL,
  seconds,
  requestsPerSecond: TOTAL / seconds,
  outcomes,
  progressEvents,
  callbacks,
  wrong,
  peakInFlight,
  samples,
  heapGrowthAfterWarmUpBytes: growth,
  peakHeapGrowthAfterWarmUpBytes: peakGrowth,
  actorsAliveAtSamples: actorsAtSamples,
  afterClose: after,
  node: process.version,
  date: new Date().toISOString(),
};
if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(
    `\nsoak: ${fmt(TOTAL)} requests in ${seconds.toFixed(1)} s (${fmt(Math.round(TOTAL / seconds))} requests/s), at most ${peakInFlight} in flight`,
  );
  console.log(
    `  outcomes: ${Object.entries(outcomes)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(
        ', ',
      )}; ${fmt(progressEvents)} progress notifications; callbacks: sampling ${fmt(callbacks.sampling)}, roots ${fmt(callbacks.roots)}, elicitation ${fmt(callbacks.elicitation)}`,
  );
  console.log(
    `  wrong outcomes: ${wrong.length}${wrong.length > 0 ? `\n    ${wrong.join('\n    ')}` : ''}`,
  );
  console.log(
    `  heap after warm-up (${fmt(SAMPLE_EVERY)}): ${mb(warm.heapBytes)}; at the end: ${mb(last.heapBytes)}; growth ${mb(growth)} (peak ${mb(peakGrowth)}); limit ${mb(LIMIT_BYTES)}`,
  );
  console.log(
    `  actors alive at every sample: ${actorsAtSamples === 0 ? 0 : `up to ${actorsAtSamples}`}; after close: ${after.actors} actors, ${after.timers} timers, timer armed ${after.timerArmed}, session ${after.state}`,
  );
  console.log(failed ? '\nsoak: FAILED' : '\nsoak: passed');
}
process.exitCode = failed ? 1 : 0;
