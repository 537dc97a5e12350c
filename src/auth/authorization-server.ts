/**
 * The authorization server in use ({@link AtServer}) and the discovery step that finds it: the
 * MCP server's Protected Resource Metadata and the authorization server's metadata (discovery.ts),
 * checked (PKCE S256, secure endpoints), then the choices made there: DPoP or not, and the scope
 * to ask for.
 */
import type * as OAuth from 'oauth4webapi';
import type { DiscoveryInput, DiscoveryOutcome } from '../../machines/authorization.js';
import { AuthorizationError } from '../errors/errors.js';
import {
  discoverAuthorizationServer,
  discoverProtectedResource,
  type DiscoveryContext,
  type ProtectedResource,
} from './discovery.js';
import { checkEndpoint } from './http.js';
import { unionScopes } from './scopes.js';
import type { OAuthClientOptions, OAuthGrant } from './types.js';

/** The state of the client at one authorization server: metadata, client, DPoP. */
export interface AtServer {
  readonly issuer: string;
  readonly as: OAuth.AuthorizationServer;
  readonly prm: ProtectedResource;
  /** Whether tokens are DPoP-bound here. */
  readonly useDpop: boolean;
  client?: OAuth.Client;
  clientAuth?: OAuth.ClientAuth;
  dpop?: OAuth.DPoPHandle | undefined;
}

/** The options the discovery step reads. */
export type DiscoverySettings = Pick<OAuthClientOptions, 'grant' | 'scope' | 'dpop'>;

/** What the discovery step found: the server in use (no client yet) and what the machine is told. */
export interface Discovered {
  readonly at: AtServer;
  readonly outcome: DiscoveryOutcome;
}

/** Finds the authorization server of `server`, and what to ask it for. */
export async function discoverServer(
  context: DiscoveryContext,
  server: URL,
  settings: DiscoverySettings,
  input: DiscoveryInput,
): Promise<Discovered> {
  const challenge = input.challenge;
  const prm = await discoverProtectedResource(context, server, challenge?.resourceMetadata);
  const issuer = prm.authorizationServers[0] as string;
  const as = await discoverAuthorizationServer(context, issuer, prm.url === undefined);
  checkAuthorizationServer(as, issuer, settings.grant.type);
  const dpop = settings.dpop ?? 'auto';
  const useDpop =
    dpop === true ||
    (dpop === 'auto' &&
      (challenge?.scheme === 'dpop' || prm.dpopRequired) &&
      (as.dpop_signing_alg_values_supported ?? []).includes('ES256'));
  const scope = scopeToAsk(input, settings, prm, as);
  return { at: { issuer, as, prm, useDpop }, outcome: { issuer, resource: prm.resource, scope } };
}

/**
 * `found`, with the client and DPoP handle of `previous` when the issuer is the same: credentials
 * and tokens are bound to their authorization server (MCP 2026-07-28, client registration),
 * another one means starting over there.
 */
export function carriedOver(found: AtServer, previous: AtServer | undefined): AtServer {
  const same = previous?.issuer === found.issuer;
  return {
    issuer: found.issuer,
    as: found.as,
    prm: found.prm,
    useDpop: found.useDpop,
    ...(same && previous.client !== undefined
      ? { client: previous.client, clientAuth: previous.clientAuth, dpop: previous.dpop }
      : {}),
  };
}

/** PKCE S256 for the code grant, and secure endpoints. */
function checkAuthorizationServer(
  as: OAuth.AuthorizationServer,
  issuer: string,
  grant: OAuthGrant['type'],
): void {
  if (
    grant === 'authorization_code' &&
    !(as.code_challenge_methods_supported ?? []).includes('S256')
  ) {
    throw new AuthorizationError(
      'pkce-unsupported',
      `The authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported); refusing to authorize without it.`,
      { actual: JSON.stringify(as.code_challenge_methods_supported ?? null) },
    );
  }
  for (const endpoint of ['authorization_endpoint', 'token_endpoint'] as const) {
    const value = as[endpoint];
    if (typeof value === 'string') checkEndpoint(new URL(value), endpoint.replace('_', ' '));
  }
}

/**
 * The scope to ask for: a step-up's union of the scope held and challenged; else the challenge's
 * scope, or the metadata's `scopes_supported` when the options give none, with the options' scope.
 */
function scopeToAsk(
  input: DiscoveryInput,
  settings: DiscoverySettings,
  prm: ProtectedResource,
  as: OAuth.AuthorizationServer,
): string | undefined {
  const challenge = input.challenge;
  const offline =
    settings.grant.type === 'authorization_code' &&
    (as.scopes_supported ?? []).includes('offline_access');
  let scope: string | undefined;
  if (input.steppingUp) {
    scope = unionScopes(input.scope, challenge?.scope);
  } else {
    const requested =
      challenge?.scope ??
      (settings.scope === undefined ? prm.scopesSupported?.join(' ') : undefined);
    scope = unionScopes(requested, settings.scope);
  }
  // offline_access only where the authorization server lists it (MCP 2026-07-28, refresh tokens).
  if (scope !== undefined && offline) scope = unionScopes(scope, 'offline_access');
  return scope;
}
