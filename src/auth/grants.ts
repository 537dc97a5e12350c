/**
 * The token endpoint: one request of a grant (with the resource indicator, a DPoP proof when
 * tokens are bound, sent once more on a DPoP nonce challenge, its failure mapped to an
 * `AuthorizationError`), and the grants without a user: client credentials, the JWT bearer grant
 * (RFC 7523: workload identity, ID-JAG) and the refresh token grant. The authorization code grant
 * is code-grant.ts.
 */
import type * as OAuth from 'oauth4webapi';
import { AuthorizationError, reasonText } from '../errors/errors.js';
import type { AtServer } from './authorization-server.js';
import { requestOptions } from './discovery.js';
import type { DpopKeys } from './dpop.js';
import type { AuthNetwork, OAuthLibrary } from './network.js';
import type { AssertionProvider } from './types.js';

/** The grant type of RFC 7523. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** How a grant sends a token request and reads its answer. */
type Send = (options: OAuth.TokenEndpointRequestOptions) => Promise<Response>;
type Process = (response: Response) => Promise<OAuth.TokenEndpointResponse>;

/** The token endpoint of the authorization server in use, for one client. */
export interface TokenEndpoint {
  readonly lib: OAuthLibrary;
  readonly at: AtServer;
  readonly client: OAuth.Client;
  readonly auth: OAuth.ClientAuth;
  /** Sends a token request (the `what` names it in errors), once more on a DPoP nonce challenge. */
  request(what: string, send: Send, process: Process): Promise<OAuth.TokenEndpointResponse>;
}

/** The token endpoint of `at` for `client`; its requests go through `network`, with `signal`. */
export function tokenEndpoint(
  lib: OAuthLibrary,
  at: AtServer,
  client: OAuth.Client,
  network: AuthNetwork,
  dpop: DpopKeys,
  signal: AbortSignal,
): TokenEndpoint {
  return {
    lib,
    at,
    client,
    auth: at.clientAuth ?? lib.None(),
    async request(what, send, process) {
      const context = network.context(signal);
      const handle = at.useDpop ? await dpop.handle(lib, at) : undefined;
      const options = {
        ...requestOptions(context),
        additionalParameters: { resource: at.prm.resource },
        ...(handle === undefined ? {} : { DPoP: handle }),
      } as OAuth.TokenEndpointRequestOptions;
      // RFC 9449 §8: an authorization server's nonce; the proof of the retry carries it.
      for (let attempt = 0; ; attempt++) {
        try {
          return await process(await send(options));
        } catch (error) {
          if (handle !== undefined && attempt === 0 && lib.isDPoPNonceError(error)) continue;
          throw tokenFailure(lib, what, error);
        }
      }
    },
  };
}

/** The client credentials grant (extension `io.modelcontextprotocol/oauth-client-credentials`). */
export function clientCredentialsGrant(
  endpoint: TokenEndpoint,
  scope: string | undefined,
): Promise<OAuth.TokenEndpointResponse> {
  const { lib, at, client, auth } = endpoint;
  const parameters: Record<string, string> = { resource: at.prm.resource };
  if (scope !== undefined) parameters['scope'] = scope;
  return endpoint.request(
    'client credentials grant',
    (options) => lib.clientCredentialsGrantRequest(at.as, client, auth, parameters, options),
    (r) => lib.processClientCredentialsResponse(at.as, client, r),
  );
}

/** The JWT bearer grant, with an assertion from `assertion` (given a bounded `fetch`). */
export async function jwtBearerGrant(
  endpoint: TokenEndpoint,
  assertion: AssertionProvider,
  scope: string | undefined,
  signal: AbortSignal,
  fetch: typeof globalThis.fetch,
): Promise<OAuth.TokenEndpointResponse> {
  const { lib, at, client, auth } = endpoint;
  let jwt: string;
  try {
    jwt = await assertion({ issuer: at.issuer, resource: at.prm.resource, scope, signal, fetch });
  } catch (error) {
    if (error instanceof AuthorizationError) throw error;
    throw new AuthorizationError(
      'token-request-failed',
      `Obtaining the assertion of the JWT bearer grant failed: ${reasonText(error)}`,
    );
  }
  const parameters: Record<string, string> = { assertion: jwt, resource: at.prm.resource };
  if (scope !== undefined) parameters['scope'] = scope;
  return endpoint.request(
    'JWT bearer grant',
    (options) =>
      lib.genericTokenEndpointRequest(at.as, client, auth, JWT_BEARER, parameters, options),
    (r) => lib.processGenericTokenEndpointResponse(at.as, client, r),
  );
}

/** The refresh token grant. */
export function refreshTokenGrant(
  endpoint: TokenEndpoint,
  refreshToken: string,
): Promise<OAuth.TokenEndpointResponse> {
  const { lib, at, client, auth } = endpoint;
  return endpoint.request(
    'refresh token grant',
    (options) => lib.refreshTokenGrantRequest(at.as, client, auth, refreshToken, options),
    (r) => lib.processRefreshTokenResponse(at.as, client, r),
  );
}

/** Maps an error of a token endpoint call to an {@link AuthorizationError}. */
function tokenFailure(lib: OAuthLibrary, what: string, error: unknown): AuthorizationError {
  if (error instanceof AuthorizationError) return error;
  if (error instanceof lib.WWWAuthenticateChallengeError) {
    // A 401 with a challenge: the client's authentication was refused.
    return new AuthorizationError(
      'token-request-failed',
      `The ${what} was refused with HTTP ${error.status} (the client's authentication).`,
      { oauthError: 'invalid_client' },
    );
  }
  if (error instanceof lib.ResponseBodyError) {
    return new AuthorizationError(
      'token-request-failed',
      `The ${what} was refused: ${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}.`,
      { oauthError: error.error },
    );
  }
  // Not the error itself as the cause: oauth4webapi's errors may hold the response body.
  return new AuthorizationError('invalid-response', `The ${what} failed: ${reasonText(error)}`);
}
