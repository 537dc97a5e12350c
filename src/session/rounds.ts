/**
 * 2026-07-28 multi-round requests (MCP basic/patterns/mrtr): a result that asks for input
 * (`InputRequiredResult`) is answered by running its input requests through the client's
 * callbacks, and the request is retried with the original params, `inputResponses` and the
 * byte-exact `requestState`, until a complete result or the round limit.
 */
import {
  ConnectionClosedError,
  RequestCancelledError,
  TooManyRoundsError,
} from '../errors/errors.js';
import type { CallbackExtra } from './callbacks.js';
import { withoutRequestId } from './support.js';
import { DEFAULT_MAX_INPUT_ROUNDS, type CallOptions, type InputRoundOptions } from './types.js';

/** What the rounds need of the session: the retry (a typed request) and the connection's close. */
export interface RoundsDeps {
  /** Sends a retry: a new request, checked for the negotiated revision. */
  readonly retry: (
    method: string,
    params: Record<string, unknown>,
    options: CallOptions | undefined,
  ) => Promise<Record<string, unknown>>;
  /** Runs one input request through the client's callbacks. */
  readonly answer: (
    method: string,
    params: Record<string, unknown> | undefined,
    extra: CallbackExtra,
  ) => Promise<unknown>;
  /** Calls `listener` when the connection closes; returns the unsubscribe function. */
  readonly onClose: (listener: (reason: unknown) => void) => () => void;
}

export class InputRounds {
  readonly #deps: RoundsDeps;

  constructor(deps: RoundsDeps) {
    this.#deps = deps;
  }

  /**
   * Answers each `InputRequiredResult`, from `first`, and retries (a new request, so a new id)
   * until the result is complete; `TOO_MANY_ROUNDS` after `maxInputRounds`.
   */
  async more(
    method: string,
    params: Record<string, unknown>,
    options: InputRoundOptions | undefined,
    first: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const maxRounds = options?.maxInputRounds ?? DEFAULT_MAX_INPUT_ROUNDS;
    // Each retry is a new request: a caller's requestId named the first only.
    const retryOptions = withoutRequestId(options);
    // Later rounds validate in place: the rounds themselves are this function's loop.
    let result = first;
    for (let round = 1; result.resultType === 'input_required'; round++) {
      if (round > maxRounds) throw new TooManyRoundsError(method, maxRounds);
      const responses = await this.#answerAll(method, result.inputRequests, options?.signal);
      const retry: Record<string, unknown> = { ...params };
      if (responses !== undefined) retry.inputResponses = responses;
      if (result.requestState !== undefined) retry.requestState = result.requestState;
      result = await this.#deps.retry(method, retry, retryOptions);
    }
    return result;
  }

  /**
   * Runs one round's input requests through the callbacks. Their signal is aborted when the
   * caller's is or the connection closes (as for a server request), and the round ends then, with
   * `REQUEST_CANCELLED` or `CONNECTION_CLOSED`, whether or not a callback heeds the signal.
   */
  async #answerAll(
    method: string,
    requests: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    if (typeof requests !== 'object' || requests === null) return undefined;
    const entries = Object.entries(
      requests as Record<string, { method: string; params?: Record<string, unknown> }>,
    );
    if (entries.length === 0) return undefined;
    const controller = new AbortController();
    const live = controller.signal;
    const stopped = new Promise<never>((_, reject) => {
      live.addEventListener('abort', () => reject(live.reason as Error), { once: true });
    });
    const ref = { method, id: '(input round)' };
    const cancel = (): void =>
      controller.abort(new RequestCancelledError(ref, (signal as AbortSignal).reason));
    const stopClose = this.#deps.onClose((reason) =>
      controller.abort(new ConnectionClosedError(ref, { cause: reason })),
    );
    if (signal?.aborted === true) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    try {
      const answers = await Promise.race([
        stopped,
        Promise.all(
          entries.map(async ([key, input]) => {
            const meta = input.params?._meta;
            const answer = await this.#deps.answer(input.method, input.params, {
              requestId: key,
              method: input.method,
              meta:
                typeof meta === 'object' && meta !== null
                  ? (meta as Record<string, unknown>)
                  : undefined,
              signal: live,
            });
            return [key, answer] as const;
          }),
        ),
      ]);
      return Object.fromEntries(answers);
    } finally {
      stopClose();
      signal?.removeEventListener('abort', cancel);
    }
  }
}
