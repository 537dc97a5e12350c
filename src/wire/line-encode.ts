/**
 * Newline-delimited JSON framing, the encoding side: one message as one line of UTF-8 JSON (the
 * line decoder in line.ts reads them back).
 */

const encoder = new TextEncoder();

/**
 * Encodes one message as a line of UTF-8 JSON.
 *
 * @example
 * ```ts
 * import { encodeLine, type ByteChannel } from 'mcp-actors';
 * declare const channel: ByteChannel;
 *
 * const bytes = encodeLine({ jsonrpc: '2.0', method: 'notifications/initialized' });
 * await channel.write(bytes); // one UTF-8 line of JSON, ending in '\n'
 * ```
 */
export function encodeLine(message: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(message)}\n`);
}
