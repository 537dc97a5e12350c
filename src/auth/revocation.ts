/**
 * Token revocation (RFC 7009) at logout: the refresh token, then the access token, at the
 * authorization server that issued them; a kind of token it cannot revoke is reported, as is a
 * failure (never thrown: the tokens are forgotten either way).
 */
import type * as OAuth from 'oauth4webapi';
import { reasonText } from '../errors/errors.js';
import type { AtServer } from './authorization-server.js';
import { requestOptions, type DiscoveryContext } from './discovery.js';
import type { OAuthLibrary } from './network.js';
import type { StoredTokens } from './store.js';
import type { Revocation, TokenKind } from './types.js';

/** Nothing revoked, and why. */
export const notRevoked = (why: string): Revocation => ({ revoked: [], unsupported: [], why });

/** Revokes the tokens `held` at `at`, as `client`. */
export async function revokeTokens(
  lib: OAuthLibrary,
  context: DiscoveryContext,
  at: AtServer,
  client: OAuth.Client,
  held: StoredTokens,
): Promise<Revocation> {
  if (at.as.revocation_endpoint === undefined) {
    return notRevoked(`${at.issuer} has no revocation endpoint`);
  }
  const revoked: TokenKind[] = [];
  const unsupported: TokenKind[] = [];
  const kinds: [TokenKind, string | undefined][] = [
    ['refresh_token', held.refreshToken],
    ['access_token', held.accessToken],
  ];
  for (const [kind, token] of kinds) {
    if (token === undefined) continue;
    try {
      const response = await lib.revocationRequest(
        at.as,
        client,
        at.clientAuth ?? lib.None(),
        token,
        { ...requestOptions(context), additionalParameters: { token_type_hint: kind } },
      );
      await lib.processRevocationResponse(response);
      revoked.push(kind);
    } catch (error) {
      // RFC 7009 §2.2.1: a server that cannot revoke this kind of token (a JWT access token).
      if (error instanceof lib.ResponseBodyError && error.error === 'unsupported_token_type') {
        unsupported.push(kind);
        continue;
      }
      const why = error instanceof lib.ResponseBodyError ? error.error : reasonText(error);
      return { revoked, unsupported, why: `${at.issuer} refused: ${why}` };
    }
  }
  return { revoked, unsupported, why: undefined };
}
