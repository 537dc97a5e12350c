import type { JsonRpcMessage } from './jsonrpc.js';

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
}

export interface Transport {
  /** Starts delivering to the handlers. Called once. */
  start(handlers: TransportHandlers): void | Promise<void>;
  /**
   * Writes one message. May throw or return a rejected promise when it cannot; the dispatcher
   * turns that into a `SEND_FAILED` error for the request that sent it. A returned promise
   * settles when the transport has taken the message (backpressure).
   */
  send(message: JsonRpcMessage): void | Promise<void>;
  /** Closes the transport; `handlers.closed` is called once it has. Safe to call twice. */
  close(): Promise<void>;
}

/** A duplex byte channel, which `createFramedTransport` turns into a transport with newline framing. */
export interface ByteChannel {
  /** Starts delivering bytes to the sink. */
  start(sink: ByteSink): void | Promise<void>;
  /** Writes bytes; a returned promise settles when the channel has taken them. */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Ends the channel; `sink.end` follows. */
  close(): Promise<void>;
}

export interface ByteSink {
  data(chunk: Uint8Array): void;
  /** The channel ended, with the reason if it failed. Called at most once. */
  end(reason?: Error): void;
}
