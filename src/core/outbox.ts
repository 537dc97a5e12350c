import type { Reporter } from './reporting.js';
import {
  AuthorizationError,
  McpLocalError,
  SendFailedError,
  reasonText,
  type RequestRef,
} from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport } from '../wire/transport.js';

/**
 * Writing what is not a request: responses to the server's requests and cancellations of the
 * client's own. Nobody awaits such a write, so a failure becomes a `WRITE_FAILED` diagnostic;
 * each write is shown to the inspector as the dispatcher's. Also what a failed write means for a
 * request (`sendFailure`, `transportEnded`).
 */

export class Outbox {
  readonly #transport: Transport;
  readonly #reporter: Pick<Reporter, 'wroteSelf' | 'diagnose'>;

  constructor(transport: Transport, reporter: Pick<Reporter, 'wroteSelf' | 'diagnose'>) {
    this.#transport = transport;
    this.#reporter = reporter;
  }

  /** Writes `message`; `what` names it in the diagnostic if the write fails. */
  write(message: JsonRpcMessage, what: string): void {
    this.#reporter.wroteSelf(message);
    try {
      const sent = this.#transport.send(message);
      if (sent !== undefined) {
        sent.then(undefined, (error: unknown) =>
          this.#reporter.diagnose(
            'WRITE_FAILED',
            `Could not write ${what}: ${reasonText(error)}`,
            message,
          ),
        );
      }
    } catch (error) {
      this.#reporter.diagnose(
        'WRITE_FAILED',
        `Could not write ${what}: ${reasonText(error)}`,
        message,
      );
    }
  }
}

/**
 * The error a request fails with when its message could not be sent: an authorization that
 * failed is itself the answer (the caller learns why, not merely that sending failed).
 */
export function sendFailure(request: RequestRef, error: unknown): McpLocalError {
  return error instanceof AuthorizationError ? error : new SendFailedError(request, error);
}

/**
 * Whether a failed write says the transport has ended (its peer went away, a stdio server exited):
 * then the write is not what failed. The transport's `closed` report, which follows and says why
 * (the exit code and the last stderr lines of a stdio server), settles the request instead.
 */
export function transportEnded(error: unknown): boolean {
  return error instanceof McpLocalError && error.code === 'CONNECTION_CLOSED';
}
