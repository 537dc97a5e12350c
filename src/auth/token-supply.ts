/**
 * The token a request to the MCP server is sent with: the one held, at once when no flow runs and
 * it is not due for renewal (the hot path: no promise), else once the flow in progress, or a
 * renewal (the `expired` event), has settled; and the flow a refused request starts. The
 * {@link TokenSource} of the authorized fetch.
 */
import type { AuthorizationEvent } from '../../machines/authorization.js';
import type { TokenSource } from './authorized-fetch.js';
import type { AuthorizationFlow } from './flow.js';
import type { Held, TokenState } from './tokens.js';

/** One request with a DPoP-bound token: the client's, which holds the key. */
export type DpopSender = TokenSource['sendDpop'];

/** The tokens of one OAuth client, as its requests take them. */
export class TokenSupply implements TokenSource {
  readonly #tokens: TokenState;
  readonly #flow: AuthorizationFlow;
  readonly sendDpop: DpopSender;

  constructor(tokens: TokenState, flow: AuthorizationFlow, sendDpop: DpopSender) {
    this.#tokens = tokens;
    this.#flow = flow;
    this.sendDpop = sendDpop;
  }

  get loaded(): Promise<void> | undefined {
    return this.#tokens.loaded;
  }

  current(signal: AbortSignal | null | undefined): Held | undefined | Promise<Held | undefined> {
    const held = this.#tokens.held;
    if (this.#flow.settled && (held === undefined || !this.#tokens.renewDue(held))) return held;
    return this.#currentAfterFlow(signal);
  }

  async #currentAfterFlow(signal: AbortSignal | null | undefined): Promise<Held | undefined> {
    if (!this.#flow.settled) await this.#flow.settle(signal);
    const held = this.#tokens.held;
    if (held === undefined || !this.#tokens.renewDue(held)) return held;
    this.#flow.send({ type: 'expired', generation: held.generation });
    await this.#flow.settle(signal);
    return this.#tokens.held;
  }

  async reauthorize(
    event: AuthorizationEvent,
    signal: AbortSignal | null | undefined,
  ): Promise<void> {
    this.#flow.send(event);
    await this.#flow.settle(signal);
  }
}
