import type { JsonRpcMessage } from './jsonrpc.js';
import type { ToolHeaderInfo } from '../protocol/http-headers.js';

/**
 * The transport contract: the one thing every transport (in-memory, byte streams, stdio,
 * Streamable HTTP, legacy HTTP+SSE, WebSocket) implements. Concerns of one transport (HTTP
 * headers, session ids, process groups) stay inside it.
 */
export interface TransportHandlers {
  /** A message arrived, already parsed from JSON but not validated. */
  message(message: unknown): void;
  /**
   * A stream exception: something arrived that could not be taken (bad JSON, an oversize
   * message, a failed side request). The connection goes on.
   */
  error(error: Error): void;
  /** The transport ended: the peer went away, or `close()` finished. Called at most once. */
  closed(reason?: Error): void;
  /**
   * The answer to the request with this id cannot arrive any more (its HTTP response ended early
   * and could not be resumed, or carried something unreadable, or it was over the size cap and
   * skipped): the request fails with `error` at once instead of waiting for its timeout.
   */
  lost?(id: string | number, error: Error): void;
  /**
   * The time left, ms, before the request with this id times out (`Infinity` when it has no
   * timeout; `0` when it is not in flight). A transport that retries on a request's behalf (HTTP
   * stream resumption) stops when the next attempt would come too late, and fails the request
   * with what went wrong rather than leaving it to time out.
   */
  timeLeft?(id: string | number): number;
  /** Something the transport did on its own that its user may want to know (a session renewed, a stream resumed). */
  event?(event: TransportEvent): void;
  /**
   * The transport waits for something outside the protocol (`true`): an OAuth authorization, in
   * which a user may take minutes in a browser; or it stopped waiting (`false`). Meanwhile
   * request timeouts stand still, so that this time does not count against them.
   */
  hold?(waiting: boolean): void;
}

/** A transport's report of something it did on its own; the session passes it to the message handler. */
export interface TransportEvent {
  /** What happened, for example `session-renewed`, `stream-resumed`, `stream-lost`. */
  readonly type: string;
  /** What happened, for a person. */
  readonly message: string;
  readonly [key: string]: unknown;
}

/**
 * What a session speaks over: every transport of the package implements this, and so can yours
 * (a message transport calls `handlers.message` with parsed JSON values).
 *
 * @example
 * A transport that logs every message it writes, around another one:
 * ```ts
 * import { createClientSession, type Transport } from 'mcp-actors';
 * declare const inner: Transport;
 *
 * const logging: Transport = {
 *   start: (handlers) => inner.start(handlers),
 *   send: (message) => {
 *     console.log('→', JSON.stringify(message));
 *     return inner.send(message);
 *   },
 *   close: () => inner.close(),
 * };
 * const session = createClientSession({ transport: logging });
 * ```
 */
export interface Transport {
  /**
   * Starts delivering to the handlers. Called once. After `close()`, it opens nothing and fails
   * (or calls `handlers.closed`) with `CONNECTION_CLOSED`.
   */
  start(handlers: TransportHandlers): void | Promise<void>;
  /**
   * Writes one message. May throw or return a rejected promise when it cannot; the dispatcher
   * turns that into a `SEND_FAILED` error for the request that sent it. A returned promise
   * settles when the transport has taken the message (backpressure). A transport that has ended
   * (its peer went away) throws an error with code `CONNECTION_CLOSED` instead, and calls
   * `handlers.closed` with the reason: the request then fails with that close, and its reason.
   */
  send(message: JsonRpcMessage): void | Promise<void>;
  /** Closes the transport; `handlers.closed` is called once it has. Safe to call twice. */
  close(): Promise<void>;
  /**
   * MCP extensions the transport takes part in (an OAuth extension of its `auth`), declared in
   * the client's capabilities (`extensions`) of every 2026-07-28 request, beside the session's own.
   */
  readonly extensions?: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;
  /**
   * For transports that mirror tool arguments into headers (2026 Streamable HTTP `Mcp-Param-*`):
   * the session gives a lookup of the tools of its latest listing, by name.
   */
  useToolSchemas?(lookup: (name: string) => ToolHeaderInfo | undefined): void;
}

/** A duplex byte channel, which `createFramedTransport` turns into a transport with newline framing. */
export interface ByteChannel {
  /** Starts delivering bytes to the sink. */
  start(sink: ByteSink): void | Promise<void>;
  /** Writes bytes; a returned promise settles when the channel has taken them. */
  write(chunk: Uint8Array): void | Promise<void>;
  /**
   * Writes text as UTF-8, for channels that encode it more cheaply themselves (a Node stream
   * does, natively); the same contract as `write`. Optional: without it, text is encoded and
   * passed to `write`.
   */
  writeText?(text: string): void | Promise<void>;
  /** Ends the channel; `sink.end` follows. */
  close(): Promise<void>;
}

/** Where a {@link ByteChannel} delivers what it reads. */
export interface ByteSink {
  /** Bytes arrived (any chunking: a message may span chunks, a chunk may hold several). */
  data(chunk: Uint8Array): void;
  /** The channel ended, with the reason if it failed. Called at most once. */
  end(reason?: Error): void;
}
