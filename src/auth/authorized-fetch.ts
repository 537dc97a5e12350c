/**
 * The `fetch` an HTTP transport gets from `OAuthClient.wrapFetch`: the token held goes on every
 * request to the MCP server's origin (and to no other), as a bearer token or DPoP-bound, following
 * `307`/`308` redirects only within that origin; a refused request re-authorizes and goes again,
 * as step-up.ts decides.
 */
import type { AuthorizationEvent } from '../../machines/authorization.js';
import { authChallengeOf } from './challenge.js';
import { nextAuthorization, type Refusals } from './step-up.js';
import type { Held } from './tokens.js';

/** What the authorized fetch asks of the OAuth client. */
export interface TokenSource {
  /** Settles once the stored record is loaded. */
  readonly loaded: Promise<void> | undefined;
  /** The token to send now: at once on the hot path, else once a flow has settled. */
  current(signal: AbortSignal | null | undefined): Held | undefined | Promise<Held | undefined>;
  /** One request with a DPoP-bound token (`headers` without an authorization), no redirect. */
  sendDpop(
    held: Held,
    url: URL,
    init: RequestInit | undefined,
    headers: Headers,
    base: typeof fetch,
  ): Promise<Response>;
  /** Starts a flow with `event` and resolves once it has settled. */
  reauthorize(event: AuthorizationEvent, signal: AbortSignal | null | undefined): Promise<void>;
}

/** `base`, authorized for the MCP server at `server`. */
export function authorizedFetch(
  source: TokenSource,
  server: URL,
  base: typeof fetch,
  maxStepUps: number,
): typeof fetch {
  const origin = server.origin;
  let loaded = false;
  void source.loaded?.then(
    () => (loaded = true),
    () => {},
  );
  return async (input, init) => {
    const url =
      input instanceof URL ? input : new URL(input instanceof Request ? input.url : input);
    // A token goes only to the server it was issued for.
    if (url.origin !== origin) return base(input, init);
    if (!loaded) await source.loaded;
    const signal = init?.signal;
    let refusals: Refusals | undefined;
    for (;;) {
      const current = source.current(signal);
      const held = current instanceof Promise ? await current : current;
      // A token set on the transport's headers by an earlier attempt does not stay there.
      if (held === undefined && init?.headers instanceof Headers) {
        init.headers.delete('authorization');
      }
      const response =
        held === undefined
          ? await base(input, init)
          : await sendFollowing(source, held, url, init, base);
      if (response.status !== 401 && response.status !== 403) return response;
      const challenge = authChallengeOf(response.headers.get('www-authenticate'));
      if (response.status === 403 && challenge.error !== 'insufficient_scope') return response;
      await response.body?.cancel().catch(() => {});
      refusals ??= { rejected: 0, stepUps: 0, nonceRetried: false };
      const status = response.status;
      const event = nextAuthorization({ status, challenge, held, url }, refusals, maxStepUps);
      if (event !== undefined) await source.reauthorize(event, signal);
    }
  };
}

/**
 * A request with the token held, following a `307`/`308` redirect only within the server's
 * origin (at most 5): a token never follows a redirect to another origin, where the `3xx` is
 * the answer.
 */
async function sendFollowing(
  source: TokenSource,
  held: Held,
  url: URL,
  init: RequestInit | undefined,
  base: typeof fetch,
): Promise<Response> {
  let target = url;
  for (let hops = 0; ; hops++) {
    const response = await send(source, held, target, init, base);
    const location = response.headers.get('location');
    if ((response.status !== 307 && response.status !== 308) || location === null || hops >= 5) {
      return response;
    }
    const next = new URL(location, target);
    if (next.origin !== url.origin) return response;
    await response.body?.cancel().catch(() => {});
    target = next;
  }
}

/** One request to the MCP server with the token held (DPoP-bound or bearer), no redirect followed. */
async function send(
  source: TokenSource,
  held: Held,
  url: URL,
  init: RequestInit | undefined,
  base: typeof fetch,
): Promise<Response> {
  // The transport makes a Headers per request: set on it, else on a copy.
  const given = init?.headers;
  const headers = given instanceof Headers ? given : new Headers(given);
  headers.delete('authorization');
  if (held.tokenType !== 'dpop') {
    headers.set('authorization', `Bearer ${held.accessToken}`);
    return base(url, { ...init, headers, redirect: 'manual' });
  }
  return source.sendDpop(held, url, init, headers, base);
}
