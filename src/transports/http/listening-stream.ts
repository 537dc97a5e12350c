import { clause, counted } from '../../errors/sentences.js';
import { failureText } from './fetch-support.js';
import { follow, newStream, type StreamResumer } from './resumable-stream.js';

/**
 * The legacy standalone GET stream of Streamable HTTP (MCP 2025-03-26..2025-11-25): the server's
 * requests and notifications outside any request. Opened once the session is initialised (and
 * again after a renewal), followed with the same reconnection rules as a request's stream, and
 * given up quietly on 405/404, or with a stream exception on an event over `maxMessageBytes`.
 */

/** What the standalone stream needs of the transport. */
export interface ListeningLink extends StreamResumer {
  /** `StreamableHttpOptions.standaloneStream`. */
  readonly standaloneStream: boolean;
  /** Whether requests carry 2026 stamps: there is no standalone stream then. */
  readonly session: StreamResumer['session'] & { readonly modern: boolean };
  /** Every open fetch, aborted on close. */
  readonly inFlight: Set<AbortController>;
}

/** The standalone GET stream of one transport: open at most once at a time. */
export class ListeningStream {
  readonly #link: ListeningLink;
  #controller: AbortController | undefined;

  constructor(link: ListeningLink) {
    this.#link = link;
  }

  /** Opens the stream, unless it is open already, turned off, or of no use (closed, 2026). */
  open(): void {
    const link = this.#link;
    if (!link.standaloneStream || link.closed || link.session.modern) return;
    if (this.#controller !== undefined) return;
    const controller = new AbortController();
    this.#controller = controller;
    link.inFlight.add(controller);
    const stream = newStream(undefined, 'the standalone GET stream');
    void follow(link, stream, controller.signal, false).then((outcome) => {
      link.inFlight.delete(controller);
      if (this.#controller === controller) this.#controller = undefined;
      if (outcome.kind === 'too-large') {
        // Reopened, the stream would bring the same event again.
        link.error(outcome.cause);
        link.report({
          type: 'stream-lost',
          message: `The standalone GET stream carried an event over ${link.maxBytes} bytes (maxMessageBytes) and was closed; server messages outside requests will not arrive.`,
        });
      } else if (
        outcome.kind === 'ended' ||
        (outcome.kind === 'exhausted' && link.policy.maxRetries === 0)
      ) {
        // Reconnection is off: the stream is opened once.
        const cause = outcome.cause;
        link.report({
          type: 'stream-lost',
          message: `The standalone GET stream ${cause === undefined ? 'ended' : `failed (${clause(failureText(cause))})`} and is not reopened (reconnect.maxRetries is 0); server messages outside requests will not arrive.`,
          ...(cause === undefined ? {} : { cause: failureText(cause) }),
        });
      } else if (outcome.kind === 'exhausted') {
        link.report({
          type: 'stream-lost',
          message: `The standalone GET stream could not be reopened after ${counted(link.policy.maxRetries, 'attempt')} (the last: ${clause(failureText(outcome.cause))}); server messages outside requests will not arrive.`,
          cause: failureText(outcome.cause),
        });
      }
    });
  }

  /**
   * Closes the stream if it is open (a renewal reopens it in the new session): forgotten at once,
   * so that a stream opened before the aborted one has wound down is not refused.
   */
  abort(): void {
    this.#controller?.abort();
    this.#controller = undefined;
  }
}
