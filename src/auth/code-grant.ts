/**
 * The authorization code grant with PKCE: the authorization URL (S256 challenge, `state`,
 * `resource`, `scope`, `dpop_jkt`), the user agent that sends the user there, the redirect
 * checked (RFC 9207 `iss`, `state`) before the code goes anywhere, and the code's exchange, with
 * the verifier recorded for it (MCP 2026-07-28: with the expected issuer).
 */
import type * as OAuth from 'oauth4webapi';
import { AuthorizationError, McpLocalError, reasonText } from '../errors/errors.js';
import type { AtServer } from './authorization-server.js';
import type { DpopKeys } from './dpop.js';
import type { TokenEndpoint } from './grants.js';
import type { OAuthLibrary } from './network.js';
import type { UserAgent } from './types.js';

/** A code flow's record: what the redirect is checked against (MCP 2026-07-28: with the verifier). */
interface PendingAuthorization {
  readonly verifier: string;
  readonly state: string;
  readonly issuer: string;
  readonly redirectUri: string;
  params?: URLSearchParams;
}

/** The grant's options. */
export interface CodeGrantOptions {
  readonly redirectUri: string;
  readonly userAgent: UserAgent;
}

/** One authorization code flow at a time: the user's authorization, then the code's exchange. */
export class AuthorizationCodeGrant {
  readonly #grant: CodeGrantOptions;
  readonly #dpop: DpopKeys;
  #pending: PendingAuthorization | undefined;

  constructor(grant: CodeGrantOptions, dpop: DpopKeys) {
    this.#grant = grant;
    this.#dpop = dpop;
  }

  /** Sends the user to authorize `scope` at `at`, as `client`; keeps the redirect. */
  async authorize(
    lib: OAuthLibrary,
    at: AtServer,
    client: OAuth.Client,
    scope: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const grant = this.#grant;
    const endpoint = at.as.authorization_endpoint;
    if (endpoint === undefined) {
      throw new AuthorizationError(
        'discovery-failed',
        `The authorization server ${at.issuer} has no authorization endpoint.`,
      );
    }
    const verifier = lib.generateRandomCodeVerifier();
    const state = lib.generateRandomState();
    const url = new URL(endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', grant.redirectUri);
    url.searchParams.set('code_challenge', await lib.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    url.searchParams.set('resource', at.prm.resource);
    if (scope !== undefined) url.searchParams.set('scope', scope);
    if (at.useDpop) {
      const handle = await this.#dpop.handle(lib, at);
      url.searchParams.set('dpop_jkt', await handle.calculateThumbprint());
    }
    // MCP 2026-07-28: the expected issuer is recorded with the verifier, before the redirect.
    const pending: PendingAuthorization = {
      verifier,
      state,
      issuer: at.issuer,
      redirectUri: grant.redirectUri,
    };
    this.#pending = pending;
    const callback = await this.#redirect(url, at.issuer, state, signal);
    pending.params = checkCallback(lib, at, client, callback, state);
  }

  /** The user agent's round trip: where the user came back to. */
  async #redirect(url: URL, issuer: string, state: string, signal: AbortSignal): Promise<URL> {
    let returned: string | URL;
    try {
      returned = await this.#grant.userAgent({
        url,
        redirectUri: this.#grant.redirectUri,
        state,
        issuer,
        signal,
      });
    } catch (error) {
      if (error instanceof AuthorizationError) throw error;
      // The user agent's own error is the cause: the caller may recognise it.
      throw new AuthorizationError(
        'user-agent-failed',
        `Sending the user to ${url.origin}${url.pathname} failed: ${reasonText(error)}`,
        { cause: error },
      );
    }
    try {
      return new URL(returned);
    } catch {
      throw new AuthorizationError(
        'invalid-response',
        'The user agent returned something that is not the redirect URL.',
      );
    }
  }

  /** Redeems the code of the authorization response kept (once). */
  exchange(endpoint: TokenEndpoint): Promise<OAuth.TokenEndpointResponse> {
    const { lib, at, client, auth } = endpoint;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending?.params === undefined || pending.issuer !== at.issuer) {
      return Promise.reject(
        new McpLocalError('INVALID_STATE', 'No authorization response to redeem.'),
      );
    }
    const params = pending.params;
    return endpoint.request(
      'authorization code exchange',
      (options) =>
        lib.authorizationCodeGrantRequest(
          at.as,
          client,
          auth,
          params,
          pending.redirectUri,
          pending.verifier,
          options,
        ),
      (r) => lib.processAuthorizationCodeResponse(at.as, client, r),
    );
  }
}

/** RFC 9207 and `state`, before the code goes anywhere (MCP 2026-07-28, response validation). */
function checkCallback(
  lib: OAuthLibrary,
  at: AtServer,
  client: OAuth.Client,
  callback: URL,
  state: string,
): URLSearchParams {
  const iss = callback.searchParams.get('iss') ?? undefined;
  try {
    return lib.validateAuthResponse(at.as, client, callback, state);
  } catch (error) {
    if (error instanceof lib.AuthorizationResponseError) throw denied(error);
    const message = reasonText(error);
    if (/"iss".*missing/.test(message)) {
      throw new AuthorizationError(
        'iss-missing',
        `The authorization response carries no iss, though ${at.issuer} says it sends one (RFC 9207); the code is not used.`,
        { expected: at.issuer },
      );
    }
    if (/"iss"/.test(message)) {
      throw new AuthorizationError(
        'iss-mismatch',
        `The authorization response's iss ${JSON.stringify(iss)} is not the issuer ${JSON.stringify(at.issuer)} the request went to (RFC 9207); the code is not used.`,
        { expected: at.issuer, actual: iss },
      );
    }
    if (/"state"/.test(message)) {
      throw new AuthorizationError(
        'state-mismatch',
        "The authorization response's state is not the one sent; the response is discarded.",
      );
    }
    throw new AuthorizationError(
      'invalid-response',
      `The authorization response is not usable: ${message}`,
    );
  }
}

function denied(error: OAuth.AuthorizationResponseError): AuthorizationError {
  return new AuthorizationError(
    'access-denied',
    `The authorization server answered ${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}.`,
    { oauthError: error.error },
  );
}
