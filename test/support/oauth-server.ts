import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  EmbeddedJWK,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { z } from 'zod';

/**
 * OAuth 2.1 test fixtures for MCP authorization, all on 127.0.0.1 at free ports:
 *
 * - {@link startAuthorizationServer}: an oidc-provider authorization server (code + PKCE S256,
 *   refresh rotation, RFC 7591 registration, client credentials, DPoP, RFC 7009 revocation,
 *   RFC 8707 resource indicators with JWT access tokens, RFC 9207 `iss`, RFC 8414 metadata).
 * - {@link authorizeAsUser}: a headless user that walks the authorization endpoint with fetch.
 * - {@link startProtectedMcpServer}: an official-SDK MCP server at `/mcp` that is an OAuth
 *   protected resource (RFC 9728 metadata, Bearer and DPoP-bound JWT access tokens, scopes).
 */

/** Scopes of the MCP resource server; every MCP request needs the first, write tools both. */
export const MCP_SCOPES = ['mcp:read', 'mcp:write'] as const;

/** The account the headless user signs in as unless told otherwise. */
export const DEFAULT_ACCOUNT_ID = 'test-user';

// ---------------------------------------------------------------------------------------------
// oidc-provider: loaded lazily, typed by the small surface used here (it ships no types).

/** The part of an oidc-provider `Provider` the fixture uses; cast for anything else. */
export interface OidcProvider {
  readonly issuer: string;
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  readonly Grant: new (init: { accountId: string; clientId: string }) => OidcGrant;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: readonly string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons: string[]; details: PromptDetails };
  params: Record<string, unknown>;
  grantId?: string;
  session?: { accountId: string };
}

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

interface KoaContext {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly path: string;
  status: number;
  body: unknown;
  readonly oidc?: { readonly route?: string; readonly params?: Record<string, unknown> };
}

interface OidcClient {
  readonly clientId: string;
  readonly clientAuthMethod: string;
  grantTypeAllowed(type: string): boolean;
}

interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  errors: { InvalidTarget: new (description?: string) => Error };
}

let oidcProviderModule: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once. Its import warns "Unsupported runtime" on Node 20 (it wants 22+,
 * and works on 20 for what the tests use): that one line is dropped, every other warning kept.
 */
function loadOidcProvider(): Promise<OidcProviderModule> {
  oidcProviderModule ??= (async () => {
    const specifier: string = 'oidc-provider'; // not a literal: the package ships no types
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      return (await import(/* @vite-ignore */ specifier)) as OidcProviderModule;
    } finally {
      console.warn = warn;
    }
  })();
  return oidcProviderModule;
}

// ---------------------------------------------------------------------------------------------
// Storage: an in-memory oidc-provider adapter the fixture can inspect, revoke and expire.

interface StoredEntry {
  payload: Record<string, unknown>;
  expiresAt: number;
}

const TOKEN_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Grant',
]);

/** The adapter contract of oidc-provider, on one shared Map keyed `<model>:<id>`. */
class FixtureAdapter {
  constructor(
    private readonly model: string,
    private readonly store: Map<string, StoredEntry>,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
    this.store.set(this.key(id), { payload, expiresAt });
    return Promise.resolve();
  }

  find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = this.store.get(this.key(id));
    if (entry === undefined || entry.expiresAt <= Date.now()) return Promise.resolve(undefined);
    return Promise.resolve(entry.payload);
  }

  findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(this.findWhere((payload) => payload.uid === uid));
  }

  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(this.findWhere((payload) => payload.userCode === userCode));
  }

  consume(id: string): Promise<void> {
    const entry = this.store.get(this.key(id));
    if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of this.store) {
      if (entry.payload.grantId === grantId) this.store.delete(key);
    }
    return Promise.resolve();
  }

  private findWhere(
    test: (payload: Record<string, unknown>) => boolean,
  ): Record<string, unknown> | undefined {
    const prefix = `${this.model}:`;
    for (const [key, entry] of this.store) {
      if (key.startsWith(prefix) && entry.expiresAt > Date.now() && test(entry.payload)) {
        return entry.payload;
      }
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Shared HTTP helpers.

/** Listens on 127.0.0.1 at a free port; resolves with the origin `http://127.0.0.1:<port>`. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Closes a server, ending keep-alive sockets and open streams that would hold close() open. */
async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** The scheme of an Authorization header (`Bearer`, `DPoP`, `Basic`), or undefined without one. */
function authorizationScheme(headers: IncomingHttpHeaders): string | undefined {
  return headers.authorization?.split(' ', 1)[0];
}

// ---------------------------------------------------------------------------------------------
// The authorization server.

/** Client metadata (RFC 7591 names) of a client the authorization server knows from the start. */
export interface StaticClient {
  readonly client_id: string;
  /** Required for the `client_secret_*` methods. */
  readonly client_secret?: string;
  /** Default: `client_secret_basic` with a secret, else `none`. */
  readonly token_endpoint_auth_method?:
    'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Default: none, which makes a client-credentials-only client. */
  readonly redirect_uris?: readonly string[];
  /**
   * Default: `authorization_code` and `refresh_token` with redirect URIs, plus
   * `client_credentials` for a client with a secret or keys.
   */
  readonly grant_types?: readonly string[];
  /** Default `web`; `native` allows http loopback redirect URIs on any port (RFC 8252). */
  readonly application_type?: 'web' | 'native';
  /** Public keys, for `private_key_jwt`. */
  readonly jwks?: { readonly keys: readonly JWK[] };
  /** Restricts the OpenID scopes (`openid`, `offline_access`) the client may ask for. */
  readonly scope?: string;
  /** Requires DPoP-bound access tokens for this client (RFC 9449). */
  readonly dpop_bound_access_tokens?: boolean;
}

export interface AuthorizationServerOptions {
  /** Pre-registered clients. Dynamic Client Registration is open besides. */
  readonly clients?: readonly StaticClient[];
  /** Access token lifetime in seconds (code flow, refresh and client credentials). Default 3600. */
  readonly accessTokenTtl?: number;
  /** Refresh token lifetime in seconds. Default 14 days. */
  readonly refreshTokenTtl?: number;
  /** Require a server-provided `nonce` in DPoP proofs at the token endpoint. Default false. */
  readonly requireDpopNonce?: boolean;
  /** The access token (and ID token) signing algorithm. Default `ES256`. */
  readonly signingAlg?: 'ES256' | 'RS256';
  /**
   * Which RFC 8707 resource indicators are valid (`invalid_target` otherwise). Default: any
   * absolute http(s) URL; every one gets scopes {@link MCP_SCOPES} and `aud` = the indicator.
   */
  readonly acceptResource?: (resource: string) => boolean;
  /**
   * The resource to use when an authorization or client credentials request names none. Default
   * none: such a request gets an opaque (userinfo-only) token, and its `mcp:*` scopes are dropped.
   */
  readonly defaultResource?: string;
  /**
   * Whether a token request without `resource` uses the resource granted at the authorization
   * endpoint. Default true. With false, and `openid` among the scopes, oidc-provider answers
   * such a request with an opaque userinfo token (as RFC 8707 allows), so a client must repeat
   * `resource` in its token requests.
   */
  readonly useGrantedResource?: boolean;
  /** Rotate refresh tokens on every use (the old one then fails, and reuse revokes the grant). Default true. */
  readonly rotateRefreshTokens?: boolean;
}

/** What the authorization server saw of one request. */
export interface AuthorizationServerRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /**
   * oidc-provider's route name (`token`, `authorization`, `resume`, `registration`, ...) if one
   * matched, or `interaction` for the fixture's interaction pages.
   */
  readonly route: string | undefined;
  /** The request parameters oidc-provider parsed (token endpoint form, authorization query). */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** The Authorization header's scheme only. */
  readonly authorization: string | undefined;
  /** Whether a DPoP proof header came with it. */
  readonly dpop: boolean;
  /** The response status, once the response head is sent. */
  readonly status: number | undefined;
}

export interface AuthorizationServer {
  /**
   * The issuer identifier exactly as in metadata and in tokens' `iss`: `http://127.0.0.1:<port>`,
   * no trailing slash and no path. RFC 8414 metadata is at `${issuer}/.well-known/oauth-authorization-server`.
   */
  readonly issuer: string;
  /** `new URL(issuer)`, for oauth4webapi's `discoveryRequest` (its href has a trailing slash). */
  readonly url: URL;
  /** `${issuer}/.well-known/oauth-authorization-server`. */
  readonly metadataUrl: string;
  /** The oidc-provider instance (typed by the surface the fixture uses). */
  readonly provider: OidcProvider;
  /** Every request seen, in order (interaction pages included). */
  readonly requests: readonly AuthorizationServerRequest[];
  /** Client metadata of every dynamically registered client, in registration order. */
  registeredClients(): Record<string, unknown>[];
  /** Turns the DPoP nonce requirement on or off from now on. */
  setRequireDpopNonce(required: boolean): void;
  /**
   * Forgets every token, code and grant: refresh tokens and opaque access tokens then fail
   * (`invalid_grant`, `invalid_token`). JWT access tokens stay valid at a resource server until
   * they expire: see {@link ProtectedMcpServer.expireAccessTokens}. Returns how many were dropped.
   */
  revokeAllTokens(): number;
  /** Marks every refresh token expired: refreshing then fails `invalid_grant`. Returns the count. */
  expireRefreshTokens(): number;
  close(): Promise<void>;
}

/**
 * Starts an oidc-provider authorization server on `http://127.0.0.1:<free port>`, configured for
 * MCP clients:
 *
 * - authorization code with PKCE (S256 only, required for every client), responses carry `iss`;
 * - refresh tokens for every client allowed the `refresh_token` grant (the default for clients
 *   with redirect URIs, registered or static), with or without `offline_access`, rotated on use;
 * - open Dynamic Client Registration at `/reg` (native loopback redirect URIs, any
 *   `token_endpoint_auth_method` of none, client_secret_basic, client_secret_post, private_key_jwt);
 * - client credentials; DPoP (optionally with nonces); revocation at `/token/revocation`;
 *   introspection at `/token/introspection`;
 * - resource indicators: a request naming `resource` gets a JWT access token (`typ` at+jwt,
 *   signed with the server's key at `/jwks`) with `aud` = the resource and `scope` = the
 *   requested ones among {@link MCP_SCOPES}.
 *
 * Interactions are served by the fixture at `/interaction/:uid` as JSON for
 * {@link authorizeAsUser}: any account id signs in, and consent grants what was asked.
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const { Provider, errors } = await loadOidcProvider();
  const store = new Map<string, StoredEntry>();
  const requests: AuthorizationServerRequest[] = [];
  const seen = new WeakMap<IncomingMessage, ParsedRequest>();
  let requireDpopNonce = options.requireDpopNonce ?? false;
  const alg = options.signingAlg ?? 'ES256';

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => {
    const record: ParsedRequest = { route: undefined, params: undefined };
    seen.set(req, record);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      get route() {
        return record.route;
      },
      get params() {
        return record.params;
      },
      authorization: authorizationScheme(req.headers),
      dpop: req.headers.dpop !== undefined,
      get status() {
        return res.headersSent ? res.statusCode : undefined;
      },
    });
    handle(req, res);
  });
  const issuer = await listen(server);

  const provider = new Provider(
    issuer,
    providerConfiguration({
      options,
      alg,
      jwk: await signingKey(alg),
      store,
      errors,
      requireDpopNonce: () => requireDpopNonce,
    }),
  );
  // Adds the resource scopes to the metadata's scopes_supported, and records what was parsed.
  provider.use(async (ctx, next) => {
    await next();
    const record = seen.get(ctx.req);
    if (record !== undefined && ctx.oidc !== undefined) {
      record.route = ctx.oidc.route;
      record.params = definedEntries(ctx.oidc.params);
    }
    if (ctx.oidc?.route === 'discovery' && isRecord(ctx.body)) {
      const statics = Array.isArray(ctx.body.scopes_supported) ? ctx.body.scopes_supported : [];
      ctx.body.scopes_supported = [...statics, ...MCP_SCOPES];
    }
  });
  const callback = provider.callback();
  handle = (req, res) => {
    const interaction = /^\/interaction\/([\w-]+)$/.exec(req.url?.split('?')[0] ?? '');
    const record = seen.get(req);
    if (interaction !== null && record !== undefined) record.route = 'interaction';
    const done =
      interaction === null
        ? callback(req, res)
        : handleInteraction(provider, req, res, interaction[1] ?? '');
    done.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', detail: String(error) });
    });
  };

  return {
    issuer,
    url: new URL(issuer),
    metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
    provider,
    requests,
    registeredClients: () =>
      [...store].filter(([key]) => key.startsWith('Client:')).map(([, entry]) => entry.payload),
    setRequireDpopNonce: (required) => {
      requireDpopNonce = required;
    },
    revokeAllTokens: () => {
      let count = 0;
      for (const key of store.keys()) {
        if (TOKEN_MODELS.has(key.slice(0, key.indexOf(':')))) {
          store.delete(key);
          count++;
        }
      }
      return count;
    },
    expireRefreshTokens: () => {
      let count = 0;
      const past = Math.floor(Date.now() / 1000) - 1;
      for (const [key, entry] of store) {
        if (key.startsWith('RefreshToken:')) {
          entry.payload.exp = past;
          count++;
        }
      }
      return count;
    },
    close: () => closeServer(server),
  };
}

/** What oidc-provider parsed of a request, filled in once it has answered. */
interface ParsedRequest {
  route: string | undefined;
  params: Record<string, unknown> | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function definedEntries(
  params: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (params === undefined) return undefined;
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

/** A fresh private signing JWK for the provider's JWKS. */
async function signingKey(alg: 'ES256' | 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `fixture-${alg}` };
}

/** Fills in a static client's defaults (see {@link StaticClient}). */
function staticClientMetadata(client: StaticClient): Record<string, unknown> {
  const redirectUris = client.redirect_uris ?? [];
  const confidential = client.client_secret !== undefined || client.jwks !== undefined;
  const grantTypes = client.grant_types ?? [
    ...(redirectUris.length > 0 ? ['authorization_code', 'refresh_token'] : []),
    ...(confidential ? ['client_credentials'] : []),
  ];
  return {
    ...client,
    token_endpoint_auth_method:
      client.token_endpoint_auth_method ??
      (client.client_secret !== undefined ? 'client_secret_basic' : 'none'),
    redirect_uris: redirectUris,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
  };
}

interface ConfigurationInput {
  options: AuthorizationServerOptions;
  alg: 'ES256' | 'RS256';
  jwk: JWK;
  store: Map<string, StoredEntry>;
  errors: OidcProviderModule['errors'];
  requireDpopNonce: () => boolean;
}

/** The oidc-provider configuration (v9 names); every default that would log a notice is set. */
function providerConfiguration(input: ConfigurationInput): Record<string, unknown> {
  const { options, alg, jwk, store, errors } = input;
  const accessTokenTtl = options.accessTokenTtl ?? 3600;
  const acceptResource =
    options.acceptResource ?? ((resource: string) => /^https?:\/\//.test(resource));
  const useGrantedResource = options.useGrantedResource ?? true;
  return {
    adapter: (model: string) => new FixtureAdapter(model, store),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: (options.clients ?? []).map(staticClientMetadata),
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: alg,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub }),
    }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    renderError: (ctx: KoaContext, out: Record<string, unknown>) => {
      ctx.body = out; // JSON, so a failing authorizeAsUser can say why
    },
    responseTypes: ['code'], // OAuth 2.1: no implicit or hybrid flows
    pkce: { required: () => true },
    issueRefreshToken: (_ctx: unknown, client: OidcClient) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: options.rotateRefreshTokens ?? true,
    expiresWithSession: () => false,
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: options.refreshTokenTtl ?? 14 * 24 * 60 * 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      clientCredentials: { enabled: true },
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: input.requireDpopNonce,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: OidcClient, token: { clientId: string }) =>
          token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: OidcClient, token: { clientId: string }) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf ?? options.defaultResource,
        useGrantedResource: () => useGrantedResource,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (!acceptResource(resource)) throw new errors.InvalidTarget();
          return {
            scope: MCP_SCOPES.join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg } },
          };
        },
      },
      rpInitiatedLogout: { enabled: false },
    },
  };
}

/**
 * The fixture's interaction endpoint. GET answers JSON describing the prompt (`login` or
 * `consent`); POST (form: `decision=approve|deny`, `account`) resolves it: sign in `account`,
 * or grant every scope and resource the prompt lists, or deny with `access_denied`.
 */
async function handleInteraction(
  provider: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    sendJson(res, 400, { error: 'invalid_request', detail: 'interaction mismatch' });
    return;
  }
  if (req.method === 'GET') {
    sendJson(res, 200, {
      uid,
      prompt: details.prompt.name,
      reasons: details.prompt.reasons,
      details: details.prompt.details,
      params: details.params,
    });
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('decision') === 'deny') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied the request' },
      { mergeWithLastSubmission: false },
    );
  } else if (details.prompt.name === 'login') {
    const accountId = form.get('account') ?? DEFAULT_ACCOUNT_ID;
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  } else {
    const grantId = await grantEverything(provider, details);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }
}

/** A grant of everything the consent prompt lists as missing. */
function grantEverything(provider: OidcProvider, details: InteractionDetails): Promise<string> {
  const grant = new provider.Grant({
    accountId: details.session?.accountId ?? DEFAULT_ACCOUNT_ID,
    clientId: String(details.params.client_id),
  });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

// ---------------------------------------------------------------------------------------------
// The headless user.

export interface AuthorizeAsUserOptions {
  /** The account to sign in as. Default {@link DEFAULT_ACCOUNT_ID}. */
  readonly account?: string;
  /** Approve (default) or deny at the first prompt. */
  readonly decision?: 'approve' | 'deny';
  /** Redirects to follow at most before giving up. Default 20. */
  readonly maxSteps?: number;
}

/**
 * Plays the user for an authorization request URL on a {@link startAuthorizationServer} server,
 * with fetch only: follows the authorization server's redirects (with `redirect: 'manual'`,
 * carrying its cookies by hand), signs in and consents (or denies) on its interaction pages, and
 * resolves with the redirect back to the client (its `redirect_uri` with `code`, `state` and
 * `iss`, or `error`) without requesting it. The client is recognised by the request's
 * `redirect_uri`, or else as the first redirect away from the authorization server's origin, so
 * loopback and any other registered redirect URIs work. Rejects on any other answer.
 */
export async function authorizeAsUser(
  authorizationUrl: URL,
  options: AuthorizeAsUserOptions = {},
): Promise<URL> {
  const jar = new Map<string, string>();
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri');
  const isClient = (url: URL): boolean =>
    redirectUri !== null
      ? `${url.origin}${url.pathname}` === stripQuery(redirectUri)
      : url.origin !== authorizationUrl.origin;
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', cookieHeader(jar));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    storeCookies(jar, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (isClient(next)) return next;
      url = next;
      init = {};
    } else if (response.ok && url.pathname.startsWith('/interaction/')) {
      const page = (await response.json()) as { prompt: string };
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          decision: options.decision ?? 'approve',
          account: options.account ?? DEFAULT_ACCOUNT_ID,
          prompt: page.prompt,
        }).toString(),
      };
    } else {
      throw new Error(
        `authorizeAsUser: ${response.status} at ${url.href}: ${await response.text()}`,
      );
    }
  }
  throw new Error(
    `authorizeAsUser: no redirect to the client within ${options.maxSteps ?? 20} steps`,
  );
}

function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function cookieHeader(jar: ReadonlyMap<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Keeps name=value of each Set-Cookie; an empty or already expired one deletes the cookie. */
function storeCookies(jar: Map<string, string>, setCookies: readonly string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expires = attributes
      .map((attribute) => attribute.trim())
      .find((attribute) => attribute.toLowerCase().startsWith('expires='));
    const expired = expires !== undefined && Date.parse(expires.slice(8)) <= Date.now();
    if (value === '' || expired) jar.delete(name);
    else jar.set(name, value);
  }
}

// ---------------------------------------------------------------------------------------------
// The protected MCP server.

/** Tools that need `mcp:write` (besides `mcp:read`, which every MCP request needs). */
const WRITE_TOOLS = new Set(['admin-echo']);

/** DPoP proof algorithms the MCP server accepts. */
const DPOP_ALGS = ['ES256', 'Ed25519', 'EdDSA']; // what oidc-provider accepts by default

export interface ProtectedMcpServerOptions {
  /** The authorization server's issuer: tokens' `iss`, and the one `authorization_servers` entry. */
  readonly issuer: string;
  /** Where the signing keys are. Default: `jwks_uri` of the issuer's RFC 8414 metadata. */
  readonly jwksUri?: string;
  /**
   * `allowed` (default): Bearer and DPoP-bound tokens are accepted, challenges say Bearer.
   * `required`: only DPoP-bound tokens, challenges say DPoP, and the metadata says
   * `dpop_bound_access_tokens_required`.
   */
  readonly dpop?: 'allowed' | 'required';
  /** Answer POSTs with JSON (default) rather than SSE streams. */
  readonly jsonResponse?: boolean;
  /**
   * Where the RFC 9728 metadata is served: `path` (default) at
   * `/.well-known/oauth-protected-resource/mcp`, or `root` at `/.well-known/oauth-protected-resource`.
   */
  readonly metadataLocation?: 'path' | 'root';
  /** Name the metadata URL in challenges (`resource_metadata`). Default true. */
  readonly advertiseMetadata?: boolean;
}

/** What the MCP server saw of one request. */
export interface McpServerRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** The request headers, with `authorization` cut to its scheme (`Bearer`, `DPoP`). */
  readonly headers: IncomingHttpHeaders;
  /** JSON-RPC methods in a POST body (responses and unparsable bodies give none). */
  readonly rpcMethods: readonly string[];
  /** The response status, once the response head is sent. */
  readonly status: number | undefined;
  /** The `WWW-Authenticate` header answered, if any. */
  readonly challenge: string | undefined;
}

export interface ProtectedMcpServer {
  /** The MCP endpoint and RFC 8707 resource identifier: `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  /** The RFC 9728 metadata URL (see {@link ProtectedMcpServerOptions.metadataLocation}). */
  readonly metadataUrl: string;
  /** Every request seen, in order. */
  readonly requests: readonly McpServerRequest[];
  /** Ids of the open MCP sessions. */
  readonly sessions: () => string[];
  /** Treats every access token accepted so far as expired (`invalid_token`, 401) from now on. */
  expireAccessTokens(): void;
  /** Treats this access token as expired from now on, whether or not it was presented yet. */
  expireAccessToken(token: string): void;
  close(): Promise<void>;
}

/** The verified content of an access token. */
interface VerifiedToken {
  readonly payload: JWTPayload & { client_id?: string; scope?: string; cnf?: { jkt?: string } };
  readonly scopes: readonly string[];
}

/** The scheme a token is used with: DPoP for a DPoP-bound one (RFC 9449 §7.1). */
function schemeOf(token: VerifiedToken): 'Bearer' | 'DPoP' {
  return token.payload.cnf?.jkt !== undefined ? 'DPoP' : 'Bearer';
}

/** An HTTP answer that is a refusal: status, OAuth error, message. */
class Refusal extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'insufficient_scope' | undefined,
    message: string,
    readonly scheme: 'Bearer' | 'DPoP',
    readonly scope: string = MCP_SCOPES[0],
  ) {
    super(message);
  }
}

/**
 * Starts an MCP server (official SDK `McpServer` over `StreamableHTTPServerTransport`, stateful:
 * a session per `initialize`, by `Mcp-Session-Id`) at `http://127.0.0.1:<free port>/mcp`, as an
 * OAuth 2.1 protected resource of `options.issuer`:
 *
 * - RFC 9728 metadata (`resource` = the MCP URL, `authorization_servers` = [issuer],
 *   `scopes_supported` = {@link MCP_SCOPES}, `bearer_methods_supported` = ['header']);
 * - every `/mcp` request needs a JWT access token from the issuer (signature by its JWKS, `iss`,
 *   `aud` = the MCP URL, `exp`) with scope `mcp:read`; without one: 401
 *   `Bearer resource_metadata="…", scope="mcp:read"`, with a bad or expired one: the same plus
 *   `error="invalid_token"`;
 * - a `tools/call` of a write tool (`admin-echo`) needs `mcp:read mcp:write`; without: 403
 *   `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="…"`;
 * - a DPoP-bound token (`cnf.jkt`) must come as `Authorization: DPoP` with a proof (`htm`, `htu`,
 *   `iat` within 5 minutes, `ath`, key thumbprint = `cnf.jkt`, `jti` not replayed).
 *
 * Tools: `echo` ({ message }) and `admin-echo` ({ message }) answer the message, `whoami` answers
 * JSON { sub, client_id, scopes, jkt } of the token the request came with.
 */
export async function startProtectedMcpServer(
  options: ProtectedMcpServerOptions,
): Promise<ProtectedMcpServer> {
  const jwksUri = options.jwksUri ?? (await discoverJwksUri(options.issuer));
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  const dpopRequired = options.dpop === 'required';
  const requests: McpServerRequest[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const accepted = new Set<string>(); // jti of tokens accepted so far
  const expired = new Set<string>(); // jti of tokens to treat as expired
  const proofs = new Set<string>(); // jti of DPoP proofs seen (replay check)

  let handle: (
    req: IncomingMessage,
    res: ServerResponse,
    rpcMethods: string[],
  ) => Promise<void> = () => Promise.resolve();
  const server = createServer((req, res) => {
    const rpcMethods: string[] = [];
    const headers = { ...req.headers };
    if (headers.authorization !== undefined) headers.authorization = authorizationScheme(headers);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers,
      rpcMethods,
      get status() {
        return res.headersSent ? res.statusCode : undefined;
      },
      get challenge() {
        const value = res.headersSent ? res.getHeader('www-authenticate') : undefined;
        return typeof value === 'string' ? value : undefined;
      },
    });
    handle(req, res, rpcMethods).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    });
  });
  const origin = await listen(server);
  const url = `${origin}/mcp`;
  const metadataPath =
    options.metadataLocation === 'root'
      ? '/.well-known/oauth-protected-resource'
      : '/.well-known/oauth-protected-resource/mcp';
  const metadataUrl = `${origin}${metadataPath}`;
  const metadata = {
    resource: url,
    authorization_servers: [options.issuer],
    scopes_supported: [...MCP_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-actors protected test server',
    dpop_signing_alg_values_supported: DPOP_ALGS,
    ...(dpopRequired ? { dpop_bound_access_tokens_required: true } : {}),
  };

  /** The WWW-Authenticate value for a refusal. */
  const challenge = (refusal: Refusal): string => {
    const params: [string, string][] = [];
    if (refusal.error !== undefined) {
      params.push(['error', refusal.error], ['error_description', refusal.message]);
    }
    params.push(['scope', refusal.scope]);
    if (options.advertiseMetadata ?? true) params.push(['resource_metadata', metadataUrl]);
    if (refusal.scheme === 'DPoP') params.push(['algs', DPOP_ALGS.join(' ')]);
    // The order the MCP spec's examples use: error first, then resource_metadata and scope.
    const order = ['error', 'error_description', 'resource_metadata', 'scope', 'algs'];
    params.sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    return `${refusal.scheme} ${params.map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`).join(', ')}`;
  };

  /** Checks the Authorization (and DPoP) headers; resolves with the token or throws a Refusal. */
  const authenticate = async (req: IncomingMessage): Promise<VerifiedToken & { token: string }> => {
    const defaultScheme = dpopRequired ? 'DPoP' : 'Bearer';
    const match = /^(Bearer|DPoP) +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match === null) throw new Refusal(401, undefined, 'No access token', defaultScheme);
    const scheme = match[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2] ?? '';
    const verified = await verifyAccessToken(token, scheme);
    const jti = verified.payload.jti ?? '';
    if (expired.has(jti))
      throw new Refusal(401, 'invalid_token', 'The access token expired', scheme);
    const jkt = verified.payload.cnf?.jkt;
    if (jkt === undefined && (scheme === 'DPoP' || dpopRequired)) {
      throw new Refusal(401, 'invalid_token', 'A DPoP-bound access token is required', 'DPoP');
    }
    if (jkt !== undefined) {
      if (scheme !== 'DPoP') {
        throw new Refusal(401, 'invalid_token', 'DPoP-bound token sent as Bearer', 'DPoP');
      }
      await verifyDpopProof(req, token, jkt);
    }
    accepted.add(jti);
    return { ...verified, token };
  };

  const verifyAccessToken = async (
    token: string,
    scheme: 'Bearer' | 'DPoP',
  ): Promise<VerifiedToken> => {
    try {
      const { payload } = await jwtVerify<VerifiedToken['payload']>(token, jwks, {
        issuer: options.issuer,
        audience: url,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      });
      return { payload, scopes: (payload.scope ?? '').split(' ').filter(Boolean) };
    } catch (error) {
      const message =
        error instanceof joseErrors.JWTExpired
          ? 'The access token expired'
          : 'The access token is invalid';
      throw new Refusal(401, 'invalid_token', message, scheme);
    }
  };

  /** RFC 9449 §4.3 and §7: the proof's key, method, URL, time, token hash and uniqueness. */
  const verifyDpopProof = async (req: IncomingMessage, token: string, jkt: string) => {
    const invalid = (message: string) => new Refusal(401, 'invalid_dpop_proof', message, 'DPoP');
    const proof = req.headers.dpop;
    if (typeof proof !== 'string') throw invalid('Exactly one DPoP proof is required');
    let payload: JWTPayload;
    let key: JWK | undefined;
    try {
      ({
        payload,
        protectedHeader: { jwk: key },
      } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGS,
      }));
    } catch {
      throw invalid('The DPoP proof does not verify');
    }
    const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
    if (htu !== null) htu.search = htu.hash = '';
    const now = Math.floor(Date.now() / 1000);
    const ath = createHash('sha256').update(token).digest('base64url');
    if (payload.htm !== req.method) throw invalid('DPoP proof htm mismatch');
    if (htu?.href !== url) throw invalid('DPoP proof htu mismatch');
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > 300) {
      throw invalid('DPoP proof iat is not recent');
    }
    if (payload.ath !== ath) throw invalid('DPoP proof ath mismatch');
    if (key === undefined || (await calculateJwkThumbprint(key)) !== jkt) {
      throw invalid('DPoP proof key does not match the token binding');
    }
    if (typeof payload.jti !== 'string' || proofs.has(payload.jti)) {
      throw invalid('DPoP proof jti missing or replayed');
    }
    proofs.add(payload.jti);
  };

  const refuse = (res: ServerResponse, refusal: Refusal): void => {
    sendJson(
      res,
      refusal.status,
      { error: refusal.error ?? 'unauthorized', error_description: refusal.message },
      { 'www-authenticate': challenge(refusal) },
    );
  };

  handle = async (req, res, rpcMethods) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === metadataPath) {
      sendJson(res, 200, metadata);
      return;
    }
    if (path !== '/mcp') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    let verified: VerifiedToken & { token: string };
    try {
      verified = await authenticate(req);
      if (!verified.scopes.includes(MCP_SCOPES[0])) {
        throw new Refusal(403, 'insufficient_scope', 'mcp:read is required', schemeOf(verified));
      }
    } catch (error) {
      if (error instanceof Refusal) return refuse(res, error);
      throw error;
    }
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(await readBody(req)) as unknown;
      } catch {
        sendJson(res, 400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error' },
        });
        return;
      }
      rpcMethods.push(...jsonRpcMethods(body));
      if (callsWriteTool(body) && !verified.scopes.includes(MCP_SCOPES[1])) {
        return refuse(
          res,
          new Refusal(
            403,
            'insufficient_scope',
            'mcp:write is required',
            schemeOf(verified),
            MCP_SCOPES.join(' '),
          ),
        );
      }
    }
    const transport = await transportFor(req, res, body);
    if (transport === undefined) return;
    const auth: AuthInfo = {
      token: verified.token,
      clientId: verified.payload.client_id ?? '',
      scopes: [...verified.scopes],
      resource: new URL(url),
      extra: { sub: verified.payload.sub, jkt: verified.payload.cnf?.jkt },
      ...(verified.payload.exp !== undefined ? { expiresAt: verified.payload.exp } : {}),
    };
    await transport.handleRequest(Object.assign(req, { auth }), res, body);
  };

  /** The session's transport, a new one for an initialize without a session, else a 4xx answer. */
  const transportFor = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<StreamableHTTPServerTransport | undefined> => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const transport = transports.get(sid);
      if (transport === undefined) {
        sendJson(res, 404, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32001, message: 'Session not found' },
        });
      }
      return transport;
    }
    if (req.method !== 'POST' || !jsonRpcMethods(body).includes('initialize')) {
      sendJson(res, 400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: 'Bad Request: no session' },
      });
      return undefined;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.jsonResponse ?? true,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
      onsessionclosed: (id) => {
        transports.delete(id);
      },
    });
    await mcpServer().connect(transport);
    return transport;
  };

  return {
    url,
    metadataUrl,
    requests,
    sessions: () => [...transports.keys()],
    expireAccessTokens: () => {
      for (const jti of accepted) expired.add(jti);
    },
    expireAccessToken: (token) => {
      const { jti } = decodeJwt(token);
      if (jti === undefined) throw new Error('expireAccessToken: the token has no jti');
      expired.add(jti);
    },
    close: async () => {
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      transports.clear();
      await closeServer(server);
    },
  };
}

/** The authorization server's `jwks_uri`, from its RFC 8414 metadata. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
  const metadata = (await response.json()) as { jwks_uri?: unknown };
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`${issuer} has no jwks_uri`);
  return metadata.jwks_uri;
}

function jsonRpcMethods(body: unknown): string[] {
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  return messages.flatMap((m) => (isRecord(m) && typeof m.method === 'string' ? [m.method] : []));
}

function callsWriteTool(body: unknown): boolean {
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  return messages.some(
    (m) =>
      isRecord(m) &&
      m.method === 'tools/call' &&
      isRecord(m.params) &&
      typeof m.params.name === 'string' &&
      WRITE_TOOLS.has(m.params.name),
  );
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** The MCP server behind the transport: echo, admin-echo (needs mcp:write) and whoami. */
function mcpServer(): McpServer {
  const mcp = new McpServer({ name: 'oauth-protected-test-server', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Echoes its message', inputSchema: { message: z.string() } },
    ({ message }) => text(message),
  );
  mcp.registerTool(
    'admin-echo',
    { description: 'Echoes its message; needs mcp:write', inputSchema: { message: z.string() } },
    ({ message }) => text(`admin: ${message}`),
  );
  mcp.registerTool('whoami', { description: "The access token's subject and scopes" }, (extra) => {
    const auth = extra.authInfo;
    return text(
      JSON.stringify({
        sub: auth?.extra?.sub,
        client_id: auth?.clientId,
        scopes: auth?.scopes,
        jkt: auth?.extra?.jkt,
      }),
    );
  });
  return mcp;
}
