import type { Readable, Writable } from 'node:stream';
import type { ByteChannel, ByteSink } from '../wire/transport.js';
import { ConnectionClosedError, StreamError } from '../errors/errors.js';

/** Options of {@link createNodeStreamChannel}: the two streams, and how to close them. */
export interface NodeStreamChannelOptions {
  /** Where bytes come from (a child's stdout, a socket). */
  readonly readable: Readable;
  /** Where bytes go (a child's stdin, a socket). */
  readonly writable: Writable;
  /** What `close()` does; default: end the writable and wait for the readable to end. */
  readonly close?: () => Promise<void>;
}

/**
 * A byte channel over a pair of Node streams, for `createFramedTransport`.
 *
 * Writes respect backpressure: when the writable's buffer is full, `write` returns a promise that
 * settles on the next `'drain'`. One `'drain'` listener serves every waiting write, however many
 * there are (never a listener per write).
 *
 * @example
 * A session over a TCP socket that speaks newline-delimited JSON:
 * ```ts
 * import { connect } from 'node:net';
 * import { createClientSession, createFramedTransport } from 'mcp-actors';
 * import { createNodeStreamChannel } from 'mcp-actors/node';
 *
 * const socket = connect(7000, '127.0.0.1');
 * const channel = createNodeStreamChannel({ readable: socket, writable: socket });
 * const session = createClientSession({ transport: createFramedTransport(channel) });
 * await session.connect();
 * ```
 */
export function createNodeStreamChannel(options: NodeStreamChannelOptions): ByteChannel {
  const { readable, writable } = options;
  let ended = false;
  let sink: ByteSink | undefined;
  let waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let blocked = false;

  const finish = (reason?: Error): void => {
    if (ended) return;
    ended = true;
    // A write waiting for the stream is not what failed: the stream ended, and the reason says why.
    const error = new ConnectionClosedError(
      undefined,
      reason === undefined ? {} : { cause: reason },
    );
    for (const w of waiting) w.reject(error);
    waiting = [];
    sink?.end(reason);
  };
  const onDrain = (): void => {
    blocked = false;
    const ready = waiting;
    waiting = [];
    for (const w of ready) w.resolve();
  };

  /** Writes to the stream; resolves when a full stream has drained (one shared listener). */
  const write = (chunk: Uint8Array | string): void | Promise<void> => {
    if (ended || writable.destroyed || writable.writableEnded) throw new ConnectionClosedError();
    const accepted = writable.write(chunk);
    if (accepted && !blocked) return;
    blocked = true;
    return new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
    });
  };

  return {
    start(s: ByteSink) {
      sink = s;
      readable.on('data', (chunk: Buffer | string) => {
        s.data(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      });
      readable.on('end', () => finish());
      readable.on('close', () => finish());
      readable.on('error', (error: Error) =>
        finish(
          new StreamError('TRANSPORT_ERROR', `The input stream failed: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      writable.on('error', (error: Error) =>
        finish(
          new StreamError('TRANSPORT_ERROR', `The output stream failed: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      writable.on('drain', onDrain);
    },
    write: (chunk: Uint8Array) => write(chunk),
    writeText: (text: string) => write(text),
    async close() {
      if (options.close !== undefined) {
        await options.close();
      } else if (!ended) {
        const done = new Promise<void>((resolve) => {
          readable.once('end', resolve);
          readable.once('close', resolve);
        });
        writable.end();
        readable.destroy();
        await done;
      }
      finish();
    },
  };
}
