import { ConnectionClosedError } from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { ByteChannel, ByteSink, Transport, TransportHandlers } from '../wire/transport.js';

/**
 * In-process links, for embedding a server in the same process and for tests.
 *
 * Delivery is asynchronous (a microtask after the write), as on a real connection, so that a
 * handler never runs inside the sender's call stack. Messages sent before the other side started
 * are queued until it does.
 */
class Mailbox<T> {
  #queue: T[] = [];
  #scheduled = false;
  #deliver: ((item: T) => void) | undefined;

  attach(deliver: (item: T) => void): void {
    this.#deliver = deliver;
    if (this.#queue.length > 0) this.#schedule();
  }

  put(item: T): void {
    this.#queue.push(item);
    if (this.#deliver !== undefined) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const deliver = this.#deliver;
    // Stryker disable next-line ConditionalExpression: a drain is only scheduled once a receiver is attached (`attach` sets it first, `put` checks it); the check narrows the type
    if (deliver === undefined) return;
    const queue = this.#queue;
    this.#queue = [];
    for (const item of queue) {
      try {
        deliver(item);
      } catch (error) {
        // A throwing receiver does not cost the rest of the batch; the error surfaces as uncaught,
        // as it would from any event source.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

interface LinkEnd<T> {
  inbox: Mailbox<T>;
  closed: boolean;
  /** Set once the link has closed; an end that starts later is told at once. */
  announced: boolean;
  onClosed: (() => void) | undefined;
}

function link<T>(): [LinkEnd<T>, LinkEnd<T>] {
  const make = (): LinkEnd<T> => ({
    inbox: new Mailbox<T>(),
    closed: false,
    announced: false,
    onClosed: undefined,
  });
  return [make(), make()];
}

/** Attaches an end's receivers; if the link already closed, the end hears of it after its queue. */
function attach<T>(end: LinkEnd<T>, deliver: (item: T) => void, closed: () => void): void {
  end.onClosed = closed;
  end.inbox.attach(deliver);
  if (end.announced) queueMicrotask(() => queueMicrotask(closed));
}

/** Ends both sides of a link once, after everything already sent has been delivered. */
function closeLink<T>(a: LinkEnd<T>, b: LinkEnd<T>): Promise<void> {
  if (a.closed) return Promise.resolve();
  a.closed = true;
  b.closed = true;
  return new Promise((resolve) => {
    queueMicrotask(() => {
      queueMicrotask(() => {
        a.announced = true;
        b.announced = true;
        a.onClosed?.();
        b.onClosed?.();
        resolve();
      });
    });
  });
}

/** One end of a link: start receiving, put an item to the peer, close both. */
interface Endpoint<T> {
  start(deliver: (item: T) => void, closed: () => void): void;
  put(item: T): void;
  close(): Promise<void>;
}

function endpoints<T>(): [Endpoint<T>, Endpoint<T>] {
  const [a, b] = link<T>();
  const end = (self: LinkEnd<T>, peer: LinkEnd<T>): Endpoint<T> => ({
    start: (deliver, closed) => attach(self, deliver, closed),
    put(item) {
      if (self.closed) throw new ConnectionClosedError();
      peer.inbox.put(item);
    },
    close: () => closeLink(self, peer),
  });
  return [end(a, b), end(b, a)];
}

/**
 * A linked pair of message transports: what one side sends, the other receives (by reference:
 * neither side may change a message after sending it).
 *
 * @example
 * An in-process server for tests:
 * ```ts
 * import { createClientSession, createInMemoryTransportPair } from 'mcp-actors';
 * import { startScriptedServer } from 'mcp-actors/testing';
 *
 * const [clientSide, serverSide] = createInMemoryTransportPair();
 * const server = startScriptedServer(serverSide);
 * const session = createClientSession({ transport: clientSide, mode: 'legacy' });
 * await session.connect();
 * console.log(server.received.map((m) => ('method' in m ? m.method : 'response')));
 * // ['initialize', 'notifications/initialized']
 * ```
 */
export function createInMemoryTransportPair(): [Transport, Transport] {
  const transport = (e: Endpoint<JsonRpcMessage>): Transport => ({
    start: (handlers: TransportHandlers) =>
      e.start(
        (m) => handlers.message(m),
        () => handlers.closed(),
      ),
    send: (message) => e.put(message),
    close: () => e.close(),
  });
  const [a, b] = endpoints<JsonRpcMessage>();
  return [transport(a), transport(b)];
}

/**
 * A linked pair of byte channels: an in-process stand-in for a pipe or a socket.
 *
 * @example
 * ```ts
 * import { createByteChannelPair, createClientSession, createFramedTransport } from 'mcp-actors';
 *
 * // an in-process pipe: exercise the newline-delimited framing without a child process
 * const [clientBytes, serverBytes] = createByteChannelPair();
 * await serverBytes.start({
 *   data: (chunk) => console.log(new TextDecoder().decode(chunk)), // the client's lines
 *   end: () => console.log('closed'),
 * });
 * const session = createClientSession({ transport: createFramedTransport(clientBytes) });
 * void session.connect(); // logs its first request as one line of JSON
 * ```
 */
export function createByteChannelPair(): [ByteChannel, ByteChannel] {
  const channel = (e: Endpoint<Uint8Array>): ByteChannel => ({
    start: (sink: ByteSink) =>
      e.start(
        (chunk) => sink.data(chunk),
        () => sink.end(),
      ),
    write: (chunk) => e.put(chunk),
    close: () => e.close(),
  });
  const [a, b] = endpoints<Uint8Array>();
  return [channel(a), channel(b)];
}
