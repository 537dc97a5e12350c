import type { JsonRpcMessage } from '../../src/wire/jsonrpc.js';

/**
 * A scripted `fetch` for the Streamable HTTP transport (its `fetch` option): the test answers each
 * call from a function and sees each one's method, headers, message and signal; and the messages
 * and answers such a test builds. (A real server on a socket: `scripted-http.ts`.)
 */

export const MCP_URL = 'http://mcp.test/mcp';

/** One call of the scripted `fetch`. */
export interface Call {
  readonly method: string;
  readonly headers: Headers;
  /** The message POSTed, parsed; undefined when there was none (GET, DELETE). */
  readonly body: Record<string, unknown> | undefined;
  /** The call's signal; a call made without one (the session's DELETE) gets one never aborted. */
  readonly signal: AbortSignal;
}

/** The test's answer to the call `index` (counted from 0). */
export type Answer = (call: Call, index: number) => Response | Promise<Response>;

/**
 * A `fetch` that records each call, tells `onCall` (once recorded), and answers it with `answer`;
 * like a real fetch, it rejects with the signal's reason when the call is aborted before the answer.
 */
export function scriptedFetch(
  answer: Answer,
  onCall: () => void = () => {},
): { calls: Call[]; fetch: typeof fetch } {
  const calls: Call[] = [];
  const doFetch = (async (_input: string | URL | Request, init?: RequestInit) => {
    const signal = init?.signal ?? new AbortController().signal;
    const call: Call = {
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body:
        typeof init?.body === 'string'
          ? (JSON.parse(init.body) as Record<string, unknown>)
          : undefined,
      signal,
    };
    calls.push(call);
    onCall();
    if (signal.aborted) throw signal.reason;
    return Promise.race([
      answer(call, calls.length - 1),
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
      ),
    ]);
  }) as typeof fetch;
  return { calls, fetch: doFetch };
}

/** The id of the message a call POSTed. */
export const idOf = (call: Call): unknown => call.body?.['id'];

/**
 * Resolves once `ready()` holds, checking after each turn of the event loop; rejects if it still
 * does not after 20 000 turns (everything here is in-process, and happens in far fewer).
 */
export function until(ready: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let turns = 0;
    const check = (): void => {
      if (ready()) resolve();
      else if (++turns > 20_000) reject(new Error('still not ready after 20 000 turns'));
      else setImmediate(check);
    };
    check();
  });
}

// Messages.

export const initializeRequest = (id: string | number, protocolVersion = '2025-06-18') =>
  ({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'test', version: '1' } },
  }) as JsonRpcMessage;

export const initialized = {
  jsonrpc: '2.0',
  method: 'notifications/initialized',
} as JsonRpcMessage;

/** A request; with no `params` when none are given. */
export const request = (
  id: string | number,
  method = 'tools/list',
  params?: Record<string, unknown>,
) =>
  ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }) as JsonRpcMessage;

export const result = (id: unknown, value: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  result: value,
});

export const initializeResult = (id: unknown, protocolVersion: unknown = '2025-06-18') =>
  result(id, { protocolVersion, capabilities: {}, serverInfo: { name: 'scripted', version: '1' } });

// Answers.

export const json = (
  body: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response =>
  new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'content-type': 'application/json', ...init.headers },
  });

export const accepted = (headers: Record<string, string> = {}): Response =>
  new Response(null, { status: 202, headers });

/** A refusal with a short text body: 404 for a session the server ended, 405 for a GET. */
export const status = (code: number, statusText = ''): Response =>
  new Response('gone', { status: code, statusText });

export const SSE = { 'content-type': 'text/event-stream' };

export const sse = (text: string): Response => new Response(text, { status: 200, headers: SSE });

/** One SSE event carrying `message`, with the event id `id` if given. */
export const event = (message: unknown, id?: string): string =>
  `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(message)}\n\n`;

/** A body whose text the test writes, and ends (or breaks) when it says. */
export function fedBody(): {
  body: ReadableStream<Uint8Array>;
  write(text: string): void;
  end(): void;
  fail(error: Error): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
  });
  return {
    body,
    write: (text) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    fail: (error) => controller.error(error),
  };
}
