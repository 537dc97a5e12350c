import type { ChildProcess } from 'node:child_process';
import { createFramedTransport } from '../transports/framed.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import { createNodeStreamChannel } from './streams.js';

/**
 * A stdio server's pipes as a transport: newline-delimited JSON written to its stdin and read
 * from its stdout, telling the two ways reading can stop apart: the output ended (or a pipe
 * failed), or the framing broke (a message over the cap ran into the next one).
 */

/** Where the end of the server's output goes. */
export interface PipeEnds {
  /** Its stdout ended, or a pipe failed (`reason`). */
  outputEnded(reason: Error | undefined): void;
  /** The stream lost its framing while the output still ran. */
  fail(reason: Error): void;
}

/** The framed transport over a server's stdin and stdout. */
export class StdioPipes {
  /** The framed transport: messages are sent straight to it. */
  readonly framed: Transport;
  #inputEnded = false;

  /** Frames `proc`'s pipes; `close` is what closing the channel waits for (the process's end). */
  constructor(proc: ChildProcess, maxMessageBytes: number | undefined, close: () => Promise<void>) {
    const stdin = proc.stdin;
    const stdout = proc.stdout;
    if (stdin === null || stdout === null) throw new Error('spawn gave no stdio pipes');
    // EPIPE after the server exited is the exit's business, not an unhandled error.
    stdin.on('error', () => {});
    const streams = createNodeStreamChannel({ readable: stdout, writable: stdin, close });
    this.framed = createFramedTransport(
      {
        ...streams,
        start: (sink) =>
          streams.start({
            data: (chunk) => sink.data(chunk),
            end: (reason) => {
              this.#inputEnded = true;
              sink.end(reason);
            },
          }),
      },
      maxMessageBytes === undefined ? {} : { maxMessageBytes },
    );
  }

  /** Starts reading: messages and stream errors go to `h`, the end of the output to `ends`. */
  start(h: TransportHandlers, ends: PipeEnds): void {
    void this.framed.start({
      message: (m) => h.message(m),
      error: (e) => h.error(e),
      lost: (id, e) => h.lost?.(id, e),
      closed: (reason) => {
        if (!this.#inputEnded) {
          // The framing broke (a message over the cap ran into the next one).
          if (reason !== undefined) ends.fail(reason);
          return;
        }
        ends.outputEnded(reason);
      },
    });
  }
}
