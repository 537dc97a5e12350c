import { LineDecoder, type LineDecoderOptions } from '../wire/line.js';
import { encodeLine } from '../wire/line-encode.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { ByteChannel, Transport, TransportHandlers } from '../wire/transport.js';

/** Options of {@link createFramedTransport}: the line decoder's. */
export type FramedTransportOptions = LineDecoderOptions;

/**
 * A transport of newline-delimited JSON over a byte channel.
 *
 * A line over `maxMessageBytes` is skipped and reported as a `MESSAGE_TOO_LARGE` stream
 * exception; when it is a response whose request id can be read from its first or last bytes,
 * that request fails at once with the same code. A message over the cap that is followed by more
 * data before its line end means the stream lost its framing: the transport closes the channel
 * and reports itself closed with that error, so that everything pending fails at once.
 *
 * @example
 * ```ts
 * import { createClientSession, createFramedTransport, type ByteChannel } from 'mcp-actors';
 * declare const socket: ByteChannel; // for example a TCP socket or a serial line
 *
 * const transport = createFramedTransport(socket, { maxMessageBytes: 4 * 1024 * 1024 });
 * const session = createClientSession({ transport });
 * await session.connect();
 * ```
 */
export function createFramedTransport(
  channel: ByteChannel,
  options: FramedTransportOptions = {},
): Transport {
  let done = false;
  return {
    start(handlers: TransportHandlers) {
      const lines = new LineDecoder(
        {
          message: (message) => handlers.message(message),
          error: (error) => handlers.error(error),
          oversizeResponse: (id, error) => handlers.lost?.(id, error),
          broken: (error) => {
            if (done) return;
            done = true;
            handlers.closed(error);
            // The channel's own end, which follows, is not reported again.
            void Promise.resolve()
              .then(() => channel.close())
              .catch(() => {});
          },
        },
        options,
      );
      return channel.start({
        data: (chunk) => lines.push(chunk),
        end: (reason) => {
          if (done) return;
          done = true;
          lines.end();
          handlers.closed(reason);
        },
      });
    },
    send(message: JsonRpcMessage) {
      return channel.writeText !== undefined
        ? channel.writeText(`${JSON.stringify(message)}\n`)
        : channel.write(encodeLine(message));
    },
    close() {
      return channel.close();
    },
  };
}
