import { JsonRpcError, reasonText } from '../errors/errors.js';
import {
  isErrorObject,
  isRequestId,
  type JsonRpcMessage,
  type RequestId,
} from '../wire/jsonrpc.js';
import type { Transport } from '../wire/transport.js';

/**
 * A small scripted MCP server for tests and demos: it answers `initialize` and whatever methods
 * it is given handlers for, records every message it receives, and can send requests and
 * notifications of its own. It is not a real server; it is a peer whose every move a test chooses.
 */

/**
 * Returned by a handler to send no response at all (to exercise timeouts and cancellation).
 *
 * @example
 * ```ts
 * import {
 *   createClientSession,
 *   createInMemoryTransportPair,
 *   RequestTimeoutError,
 * } from 'mcp-actors';
 * import { NO_RESPONSE, startScriptedServer } from 'mcp-actors/testing';
 *
 * const [clientSide, serverSide] = createInMemoryTransportPair();
 * startScriptedServer(serverSide, { handlers: { 'tools/call': () => NO_RESPONSE } });
 * const session = createClientSession({ transport: clientSide, mode: 'legacy' });
 * await session.connect();
 * const error = await session.callTool('stuck', {}, { timeout: 100 }).catch((e: unknown) => e);
 * console.log(error instanceof RequestTimeoutError); // true
 * await session.close();
 * ```
 */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');

/** What a scripted handler receives besides the params: the request, and a way to talk back. */
export interface ScriptedCallContext {
  /** The request's id. */
  readonly id: RequestId;
  /** The request's method. */
  readonly method: string;
  /** Sends a notification to the client (for example progress for this request). */
  notify(method: string, params?: Record<string, unknown>): void;
  /** Sends a raw message to the client. */
  send(message: unknown): void;
}

/**
 * Answers one method: return the result (or a promise of it, or `NO_RESPONSE`); throw a
 * `JsonRpcError` or a `{ code, message }` object to answer with an error.
 */
export type ScriptedHandler = (
  params: Record<string, unknown> | undefined,
  context: ScriptedCallContext,
) => unknown;

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /** The revision the server answers `initialize` with. Default: the one the client asked for. */
  readonly protocolVersion?: string;
  /** The `serverInfo` of the `initialize` answer. */
  readonly serverInfo?: { readonly name: string; readonly version: string };
  /** The `capabilities` of the `initialize` answer. Default `{ tools: {} }`. */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /** The `instructions` of the `initialize` answer. */
  readonly instructions?: string;
  /** Handlers by method; `initialize` has a default. */
  readonly handlers?: Readonly<Record<string, ScriptedHandler>>;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** Every message the server received, in order. */
  readonly received: JsonRpcMessage[];
  /** Sends a notification to the client. */
  notify(method: string, params?: Record<string, unknown>): void;
  /** Sends a request to the client; resolves with its result, rejects with its error. */
  request(method: string, params?: Record<string, unknown>, id?: RequestId): Promise<unknown>;
  /** Sends any message, valid or not. */
  send(message: unknown): void;
  /** Closes the server's side. */
  close(): Promise<void>;
  /** Resolves when the client's side has closed the link. */
  readonly closed: Promise<void>;
}

/**
 * Starts a scripted server on one end of a transport (usually an in-memory pair). It answers
 * `initialize` (as the client asked, unless `protocolVersion` is given) and `ping` by itself, and
 * every other method with the handler given, or `-32601`. A 2026-07-28 server is scripted by
 * giving a `server/discover` handler.
 *
 * @example
 * ```ts
 * import { createClientSession, createInMemoryTransportPair } from 'mcp-actors';
 * import { NO_RESPONSE, startScriptedServer } from 'mcp-actors/testing';
 *
 * const [clientSide, serverSide] = createInMemoryTransportPair();
 * const server = startScriptedServer(serverSide, {
 *   serverInfo: { name: 'test-server', version: '1.0.0' },
 *   handlers: {
 *     'tools/call': (params, call) => {
 *       call.notify('notifications/message', { level: 'info', data: 'calling' });
 *       return { content: [{ type: 'text', text: `called ${String(params?.name)}` }] };
 *     },
 *     'tools/slow': () => NO_RESPONSE, // never answers: for timeouts and cancellation
 *   },
 * });
 * const session = createClientSession({ transport: clientSide, mode: 'legacy' });
 * await session.connect();
 * const result = await session.callTool('anything');
 * const roots = await server.request('roots/list').catch((e: unknown) => e); // -32601: no roots
 * await session.close();
 * ```
 */
export function startScriptedServer(
  transport: Transport,
  options: ScriptedServerOptions = {},
): ScriptedServer {
  const received: JsonRpcMessage[] = [];
  const waiting: Waiting = new Map();
  let nextId = 1000;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const send = (message: unknown): void => {
    try {
      void transport.send(message as JsonRpcMessage);
    } catch {
      // The client went away; a scripted server has nobody to tell.
    }
  };
  const handlers = handlersOf(options);

  void transport.start({
    message: (raw: unknown) => {
      const message = raw as Record<string, unknown>;
      received.push(message as unknown as JsonRpcMessage);
      if (typeof message.method === 'string') serve(handlers, send, message.method, message);
      else settle(waiting, message);
    },
    error: () => {},
    closed: () => {
      for (const entry of waiting.values()) entry.reject(new Error('closed'));
      waiting.clear();
      markClosed();
    },
  });

  return {
    received,
    notify: (method, params) => send(notification(method, params)),
    request: (method, params, id) => {
      const requestId = id ?? nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(requestId, { resolve, reject });
        send(
          params === undefined
            ? { jsonrpc: '2.0', id: requestId, method }
            : { jsonrpc: '2.0', id: requestId, method, params },
        );
      });
    },
    send,
    close: () => transport.close(),
    closed,
  };
}

/** The server's own requests still waiting for the client's response, by id. */
type Waiting = Map<RequestId, { resolve(v: unknown): void; reject(e: unknown): void }>;

type Send = (message: unknown) => void;

const notification = (method: string, params: Record<string, unknown> | undefined): unknown =>
  params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };

/** The handlers given, over the default `initialize` (from the options) and `ping`. */
function handlersOf(options: ScriptedServerOptions): Record<string, ScriptedHandler> {
  return {
    initialize: (params) => ({
      protocolVersion: options.protocolVersion ?? params?.protocolVersion,
      capabilities: options.capabilities ?? { tools: {} },
      serverInfo: options.serverInfo ?? { name: 'scripted-server', version: '1.0.0' },
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    }),
    ping: () => ({}),
    ...options.handlers,
  };
}

/** A response from the client: settles the server's request it answers, if one waits. */
function settle(waiting: Waiting, message: Record<string, unknown>): void {
  const id = message.id;
  if (!isRequestId(id)) return;
  const entry = waiting.get(id);
  waiting.delete(id);
  if (entry === undefined) return;
  if ('error' in message) entry.reject(message.error);
  else entry.resolve(message.result);
}

/** A request from the client (a notification is only recorded): its handler's answer, or -32601. */
function serve(
  handlers: Record<string, ScriptedHandler>,
  send: Send,
  method: string,
  message: Record<string, unknown>,
): void {
  const id = message.id;
  if (!isRequestId(id)) return;
  const handler = handlers[method];
  if (handler === undefined) {
    fail(send, id, { code: -32601, message: `Method not found: ${method}` });
    return;
  }
  const context: ScriptedCallContext = {
    id,
    method,
    notify: (m, p) => send(notification(m, p)),
    send,
  };
  let result: unknown;
  try {
    result = handler(message.params as Record<string, unknown> | undefined, context);
  } catch (error) {
    fail(send, id, error);
    return;
  }
  if (result instanceof Promise) {
    result.then(
      (value: unknown) => answer(send, id, value),
      (error: unknown) => fail(send, id, error),
    );
  } else {
    answer(send, id, result);
  }
}

function answer(send: Send, id: RequestId, result: unknown): void {
  if (result === NO_RESPONSE) return;
  send({ jsonrpc: '2.0', id, result: result ?? {} });
}

/** Answers with the error thrown: a `JsonRpcError`, an error object as it is, else -32603. */
function fail(send: Send, id: RequestId, error: unknown): void {
  const wire =
    error instanceof JsonRpcError
      ? error.toJSON()
      : isErrorObject(error)
        ? error
        : { code: -32603, message: reasonText(error) };
  send({ jsonrpc: '2.0', id, error: wire });
}
