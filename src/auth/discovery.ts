import type { AuthorizationServer } from 'oauth4webapi';
import { AuthorizationError, reasonText } from '../errors/errors.js';
import { checkEndpoint } from './http.js';

type OAuthLibrary = typeof import('oauth4webapi');

/**
 * Discovery (MCP basic/authorization, authorization-server-discovery): which authorization server
 * protects an MCP server, and what it supports.
 */

/** Protected Resource Metadata (RFC 9728), as read and checked. */
export interface ProtectedResource {
  /** The `resource`, verbatim: the resource indicator sent in authorization and token requests. */
  readonly resource: string;
  /** The authorization servers' issuer identifiers, verbatim. */
  readonly authorizationServers: readonly string[];
  /** `scopes_supported`, when given. */
  readonly scopesSupported: readonly string[] | undefined;
  /** `dpop_bound_access_tokens_required` (RFC 9449 §5.2). */
  readonly dpopRequired: boolean;
  /** Where the document was read, or undefined for the MCP 2025-03-26 fallback (no document). */
  readonly url: string | undefined;
}

/** How the discovery steps reach the network. */
export interface DiscoveryContext {
  readonly lib: OAuthLibrary;
  /** A bounded fetch (timeouts, size cap, secure endpoints only). */
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
}

/** Options every oauth4webapi call of a flow takes: the bounded fetch, and http on loopback. */
export function requestOptions(context: DiscoveryContext): {
  signal: AbortSignal;
  [key: symbol]: unknown;
} {
  return {
    signal: context.signal,
    [context.lib.customFetch]: context.fetch,
    // checkEndpoint in the bounded fetch allows plain http only on loopback addresses.
    [context.lib.allowInsecureRequests]: true,
  };
}

/** GETs a metadata document: the answer if 200, undefined if not there; throws if unreachable. */
async function get(
  context: DiscoveryContext,
  url: URL,
  what: string,
): Promise<Response | undefined> {
  let response: Response;
  try {
    response = await context.fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: context.signal,
    });
  } catch (error) {
    if (error instanceof AuthorizationError) throw error;
    throw new AuthorizationError(
      'discovery-failed',
      `Reading the ${what} at ${url.href} failed: ${reasonText(error)}`,
    );
  }
  if (response.status === 200) return response;
  await response.body?.cancel().catch(() => {});
  return undefined;
}

/**
 * Whether Protected Resource Metadata's `resource` identifies the MCP server at `server`: the same
 * origin, and a path that is the server's path or a parent of it (a `resource` of
 * `https://example.com` covers `https://example.com/mcp`; RFC 9728 §3.3, RFC 8707 §2).
 */
export function resourceCovers(resource: string, server: URL): boolean {
  let parsed: URL;
  try {
    parsed = new URL(resource);
  } catch {
    return false;
  }
  if (parsed.hash !== '' || parsed.origin !== server.origin) return false;
  const base = parsed.pathname.replace(/\/$/, '');
  const path = server.pathname.replace(/\/$/, '');
  return path === base || path.startsWith(`${base}/`);
}

/**
 * The well-known URLs of an MCP server's Protected Resource Metadata, in the order to try: the
 * challenge's `resource_metadata` alone when given, else the path-based URL, then the root one.
 */
export function protectedResourceUrls(server: URL, fromChallenge: string | undefined): URL[] {
  if (fromChallenge !== undefined) return [new URL(fromChallenge, server)];
  const root = new URL('/.well-known/oauth-protected-resource', server);
  const path = server.pathname.replace(/\/$/, '');
  if (path === '') return [root];
  return [new URL(`/.well-known/oauth-protected-resource${path}`, server), root];
}

/**
 * Reads and checks the Protected Resource Metadata of the MCP server at `server`. Without any
 * (an MCP 2025-03-26 server), the server's origin is its authorization server.
 */
export async function discoverProtectedResource(
  context: DiscoveryContext,
  server: URL,
  fromChallenge: string | undefined,
): Promise<ProtectedResource> {
  for (const url of protectedResourceUrls(server, fromChallenge)) {
    checkEndpoint(url, 'protected resource metadata URL');
    const response = await get(context, url, 'protected resource metadata');
    if (response === undefined) continue;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new AuthorizationError(
        'discovery-failed',
        `The protected resource metadata at ${url.href} is not JSON.`,
      );
    }
    return checkProtectedResource(body, url, server);
  }
  // MCP 2025-03-26: no Protected Resource Metadata; the authorization server is at the MCP
  // server's origin (the path discarded) and the resource indicator is the server's URL.
  return {
    resource: resourceIndicatorOf(server),
    authorizationServers: [server.origin],
    scopesSupported: undefined,
    dpopRequired: false,
    url: undefined,
  };
}

/** The MCP server's URL as a resource indicator: no fragment (RFC 8707 §2). */
export function resourceIndicatorOf(server: URL): string {
  const url = new URL(server);
  url.hash = '';
  return url.href;
}

function checkProtectedResource(body: unknown, url: URL, server: URL): ProtectedResource {
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const resource = doc['resource'];
  if (typeof resource !== 'string' || resource === '') {
    throw new AuthorizationError(
      'discovery-failed',
      `The protected resource metadata at ${url.href} has no "resource".`,
    );
  }
  if (!resourceCovers(resource, server)) {
    throw new AuthorizationError(
      'resource-mismatch',
      `The protected resource metadata at ${url.href} is for ${resource}, not for the MCP server ${server.href}; refusing to ask for a token for it.`,
      { expected: resourceIndicatorOf(server), actual: resource },
    );
  }
  const servers = doc['authorization_servers'];
  if (
    !Array.isArray(servers) ||
    servers.length === 0 ||
    !servers.every((s): s is string => typeof s === 'string')
  ) {
    throw new AuthorizationError(
      'discovery-failed',
      `The protected resource metadata at ${url.href} names no authorization server.`,
    );
  }
  const scopes = doc['scopes_supported'];
  return {
    resource,
    authorizationServers: servers,
    scopesSupported:
      Array.isArray(scopes) && scopes.every((s): s is string => typeof s === 'string')
        ? scopes
        : undefined,
    dpopRequired: doc['dpop_bound_access_tokens_required'] === true,
    url: url.href,
  };
}

/**
 * The metadata URLs of an authorization server, in the order MCP gives (2025-11-25 and later):
 * with a path, RFC 8414 path insertion, OpenID path insertion, OpenID path appending; without,
 * RFC 8414 then OpenID. Never the root RFC 8414 URL for an issuer with a path.
 */
export function authorizationServerMetadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/$/, '');
  const at = (p: string): URL => new URL(p, issuer.origin);
  if (path === '') {
    return [at('/.well-known/oauth-authorization-server'), at('/.well-known/openid-configuration')];
  }
  return [
    at(`/.well-known/oauth-authorization-server${path}`),
    at(`/.well-known/openid-configuration${path}`),
    at(`${path}/.well-known/openid-configuration`),
  ];
}

/**
 * Reads the metadata of the authorization server `issuer` and checks it: its `issuer` must be
 * `issuer` itself, to the character (RFC 8414 §3.3; MCP 2026-07-28), or it is not used at all.
 * With no metadata anywhere and `legacyFallback` (a 2025-03-26 server, no Protected Resource
 * Metadata), the default endpoints `/authorize`, `/token` and `/register` on the issuer's origin.
 */
export async function discoverAuthorizationServer(
  context: DiscoveryContext,
  issuer: string,
  legacyFallback: boolean,
): Promise<AuthorizationServer> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new AuthorizationError(
      'discovery-failed',
      `The authorization server ${JSON.stringify(issuer)} is not a URL.`,
    );
  }
  checkEndpoint(issuerUrl, 'authorization server');
  for (const url of authorizationServerMetadataUrls(issuerUrl)) {
    const response = await get(context, url, 'authorization server metadata');
    if (response === undefined) continue;
    let metadata: AuthorizationServer;
    try {
      metadata = await context.lib.processDiscoveryResponse(issuerUrl, response);
    } catch (error) {
      const found = (error as { cause?: { body?: { issuer?: unknown } } }).cause?.body?.issuer;
      if (typeof found === 'string') throw issuerMismatch(url, issuer, found);
      throw new AuthorizationError(
        'discovery-failed',
        `The authorization server metadata at ${url.href} is not usable: ${reasonText(error)}`,
      );
    }
    // oauth4webapi compares parsed URLs; MCP asks for the identical string.
    if (metadata.issuer !== issuer) throw issuerMismatch(url, issuer, metadata.issuer);
    return metadata;
  }
  if (legacyFallback) {
    const at = (p: string): string => new URL(p, issuerUrl.origin).href;
    return {
      issuer,
      authorization_endpoint: at('/authorize'),
      token_endpoint: at('/token'),
      registration_endpoint: at('/register'),
      // MCP 2025-03-26 requires PKCE of every client and server.
      code_challenge_methods_supported: ['S256'],
    };
  }
  throw new AuthorizationError(
    'discovery-failed',
    `No authorization server metadata for ${issuer} at ${authorizationServerMetadataUrls(issuerUrl)
      .map((u) => u.href)
      .join(', ')}.`,
  );
}

function issuerMismatch(url: URL, expected: string, actual: string): AuthorizationError {
  return new AuthorizationError(
    'issuer-mismatch',
    `The authorization server metadata at ${url.href} names issuer ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}; it is not used.`,
    { expected, actual },
  );
}
