/**
 * Errors of what a call got back, checked against the negotiated revision: a result that does not
 * fit (`InvalidResultError`), a method the revision lacks (`UnsupportedInRevisionError`), a
 * listing that did not end (`PaginationError`), the client's own callback answer that does not
 * fit (`CallbackResultError`), and input rounds past the limit (`TooManyRoundsError`).
 */
import { McpLocalError, type ErrorHint } from './base.js';
import { clause, issueList } from './sentences.js';

/**
 * A result did not fit its method's schema in the negotiated revision.
 *
 * @example
 * ```ts
 * import { InvalidResultError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof InvalidResultError) {
 *     for (const issue of error.issues) console.log(issue.path.map(String), issue.message);
 *   }
 * }
 * ```
 */
export class InvalidResultError extends McpLocalError {
  override name = 'InvalidResultError';
  declare readonly code: 'INVALID_RESULT';
  readonly method: string;
  readonly revision: string;
  /** Where and why the result failed (path into the result, and the problem). */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
  constructor(
    method: string,
    revision: string,
    issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  ) {
    super(
      'INVALID_RESULT',
      `The server's ${method} result does not fit protocol ${revision}: ${issueList(issues)}. The server is not following the protocol version it negotiated.`,
    );
    this.method = method;
    this.revision = revision;
    this.issues = issues;
  }
}

/**
 * A method the negotiated revision does not have (for example `ping` on 2026-07-28).
 *
 * @example
 * ```ts
 * import { UnsupportedInRevisionError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.ping();
 * } catch (error) {
 *   // for example ping on 2026-07-28
 *   if (error instanceof UnsupportedInRevisionError) console.log(error.method, error.revision);
 * }
 * ```
 */
export class UnsupportedInRevisionError extends McpLocalError {
  override name = 'UnsupportedInRevisionError';
  declare readonly code: 'UNSUPPORTED_IN_REVISION';
  readonly method: string;
  readonly revision: string;
  constructor(method: string, revision: string, instead: string) {
    super('UNSUPPORTED_IN_REVISION', `Protocol ${revision} has no ${method}; ${instead}.`);
    this.method = method;
    this.revision = revision;
  }
}

/**
 * A paginated listing that did not end: a repeated cursor, or more pages than the cap.
 *
 * @example
 * ```ts
 * import { PaginationError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listAllTools({ maxPages: 20 });
 * } catch (error) {
 *   if (error instanceof PaginationError) console.log(error.method, error.pages); // 'tools/list' 20
 * }
 * ```
 */
export class PaginationError extends McpLocalError {
  override name = 'PaginationError';
  declare readonly code: 'PAGINATION_FAILED';
  readonly method: string;
  readonly pages: number;
  constructor(method: string, pages: number, why: string, hint?: ErrorHint) {
    super(
      'PAGINATION_FAILED',
      `Listing ${method} stopped after ${pages} pages: ${clause(why)}.`,
      hint === undefined ? undefined : { hint },
    );
    this.method = method;
    this.pages = pages;
  }
}

/**
 * The client's own answer to a server request (or a 2026 input request) does not fit the
 * negotiated revision's schema: a sampling, elicitation or roots callback (or a request handler)
 * returned, say, `{ action: 'acept' }`. The answer is not sent. To a legacy server the request is
 * answered with `-32603` and this error's message instead (and the session reports an
 * `INVALID_CALLBACK_RESULT` diagnostic); on 2026-07-28 the call whose input was asked for rejects
 * with it.
 *
 * @example
 * ```ts
 * import { CallbackResultError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('deploy'); // a 2026 server asks for input through the callbacks
 * } catch (error) {
 *   if (error instanceof CallbackResultError) {
 *     for (const issue of error.issues) console.log(issue.path.join('.'), issue.message);
 *   }
 * }
 * ```
 */
export class CallbackResultError extends McpLocalError {
  override name = 'CallbackResultError';
  declare readonly code: 'HANDLER_FAILED';
  /** The server request (or input request) the answer was for. */
  readonly method: string;
  readonly revision: string;
  /** Which fields of the answer are wrong (path into the answer, and the problem). */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
  constructor(
    method: string,
    revision: string,
    issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  ) {
    super(
      'HANDLER_FAILED',
      `The client's answer to ${method} does not fit protocol ${revision}: ${issueList(issues)}.`,
    );
    this.method = method;
    this.revision = revision;
    this.issues = issues;
  }
}

/**
 * A 2026 request kept asking for input past the round limit.
 *
 * @example
 * ```ts
 * import { TooManyRoundsError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('deploy', {}, { maxInputRounds: 3 });
 * } catch (error) {
 *   if (error instanceof TooManyRoundsError) console.log(error.method, error.rounds); // 'tools/call' 3
 * }
 * ```
 */
export class TooManyRoundsError extends McpLocalError {
  override name = 'TooManyRoundsError';
  declare readonly code: 'TOO_MANY_ROUNDS';
  readonly method: string;
  readonly rounds: number;
  constructor(method: string, rounds: number) {
    super('TOO_MANY_ROUNDS', `${method} still asked for input after ${rounds} rounds.`, {
      hint: {
        text: "Raise maxInputRounds if the server legitimately needs more, or pass inputRequired: 'return' to drive the rounds yourself.",
        option: 'maxInputRounds',
      },
    });
    this.method = method;
    this.rounds = rounds;
  }
}
