/**
 * What a refused request to the MCP server leads to: a `401` re-authorizes (at most twice per
 * request; a resource server's DPoP nonce is first retried once as is), a `403
 * insufficient_scope` steps up to the union of the scopes held and challenged (at most
 * `maxStepUps` times, and only when the challenge asks for a scope not held); past those, the
 * request fails with an `AuthorizationError`.
 */
import type { AuthorizationEvent } from '../../machines/authorization.js';
import { AuthorizationError } from '../errors/errors.js';
import type { AuthChallenge } from './challenge.js';
import { scopeSet } from './scopes.js';
import type { Held } from './tokens.js';

/** How often one request was refused so far. */
export interface Refusals {
  /** `401`s answered by authorizing again. */
  rejected: number;
  /** `403 insufficient_scope`s answered by stepping up. */
  stepUps: number;
  /** Whether a DPoP nonce challenge was retried. */
  nonceRetried: boolean;
}

/** What a refused request does next. */
export interface Refusal {
  readonly status: number;
  readonly challenge: AuthChallenge;
  /** The token the request was sent with. */
  readonly held: Held | undefined;
  /** The request's URL (for messages). */
  readonly url: URL;
}

/**
 * The event that re-authorizes after `refusal` (a `401`, or a `403 insufficient_scope`), or
 * undefined to send the request again as it is (a DPoP nonce); throws to give up. Counts in
 * `refusals`.
 */
export function nextAuthorization(
  refusal: Refusal,
  refusals: Refusals,
  maxStepUps: number,
): AuthorizationEvent | undefined {
  const { challenge, held, url } = refusal;
  const event = {
    generation: held?.generation ?? 0,
    resourceMetadata: challenge.resourceMetadata,
    scope: challenge.scope,
    error: challenge.error,
    scheme: challenge.scheme,
  };
  if (refusal.status === 401) {
    // RFC 9449 §9: a resource server's nonce; the proof of the retry carries it.
    if (
      challenge.error === 'use_dpop_nonce' &&
      held?.tokenType === 'dpop' &&
      !refusals.nonceRetried
    ) {
      refusals.nonceRetried = true;
      return undefined;
    }
    if (refusals.rejected >= 2) {
      throw new AuthorizationError(
        'unauthorized',
        `${url.origin}${url.pathname} still answers 401 after ${refusals.rejected} authorizations${challenge.error === undefined ? '' : ` (${challenge.error})`}.`,
        { oauthError: challenge.error },
      );
    }
    refusals.rejected++;
    return { type: 'challenge', ...event };
  }
  const needed = scopeSet(challenge.scope);
  const have = new Set(scopeSet(held?.scope));
  const widens = needed.some((s) => !have.has(s));
  if (!widens || refusals.stepUps >= maxStepUps) {
    throw new AuthorizationError(
      'insufficient-scope',
      `${url.origin}${url.pathname} needs scope ${JSON.stringify(challenge.scope ?? '')}${widens ? `, still missing after ${refusals.stepUps} re-authorizations` : ', which the token already has'}; giving up.`,
      { expected: challenge.scope, actual: held?.scope, oauthError: challenge.error },
    );
  }
  refusals.stepUps++;
  return { type: 'insufficientScope', ...event };
}
