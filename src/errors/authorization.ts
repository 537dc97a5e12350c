/**
 * OAuth authorization errors: `AuthorizationError`, with the check or step that failed
 * (`AuthorizationFailure`) and the values of a mismatch.
 */
import { McpLocalError } from './base.js';

/**
 * Why an OAuth authorization failed ({@link AuthorizationError.reason}):
 * - `discovery-failed`: no Protected Resource Metadata or authorization server metadata could be read;
 * - `resource-mismatch`: the metadata's `resource` is not the MCP server the client talks to;
 * - `issuer-mismatch`: the authorization server's metadata names another `issuer` than the one
 *   its URL was built from, or a pre-registered client belongs to another authorization server;
 * - `iss-mismatch`, `iss-missing`: the authorization response's `iss` (RFC 9207) is wrong, or absent
 *   though the server said it sends one;
 * - `state-mismatch`: the authorization response's `state` is not the one sent;
 * - `pkce-unsupported`: the authorization server does not advertise PKCE `S256`;
 * - `insecure-endpoint`: an endpoint is plain `http:` and not on a loopback address;
 * - `no-client`: no way to a client id (nothing pre-registered, no Client ID Metadata Document, no
 *   registration endpoint);
 * - `registration-failed`: Dynamic Client Registration was refused;
 * - `access-denied`: the authorization server's authorization response was an error (its `error`
 *   is in {@link AuthorizationError.oauthError});
 * - `token-request-failed`: the token endpoint refused a grant (its `error` likewise);
 * - `user-agent-failed`: sending the user to the authorization server failed, was cancelled, or
 *   timed out, or no way to do it was given;
 * - `insufficient-scope`: the server still refused for lack of scope after the step-ups allowed;
 * - `unauthorized`: the server refused a token that was just issued;
 * - `invalid-response`: an answer of the authorization server did not conform.
 */
export type AuthorizationFailure =
  | 'discovery-failed'
  | 'resource-mismatch'
  | 'issuer-mismatch'
  | 'iss-mismatch'
  | 'iss-missing'
  | 'state-mismatch'
  | 'pkce-unsupported'
  | 'insecure-endpoint'
  | 'no-client'
  | 'registration-failed'
  | 'access-denied'
  | 'token-request-failed'
  | 'user-agent-failed'
  | 'insufficient-scope'
  | 'unauthorized'
  | 'invalid-response';

/** Details of an {@link AuthorizationError}. */
export interface AuthorizationErrorDetails {
  /** The value expected, for a mismatch. */
  readonly expected?: string | undefined;
  /** The value found, for a mismatch. */
  readonly actual?: string | undefined;
  /** The OAuth `error` code the authorization server answered with, if it did. */
  readonly oauthError?: string | undefined;
  /** The underlying error, when it carries nothing secret. */
  readonly cause?: unknown;
}

/**
 * An OAuth authorization to an MCP server failed: `reason` says which check or step. A mismatch
 * names both values (`expected`, `actual`). Tokens, codes, secrets and keys never appear in it.
 *
 * @example
 * ```ts
 * import { AuthorizationError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof AuthorizationError && error.reason === 'issuer-mismatch') {
 *     console.log(`expected ${error.expected}, found ${error.actual}`);
 *   }
 * }
 * ```
 */
export class AuthorizationError extends McpLocalError {
  override name = 'AuthorizationError';
  declare readonly code: 'AUTHORIZATION_FAILED';
  /** Which check or step failed. */
  readonly reason: AuthorizationFailure;
  /** The value expected, for a mismatch. */
  readonly expected: string | undefined;
  /** The value found, for a mismatch. */
  readonly actual: string | undefined;
  /** The OAuth `error` code the authorization server answered with, if it did. */
  readonly oauthError: string | undefined;
  constructor(reason: AuthorizationFailure, message: string, details?: AuthorizationErrorDetails) {
    super(
      'AUTHORIZATION_FAILED',
      message,
      details?.cause === undefined ? undefined : { cause: details.cause },
    );
    this.reason = reason;
    this.expected = details?.expected;
    this.actual = details?.actual;
    this.oauthError = details?.oauthError;
  }
}
