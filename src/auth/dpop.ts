/**
 * DPoP (RFC 9449): the client's one key pair, generated on first use; the proof handle of each
 * authorization server (its nonces); and a request to the MCP server with a DPoP-bound token and
 * a fresh proof.
 */
import type * as OAuth from 'oauth4webapi';
import type { CryptoKeyPair } from 'oauth4webapi';
import type { OAuthLibrary } from './network.js';

/** Where a DPoP handle is kept: with the authorization server it is used at. */
export interface DpopHolder {
  readonly client?: OAuth.Client;
  dpop?: OAuth.DPoPHandle | undefined;
}

/** The client's DPoP key pair, and the handles made with it. */
export class DpopKeys {
  #keys: Promise<CryptoKeyPair> | undefined;

  /** The handle of `at`, made on first use. */
  async handle(lib: OAuthLibrary, at: DpopHolder): Promise<OAuth.DPoPHandle> {
    if (at.dpop !== undefined) return at.dpop;
    this.#keys ??= lib.generateKeyPair('ES256');
    at.dpop = lib.DPoP(at.client ?? { client_id: '' }, await this.#keys);
    return at.dpop;
  }
}

/**
 * One request to the MCP server with a DPoP-bound `accessToken` (`headers` are the request's,
 * without an authorization), no redirect followed. The server's challenge (a nonce, an expired
 * token) is answered like any 401: its response is returned.
 */
export async function dpopRequest(
  lib: OAuthLibrary,
  handle: OAuth.DPoPHandle,
  accessToken: string,
  url: URL,
  init: RequestInit | undefined,
  headers: Headers,
  base: typeof fetch,
): Promise<Response> {
  try {
    return await lib.protectedResourceRequest(
      accessToken,
      init?.method ?? 'GET',
      url,
      headers,
      (init?.body ?? null) as OAuth.ProtectedResourceRequestBody,
      {
        DPoP: handle,
        ...(init?.signal === undefined || init.signal === null ? {} : { signal: init.signal }),
        [lib.customFetch]: (u: string, options: OAuth.CustomFetchOptions<string, unknown>) =>
          base(u, options as RequestInit),
        [lib.allowInsecureRequests]: true,
      },
    );
  } catch (error) {
    if (error instanceof lib.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}
