import { LineDecoder, encodeLine, type LineDecoderOptions } from '../framing/line.js';
import type { JsonRpcMessage } from '../jsonrpc.js';
import type { ByteChannel, Transport, TransportHandlers } from '../transport.js';

/** Options of {@link createFramedTransport}: the line decoder's. */
export type FramedTransportOptions = LineDecoderOptions;

/**
 * A transport of newline-delimited JSON over a byte channel.
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
      const lines = new LineDecoder(handlers, options);
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
