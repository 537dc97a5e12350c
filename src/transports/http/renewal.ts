import { McpLocalError } from '../../errors/errors.js';
import { clause } from '../../errors/sentences.js';
import type { JsonRpcMessage } from '../../wire/jsonrpc.js';
import type { TransportEvent } from '../../wire/transport.js';
import {
  describeMessage,
  HttpError,
  jsonTooLarge,
  SessionExpiredError,
  transportClosed,
} from './errors.js';
import { errorBody, failureText, isSse, readCappedText } from './fetch-support.js';
import { newStream, readStream, type StreamSink } from './resumable-stream.js';
import type { HttpSession } from './session.js';

/**
 * The renewal of a legacy Streamable HTTP session the server ended (MCP 2025-03-26..2025-11-25: a
 * 404 to a message carrying the session id): the session's `initialize` and
 * `notifications/initialized` again, once for all the messages that met the same 404, bounded so
 * that a session made by a renewal is renewed again only after the server answered in it; or, when
 * that cannot be, the end of the connection with a `SessionExpiredError`.
 */

/** What renewing the session needs of the transport. */
export interface RenewalLink extends StreamSink {
  readonly url: URL;
  /** Called unbound (a page's `fetch` refuses any other `this`). */
  readonly fetch: typeof fetch;
  readonly session: HttpSession;
  /** `StreamableHttpOptions.renewSession`. */
  readonly renewSession: boolean;
  readonly closed: boolean;
  /** Every open fetch, aborted on close. */
  readonly inFlight: Set<AbortController>;
  /** Responses the transport awaits itself (the renewal's initialize), by id. */
  readonly intercepts: Map<string, (message: Record<string, unknown>) => void>;
  /**
   * The connection cannot go on: stops, ends the session `live` if the server still knows it, and
   * tells the session, so that every pending call rejects with `reason`. Returns `reason`.
   */
  fail(reason: Error, live: string | undefined): Error;
  report(event: TransportEvent): void;
  openListening(): void;
  stopListening(): void;
}

/** The renewal of one transport's session: the one under way, and whether another may follow. */
export class SessionRenewal {
  readonly #link: RenewalLink;
  /** The renewal under way, which every message and GET waits for. */
  renewing: Promise<void> | undefined;
  #renewals = 0;
  /** The current session was made by a renewal, and the server has answered no message in it yet. */
  unanswered = false;

  constructor(link: RenewalLink) {
    this.#link = link;
  }

  /**
   * A 404 to a message sent in session `expired`: resolves once a new session is up, for the
   * message to be sent again in it; throws when it may not be (`replayed`: it was sent again
   * already) or when the connection closed instead.
   */
  async expire(expired: string, replayed: boolean, refusal: HttpError): Promise<void> {
    const link = this.#link;
    if (!link.renewSession) {
      throw link.fail(
        new SessionExpiredError(
          'renewal-off',
          expired,
          `The server ended session ${JSON.stringify(expired)} (HTTP 404), and renewSession is off.`,
          refusal,
        ),
        undefined,
      );
    }
    await this.#renew(expired, refusal);
    if (link.closed) throw transportClosed();
    // Sent again once; a message that meets a 404 twice fails (the session was renewed anyway).
    if (replayed) throw refusal;
  }

  /**
   * MCP 2025-03-26..2025-11-25: a 404 for a request with a session id means the session expired;
   * the client MUST start a new one. Done once for all the messages that met the same expiry. When
   * it cannot be done (the session made by the last renewal was refused before any answer in it,
   * or initialising fails), the connection closes with a `SessionExpiredError`, which this throws.
   */
  #renew(expired: string, refusal: HttpError): Promise<void> {
    if (this.renewing !== undefined) return this.renewing;
    const link = this.#link;
    if (link.session.id !== expired) return Promise.resolve(); // renewed already
    if (this.unanswered) {
      return Promise.reject(
        link.fail(
          new SessionExpiredError(
            'refused-again',
            expired,
            `The server ended session ${JSON.stringify(expired)} (HTTP 404), which a renewal had just made, before answering anything in it; the connection is closed rather than renewed again.`,
            refusal,
          ),
          undefined,
        ),
      );
    }
    this.renewing = this.#initialize(expired).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** Initialises a new session in place of `expired`, or closes the connection saying why not. */
  async #initialize(expired: string): Promise<void> {
    const link = this.#link;
    const session = link.session;
    session.id = undefined;
    link.stopListening();
    try {
      await this.#handshake();
    } catch (error) {
      if (link.closed) throw transportClosed();
      throw link.fail(
        new SessionExpiredError(
          'renewal-failed',
          expired,
          `The server ended session ${JSON.stringify(expired)} (HTTP 404), and initialising a new one failed: ${clause(failureText(error))}.`,
          error,
        ),
        session.id,
      );
    }
    if (link.closed) throw transportClosed();
    this.unanswered = true;
    link.report({
      type: 'session-renewed',
      message: `The server ended session ${JSON.stringify(expired)} (HTTP 404); initialised session ${JSON.stringify(session.id ?? null)} and sent the request again.`,
      previousSessionId: expired,
      sessionId: session.id,
    });
    link.openListening();
  }

  /** The session's `initialize` again (its answer's version taken), then `notifications/initialized`. */
  async #handshake(): Promise<void> {
    const session = this.#link.session;
    if (session.initializeMessage === undefined) {
      throw new McpLocalError('TRANSPORT_ERROR', 'there is no initialize request to repeat');
    }
    this.#renewals++;
    const answer = await this.#postOwn({
      ...session.initializeMessage,
      id: `mcp-actors-renewal-${this.#renewals}`,
    });
    // Stryker disable next-line OptionalChaining: answer is never undefined: #postOwn returns undefined only for a message lacking id or method, and this initialize has both
    if (answer?.error !== undefined) {
      const e = answer.error as { code?: unknown; message?: unknown };
      throw new McpLocalError(
        'TRANSPORT_ERROR',
        `the server answered initialize with error ${String(e.code)} ${String(e.message)}`,
      );
    }
    const v = (answer?.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (typeof v === 'string') session.protocolVersion = v;
    if (session.initializedMessage !== undefined) await this.#postOwn(session.initializedMessage);
  }

  /** POSTs a message the transport sends for itself and returns the response to it, if it is a request. */
  async #postOwn(message: JsonRpcMessage): Promise<Record<string, unknown> | undefined> {
    const link = this.#link;
    if (link.closed) throw transportClosed(); // nothing more is sent once closed
    const controller = new AbortController();
    link.inFlight.add(controller);
    try {
      const doFetch = link.fetch; // called unbound: a page's fetch refuses any other `this`
      const response = await doFetch(link.url, {
        method: 'POST',
        headers: await link.session.headers(message, 'POST'),
        body: JSON.stringify(message),
        signal: controller.signal,
      });
      link.session.takeId(response, 'method' in message && message.method === 'initialize');
      if (!response.ok) {
        const text = await errorBody(response, link.maxBytes);
        throw new HttpError(response.status, response.statusText, text, describeMessage(message));
      }
      if (!('id' in message) || !('method' in message)) {
        await response.body?.cancel().catch(() => {});
        return undefined;
      }
      return await this.#answerTo(String(message.id), describeMessage(message), response);
    } finally {
      link.inFlight.delete(controller);
    }
  }

  /** Reads the answer to the transport's own request `id`: the response to it, or a throw. */
  async #answerTo(
    id: string,
    what: string,
    response: Response,
  ): Promise<Record<string, unknown> | undefined> {
    const link = this.#link;
    let answer: Record<string, unknown> | undefined;
    link.intercepts.set(id, (m) => (answer = m));
    try {
      const stream = newStream(id, what);
      if (isSse(response) && response.body !== null) await readStream(link, response.body, stream);
      else {
        const text = await readCappedText(response.body, link.maxBytes, () =>
          jsonTooLarge(stream.what, link.maxBytes),
        );
        link.deliver(JSON.parse(text), stream);
      }
    } finally {
      link.intercepts.delete(id);
    }
    if (answer === undefined) throw new McpLocalError('TRANSPORT_ERROR', `No response to ${what}.`);
    return answer;
  }
}
