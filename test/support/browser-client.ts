// The client side of the browser tests, bundled for the browser (esbuild, platform browser) with
// the package's root entry and loaded by a page. The same bundle runs in the page and in a module
// Web Worker the page starts: in the page it defines `window.mcpBrowserTest`; in a worker it
// answers each message `{ url }` with the outcome of the scenario.
//
// It is type-checked with the tests (no DOM types): the few browser globals it touches are
// described here.
import {
  McpLocalError,
  createClientSession,
  createStreamableHttpTransport,
  type Progress,
} from '../../src/index.js';

/** What the scenario saw, sent back to the test as plain data. */
export interface ScenarioOutcome {
  readonly where: 'page' | 'worker';
  readonly protocolVersion: string | undefined;
  readonly sessionId: string | undefined;
  readonly tools: readonly string[];
  readonly echoed: unknown;
  /**
   * The call of a tool with an output schema (its structured content is checked against it by the
   * session): the structured content, or how the call failed.
   */
  readonly summed: Settled<unknown>;
  readonly progress: readonly Pick<Progress, 'progress' | 'total' | 'message'>[];
  readonly counted: unknown;
  /** The request id of the cancelled call, as the server reported it in its progress. */
  readonly waitRequestId: string | undefined;
  /** How the cancelled call settled. */
  readonly cancelledCall: Settled<unknown>;
  /** The params of the `notifications/cancelled` the server received, as it reports them. */
  readonly serverCancelled: unknown;
}

/** How a call settled, as plain data. */
export type Settled<T> =
  | { readonly settled: 'resolved'; readonly value: T }
  | {
      readonly settled: 'rejected';
      readonly name: string;
      readonly code?: string;
      readonly message: string;
    };

const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ settled: 'resolved', value }),
    (error: unknown) => ({
      settled: 'rejected',
      name: error instanceof Error ? error.name : typeof error,
      ...(error instanceof McpLocalError ? { code: error.code } : {}),
      message: error instanceof Error ? error.message : String(error),
    }),
  );

/** A failure of the scenario, as plain data. */
export interface ScenarioFailure {
  readonly error: string;
}

const textOf = (result: { content?: readonly unknown[] }): unknown =>
  (result.content?.[0] as { text?: unknown } | undefined)?.text;

/**
 * Connects, lists the tools, calls them (one with an output schema, one with progress), cancels
 * one, and closes.
 */
export async function runScenario(
  url: string,
  where: ScenarioOutcome['where'],
): Promise<ScenarioOutcome> {
  const transport = createStreamableHttpTransport({ url });
  const session = createClientSession({
    transport,
    clientInfo: { name: `browser-test-${where}`, version: '1.0.0' },
  });
  try {
    await session.connect();
    const { tools } = await session.listTools();
    const echoed = textOf(await session.callTool('echo', { message: `hello from the ${where}` }));
    const summed = await settle(
      session.callTool('sum', { a: 2, b: 3 }).then((r) => r.structuredContent),
    );

    const progress: Pick<Progress, 'progress' | 'total' | 'message'>[] = [];
    const counted = textOf(
      await session.callTool(
        'count',
        { steps: 3 },
        {
          onProgress: ({ progress: p, total, message }) =>
            progress.push({
              progress: p,
              ...(total !== undefined ? { total } : {}),
              ...(message !== undefined ? { message } : {}),
            }),
        },
      ),
    );

    // Cancelled once the server reports that it is waiting.
    const controller = new AbortController();
    let waitRequestId: string | undefined;
    const cancelledCall = await settle(
      session.callTool(
        'wait',
        {},
        {
          signal: controller.signal,
          onProgress: ({ message }) => {
            waitRequestId = message;
            controller.abort('stopped by the page');
          },
        },
      ),
    );
    const serverCancelled = JSON.parse(
      String(textOf(await session.callTool('cancellations'))),
    ) as unknown;
    return {
      where,
      protocolVersion: transport.protocolVersion,
      sessionId: transport.sessionId,
      tools: tools.map((t) => t.name),
      echoed,
      summed,
      progress,
      counted,
      waitRequestId,
      cancelledCall,
      serverCancelled,
    };
  } finally {
    await session.close();
  }
}

/** Connects and closes: how `connect()` settled (with the negotiated version). */
export async function connectOnly(url: string): Promise<Settled<string | undefined>> {
  const transport = createStreamableHttpTransport({ url });
  const session = createClientSession({ transport });
  try {
    return await settle(session.connect().then(() => transport.protocolVersion));
  } finally {
    await session.close();
  }
}

const describeError = (error: unknown): ScenarioFailure => {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause =
    error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return { error: `${error.name}: ${error.message}${cause}` };
};

/** The globals of a page and of a dedicated worker that this module uses. */
interface MessageEventLike {
  readonly data: unknown;
}
interface WorkerLike {
  onmessage: ((event: MessageEventLike) => void) | null;
  onerror: ((event: { readonly message?: string }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}
interface BrowserGlobals {
  document?: unknown;
  WorkerGlobalScope?: unknown;
  Worker?: new (url: string | URL, options: { type: 'module' }) => WorkerLike;
  postMessage?: (message: unknown) => void;
  onmessage?: ((event: MessageEventLike) => void) | null;
  mcpBrowserTest?: {
    inPage(url: string): Promise<ScenarioOutcome | ScenarioFailure>;
    inWorker(url: string): Promise<ScenarioOutcome | ScenarioFailure>;
    connect(url: string): Promise<Settled<string | undefined>>;
  };
}

const scope = globalThis as BrowserGlobals;

if (scope.WorkerGlobalScope !== undefined && scope.document === undefined) {
  scope.onmessage = (event) => {
    const { url } = event.data as { url: string };
    runScenario(url, 'worker').then(
      (outcome) => scope.postMessage?.(outcome),
      (error: unknown) => scope.postMessage?.(describeError(error)),
    );
  };
} else if (scope.document !== undefined) {
  scope.mcpBrowserTest = {
    inPage: (url) => runScenario(url, 'page').catch(describeError),
    connect: (url) => connectOnly(url),
    inWorker: (url) =>
      new Promise((resolve) => {
        const WorkerClass = scope.Worker;
        if (WorkerClass === undefined) {
          resolve({ error: 'no Worker in this page' });
          return;
        }
        // This very module, started again as a module worker.
        const worker = new WorkerClass(new URL(import.meta.url), { type: 'module' });
        worker.onmessage = (event) => {
          worker.terminate();
          resolve(event.data as ScenarioOutcome | ScenarioFailure);
        };
        worker.onerror = (event) => {
          worker.terminate();
          resolve({ error: `the worker failed: ${event.message ?? 'unknown error'}` });
        };
        worker.postMessage({ url });
      }),
  };
}
