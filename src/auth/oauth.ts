import type * as OAuth from 'oauth4webapi';
import type { CryptoKey, CryptoKeyPair } from 'oauth4webapi';
import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import {
  authorizationMachine,
  type AuthorizationChallenge,
  type AuthorizationGrant,
  type AuthorizationState,
  type DiscoveryInput,
  type DiscoveryOutcome,
  type TokenOutcome,
} from '../../machines/authorization.js';
import { systemClock, type Clock } from '../core/clock.js';
import {
  AuthorizationError,
  InvalidArgumentError,
  McpLocalError,
  reasonText,
} from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { authChallengeOf } from './challenge.js';
import {
  discoverAuthorizationServer,
  discoverProtectedResource,
  requestOptions,
  resourceIndicatorOf,
  type DiscoveryContext,
  type ProtectedResource,
} from './discovery.js';
import {
  boundedFetch,
  checkEndpoint,
  DEFAULT_AUTH_MAX_RESPONSE_BYTES,
  DEFAULT_AUTH_TIMEOUT_MS,
  isLoopbackHost,
} from './http.js';
import {
  createMemoryOAuthStore,
  type OAuthRecord,
  type OAuthStore,
  type StoredClient,
  type StoredTokens,
  type TokenEndpointAuthMethod,
} from './store.js';

type OAuthLibrary = typeof import('oauth4webapi');

/** Loaded on the first authorization: importing the package stays cheap. */
let library: Promise<OAuthLibrary> | undefined;
const loadLibrary = (): Promise<OAuthLibrary> => (library ??= import('oauth4webapi'));

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** What a user agent is asked to do: send the user to `url` and return where they came back. */
export interface AuthorizationRequest {
  /** The authorization URL to send the user to. */
  readonly url: URL;
  /** The redirect URI the authorization server will send the user back to. */
  readonly redirectUri: string;
  /** The `state` sent; the redirect must carry it back. */
  readonly state: string;
  /** The authorization server's issuer. */
  readonly issuer: string;
  /** Aborted when the authorization is no longer wanted (logout, close). */
  readonly signal: AbortSignal;
}

/**
 * Sends the user to the authorization URL (a browser, a printed link, a test's headless fetch)
 * and resolves with the URL the authorization server redirected back to, query and all. It does
 * not need to check `state` or `iss`: the client does, before the code goes anywhere.
 */
export type UserAgent = (request: AuthorizationRequest) => Promise<string | URL>;

/** What an assertion provider of a JWT bearer grant is told. */
export interface AssertionRequest {
  /** The authorization server's issuer: the audience the assertion is for. */
  readonly issuer: string;
  /** The resource indicator of the MCP server. */
  readonly resource: string;
  /** The scope asked for, if any. */
  readonly scope: string | undefined;
  readonly signal: AbortSignal;
  /** A fetch with the client's limits (timeout, size cap, secure endpoints only). */
  readonly fetch: typeof globalThis.fetch;
}

/**
 * Produces the assertion of a JWT bearer grant (RFC 7523): a workload identity token, an ID-JAG.
 * An `extension` on it names the MCP extension the grant belongs to (`idJagAssertion` sets
 * `io.modelcontextprotocol/enterprise-managed-authorization`), declared in the capabilities.
 */
export type AssertionProvider = ((request: AssertionRequest) => string | Promise<string>) & {
  readonly extension?: string;
};

/** How the client obtains tokens. */
export type OAuthGrant =
  /** Authorization code with PKCE (the core MCP flow): a user authorizes in a browser. */
  | {
      readonly type: 'authorization_code';
      /** Where the authorization server sends the user back (registered with the client). */
      readonly redirectUri: string;
      /** Sends the user to the authorization server and returns the redirect. */
      readonly userAgent: UserAgent;
    }
  /** OAuth client credentials (extension `io.modelcontextprotocol/oauth-client-credentials`). */
  | { readonly type: 'client_credentials' }
  /** A JWT bearer grant with an assertion from elsewhere (workload identity; ID-JAG). */
  | { readonly type: 'jwt_bearer'; readonly assertion: AssertionProvider };

/** A client registered with the authorization server beforehand. */
export interface PreRegisteredClient {
  readonly clientId: string;
  /** The secret, for `client_secret_basic` (the default with a secret) or `client_secret_post`. */
  readonly clientSecret?: string | undefined;
  /**
   * The private key of `private_key_jwt`: a `CryptoKey`, or a PKCS#8 PEM string with
   * `signingAlgorithm`.
   */
  readonly privateKey?: CryptoKey | string | undefined;
  /** The JWS algorithm of a PEM `privateKey`. Default `ES256`. */
  readonly signingAlgorithm?: string | undefined;
  /** How to authenticate at the token endpoint; by default from what is given. */
  readonly authMethod?: TokenEndpointAuthMethod | undefined;
  /**
   * The issuer of the authorization server the client is registered with. When the MCP server
   * names another one, the authorization fails (`issuer-mismatch`) instead of sending these
   * credentials there.
   */
  readonly issuer?: string | undefined;
}

/** Options of {@link createOAuthClient}. */
export interface OAuthClientOptions {
  /** How tokens are obtained. */
  readonly grant: OAuthGrant;
  /** A client registered beforehand; without one, a Client ID Metadata Document or DCR. */
  readonly client?: PreRegisteredClient | undefined;
  /**
   * The https URL of this client's Client ID Metadata Document, used as the `client_id` when the
   * authorization server supports them (`client_id_metadata_document_supported`).
   */
  readonly clientMetadataUrl?: string | undefined;
  /** The `client_name` sent with Dynamic Client Registration. Default `mcp-actors`. */
  readonly clientName?: string | undefined;
  /**
   * The scope to ask for, on top of what the server's challenge asks for; without a challenge
   * scope it replaces the Protected Resource Metadata's `scopes_supported`.
   */
  readonly scope?: string | undefined;
  /** Where registrations and tokens are kept. Default: in memory. */
  readonly store?: OAuthStore | undefined;
  /**
   * DPoP (RFC 9449): `'auto'` (default) binds tokens when the MCP server asks for DPoP (its
   * challenge's scheme, or `dpop_bound_access_tokens_required`) and the authorization server
   * supports ES256 proofs; `true` always; `false` never.
   */
  readonly dpop?: boolean | 'auto' | undefined;
  /** The `fetch` of the authorization calls. Default: the global one. */
  readonly fetch?: typeof fetch | undefined;
  /** How long one authorization HTTP call may take, ms. Default 30 000. */
  readonly timeout?: number | undefined;
  /** The largest answer an authorization HTTP call may read, bytes. Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /** Re-authorizations for more scope allowed per request (403 `insufficient_scope`). Default 2. */
  readonly maxStepUps?: number | undefined;
  /** Refresh a token this long before it expires (at most half its lifetime), ms. Default 60 000. */
  readonly refreshBefore?: number | undefined;
  /** Time. Default: the system clock. */
  readonly clock?: Clock | undefined;
  /** An XState inspection observer for the authorization actor. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/** A kind of token, as RFC 7009's `token_type_hint` names it. */
export type TokenKind = 'refresh_token' | 'access_token';

/** How revoking the tokens went. */
export interface Revocation {
  /** The tokens revoked. */
  readonly revoked: readonly TokenKind[];
  /** The tokens the authorization server does not revoke (`unsupported_token_type`). */
  readonly unsupported: readonly TokenKind[];
  /** Why revoking stopped or was not tried, if it was. */
  readonly why: string | undefined;
}

/** What {@link OAuthClient.logout} did. */
export interface LogoutOutcome extends Revocation {
  /** Whether tokens were held (and are now forgotten). */
  readonly forgotten: boolean;
}

const notRevoked = (why: string): Revocation => ({ revoked: [], unsupported: [], why });

/** Hooks a transport gives {@link HttpAuth.wrapFetch}. */
export interface HttpAuthHooks {
  /**
   * An authorization started (`true`) or settled (`false`). Its HTTP calls have timeouts of their
   * own and a user may take minutes, so a transport holds its session's request deadlines
   * meanwhile.
   */
  readonly authorizing?: (active: boolean) => void;
}

/** What an HTTP transport's `auth` option takes: something that authorizes its requests. */
export interface HttpAuth {
  /**
   * A `fetch` for the MCP server at `server`: it adds credentials to requests to the server's
   * origin (and to no other), and answers a `401` or `403` by authorizing and sending the request
   * again.
   */
  wrapFetch(
    server: URL,
    fetch: typeof globalThis.fetch,
    hooks?: HttpAuthHooks,
  ): typeof globalThis.fetch;
  /** MCP extensions this authorization takes part in, for the client's capabilities. */
  readonly extensions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The tokens held, and how to present them. */
interface Held extends StoredTokens {
  readonly generation: number;
}

/** The state of the client at one authorization server: metadata, client, DPoP. */
interface AtServer {
  readonly issuer: string;
  readonly as: OAuth.AuthorizationServer;
  readonly prm: ProtectedResource;
  client?: OAuth.Client;
  clientAuth?: OAuth.ClientAuth;
  dpop?: OAuth.DPoPHandle | undefined;
}

/** A code flow's record: what the redirect is checked against (MCP 2026-07-28: with the verifier). */
interface PendingAuthorization {
  readonly verifier: string;
  readonly state: string;
  readonly issuer: string;
  readonly redirectUri: string;
  params?: URLSearchParams;
}

const SETTLED: ReadonlySet<AuthorizationState> = new Set(['authorized', 'failed', 'idle']);

/**
 * The key an {@link OAuthClient} keeps a server's record under in its store: the server's URL
 * (its resource indicator) and the client's identity (the pre-registered client id, the Client ID
 * Metadata Document URL, or the grant of a client that registers itself).
 *
 * @example
 * ```ts
 * import { oauthStoreKey } from 'mcp-actors';
 *
 * const key = oauthStoreKey(new URL('https://mcp.example.com/mcp'), {
 *   grant: { type: 'client_credentials' },
 *   client: { clientId: 'nightly-report' },
 * });
 * console.log(key); // 'https://mcp.example.com/mcp nightly-report'
 * ```
 */
export function oauthStoreKey(
  server: URL,
  options: {
    readonly grant: { readonly type: OAuthGrant['type'] };
    readonly client?: { readonly clientId: string } | undefined;
    readonly clientMetadataUrl?: string | undefined;
  },
): string {
  const who = options.client?.clientId ?? options.clientMetadataUrl ?? options.grant.type;
  return `${resourceIndicatorOf(server)} ${who}`;
}

/**
 * Whether a registration made for redirect URI `registered` serves `wanted`: the same URI, or a
 * loopback one that differs only by port (RFC 8252 §7.3: the port of a loopback redirect varies).
 */
function sameRedirect(registered: string, wanted: string): boolean {
  if (registered === wanted) return true;
  const a = new URL(registered);
  const b = new URL(wanted);
  if (a.protocol !== 'http:' || !isLoopbackHost(a.hostname)) return false;
  a.port = '';
  b.port = '';
  return a.href === b.href;
}

function scopeSet(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s !== '');
}

/**
 * The union of scopes, in order of first appearance; undefined when empty. A step-up asks for
 * the union of the scope held and the scope challenged (MCP basic/authorization, step-up).
 *
 * @example
 * ```ts
 * import { unionScopes } from 'mcp-actors';
 *
 * console.log(unionScopes('files:read', 'files:read files:write')); // 'files:read files:write'
 * ```
 */
export function unionScopes(...scopes: (string | undefined)[]): string | undefined {
  const all = [...new Set(scopes.flatMap(scopeSet))];
  return all.length === 0 ? undefined : all.join(' ');
}

function pemToDer(pem: string): ArrayBuffer {
  const base64 = pem.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return bytes.buffer;
}

/** WebCrypto parameters of a JWS algorithm, for importing a PKCS#8 private key. */
function importParams(alg: string): Parameters<typeof crypto.subtle.importKey>[2] {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'ES512':
      return { name: 'ECDSA', namedCurve: 'P-521' };
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${alg.slice(2)}` };
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` };
    case 'EdDSA':
    case 'Ed25519':
      return { name: 'Ed25519' };
    default:
      throw new InvalidArgumentError(`Unsupported signing algorithm ${JSON.stringify(alg)}.`);
  }
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

/**
 * The OAuth 2.1 client of one MCP server (MCP basic/authorization, 2025-03-26 to 2026-07-28, and
 * the client credentials, enterprise-managed and DPoP extensions), built on oauth4webapi. The
 * flow is the `authorizationMachine` actor ({@link OAuthClient.actor}); the secrets stay here.
 * Made by {@link createOAuthClient}; given to a transport as its `auth` option.
 *
 * @example
 * Watching the flow, and its state once a session is connected:
 * ```ts
 * import { createClientSession, createOAuthClient, createStreamableHttpTransport } from 'mcp-actors';
 *
 * const oauth = createOAuthClient({
 *   grant: { type: 'client_credentials' },
 *   client: { clientId: 'reporting-job', clientSecret: process.env.CLIENT_SECRET ?? '' },
 * });
 * oauth.actor.subscribe((s) => console.log('authorization:', s.value)); // discovering, …
 * const url = 'https://mcp.example.com/mcp';
 * const session = createClientSession({ transport: createStreamableHttpTransport({ url, auth: oauth }) });
 * await session.connect();
 * console.log(oauth.state, oauth.scope); // 'authorized', the scope granted
 * ```
 */
export class OAuthClient implements HttpAuth {
  readonly #options: OAuthClientOptions;
  readonly #store: OAuthStore;
  readonly #clock: Clock;
  readonly #actor: Actor<typeof authorizationMachine>;
  #server: URL | undefined;
  #loaded: Promise<void> | undefined;
  #record: OAuthRecord = {};
  #held: Held | undefined;
  #at: AtServer | undefined;
  #pending: PendingAuthorization | undefined;
  #dpopKeys: Promise<CryptoKeyPair> | undefined;
  #useDpop = false;
  #clientKey: Promise<CryptoKey> | undefined;
  readonly #waiting = new Set<(waiting: boolean) => void>();

  constructor(options: OAuthClientOptions) {
    if (options.grant.type === 'authorization_code') {
      const redirect = new URL(options.grant.redirectUri);
      if (redirect.protocol === 'http:' && !isLoopbackHost(redirect.hostname)) {
        throw new InvalidArgumentError(
          `The redirect URI ${redirect.href} must be https or on a loopback address.`,
        );
      }
    }
    this.#options = options;
    this.#store = options.store ?? createMemoryOAuthStore();
    this.#clock = options.clock ?? systemClock;
    const grant: AuthorizationGrant = options.grant.type;
    this.#actor = createActor(
      authorizationMachine.provide({
        actors: {
          discover: fromPromise<DiscoveryOutcome, DiscoveryInput>(({ input, signal }) =>
            this.#discover(input, signal),
          ),
          register: fromPromise<void, { issuer: string }>(({ signal }) => this.#register(signal)),
          authorize: fromPromise<void, { scope: string | undefined }>(({ input, signal }) =>
            this.#authorize(input.scope, signal),
          ),
          exchange: fromPromise<TokenOutcome, { scope: string | undefined }>(({ input, signal }) =>
            this.#exchange(input.scope, signal),
          ),
          refresh: fromPromise<TokenOutcome>(({ signal }) => this.#refresh(signal)),
        },
      }),
      {
        input: { grant },
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      },
    );
    let active = false;
    this.#actor.subscribe((snapshot) => {
      const busy = !SETTLED.has(snapshot.value);
      if (busy === active) return;
      active = busy;
      for (const hook of this.#waiting) hook(busy);
    });
    this.#actor.start();
  }

  /** The authorization actor (inspection, model checks): its context holds nothing secret. */
  get actor(): Actor<typeof authorizationMachine> {
    return this.#actor;
  }

  /** The state of the authorization: `idle`, `discovering`, …, `authorized`, `failed`. */
  get state(): AuthorizationState {
    return this.#actor.getSnapshot().value;
  }

  /** The scope of the token held, if known. */
  get scope(): string | undefined {
    return this.#held?.scope;
  }

  /**
   * The MCP extensions of the grant, which a session over this client's transport declares in its
   * 2026-07-28 capabilities: `io.modelcontextprotocol/oauth-client-credentials` for the client
   * credentials grant, an assertion provider's own `extension` for a JWT bearer grant.
   */
  get extensions(): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
    const grant = this.#options.grant;
    if (grant.type === 'client_credentials') {
      return { 'io.modelcontextprotocol/oauth-client-credentials': {} };
    }
    if (grant.type === 'jwt_bearer' && grant.assertion.extension !== undefined) {
      return { [grant.assertion.extension]: {} };
    }
    return {};
  }

  /** Whether a token is held for the server. */
  get authorized(): boolean {
    return this.#held !== undefined;
  }

  /** The key the store keeps this server and client under. */
  get storeKey(): string | undefined {
    return this.#server === undefined ? undefined : oauthStoreKey(this.#server, this.#options);
  }

  #bind(server: URL): void {
    if (this.#server === undefined) {
      this.#server = new URL(server);
      this.#loaded = this.#load();
      return;
    }
    if (resourceIndicatorOf(this.#server) !== resourceIndicatorOf(server)) {
      throw new InvalidArgumentError(
        `This OAuth client serves ${this.#server.href}; create another one for ${server.href}.`,
      );
    }
  }

  async #load(): Promise<void> {
    const key = this.storeKey;
    if (key === undefined) return;
    const record = await this.#store.load(key);
    if (record === undefined) return;
    this.#record = record;
    const tokens = record.tokens;
    // DPoP-bound tokens are useless without their key, which is never stored.
    if (tokens !== undefined && tokens.tokenType !== 'dpop') {
      this.#held = { ...tokens, generation: this.#actor.getSnapshot().context.generation + 1 };
      this.#actor.send({
        type: 'restore',
        refreshable: tokens.refreshToken !== undefined,
        scope: tokens.scope,
      });
    }
  }

  async #save(record: OAuthRecord): Promise<void> {
    this.#record = record;
    const key = this.storeKey;
    if (key !== undefined) await this.#store.save(key, record);
  }

  /**
   * Authorizes now, whatever is held (a user's explicit login), and resolves once a token is held.
   *
   * @example
   * ```ts
   * import { createOAuthClient } from 'mcp-actors';
   *
   * const oauth = createOAuthClient({ grant: { type: 'client_credentials' }, client: { clientId: 'svc', clientSecret: 's3cr3t' } });
   * await oauth.login('https://mcp.example.com/mcp');
   * console.log(oauth.state); // 'authorized'
   * ```
   */
  async login(server: string | URL, signal?: AbortSignal): Promise<void> {
    this.#bind(new URL(server));
    await this.#loaded;
    this.#actor.send({ type: 'login' });
    await this.#settle(signal);
  }

  /**
   * Forgets the tokens held for the server (in memory and in the store) and revokes them (RFC
   * 7009) where the authorization server has a revocation endpoint, finding it first when the
   * tokens were restored from the store. Registrations stay. Resolves with what was done; a
   * revocation that fails is reported, never thrown: the tokens are forgotten either way.
   *
   * @example
   * ```ts
   * import { createOAuthClient } from 'mcp-actors';
   * declare const options: Parameters<typeof createOAuthClient>[0];
   *
   * const oauth = createOAuthClient(options);
   * const outcome = await oauth.logout('https://mcp.example.com/mcp');
   * console.log(outcome.forgotten, outcome.revoked, outcome.why); // true ['refresh_token'] …
   * ```
   */
  async logout(server?: string | URL): Promise<LogoutOutcome> {
    if (server !== undefined) this.#bind(new URL(server));
    await this.#loaded;
    const held = this.#held;
    this.#held = undefined;
    this.#actor.send({ type: 'logout' });
    const revocation =
      held === undefined ? notRevoked('no tokens were held') : await this.#revoke(held);
    const key = this.storeKey;
    this.#record = { ...this.#record, tokens: undefined };
    if (key !== undefined) {
      // Registrations stay (they are no user's); only the tokens go.
      if (this.#record.clients === undefined) await this.#store.remove(key);
      else await this.#store.save(key, this.#record);
    }
    return { forgotten: held !== undefined, ...revocation };
  }

  /** Revokes the refresh token, then the access token, at the server that issued them. */
  async #revoke(held: StoredTokens): Promise<Revocation> {
    const lib = await this.#withLib();
    const signal = AbortSignal.timeout(this.#timeout);
    try {
      if (this.#at?.issuer !== held.issuer || this.#at.client === undefined) {
        // Tokens restored from the store: find their authorization server and client again.
        await this.#discover(
          { challenge: undefined, steppingUp: false, scope: held.scope },
          signal,
        );
        if (this.#at?.issuer !== held.issuer) {
          return notRevoked(
            `the server now names another authorization server than ${held.issuer}`,
          );
        }
        await this.#register(signal, false);
      }
    } catch (error) {
      return notRevoked(`the authorization server could not be found: ${reasonText(error)}`);
    }
    const at = this.#at;
    if (at.client === undefined) return notRevoked('the client registration is not kept');
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
          at.client,
          at.clientAuth ?? lib.None(),
          token,
          {
            ...requestOptions(this.#context(signal)),
            additionalParameters: { token_type_hint: kind },
          },
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

  /** Stops the authorization actor; a flow in progress is abandoned. */
  stop(): void {
    const busy = !SETTLED.has(this.state);
    this.#actor.stop();
    if (busy) for (const hook of this.#waiting) hook(false);
  }

  get #timeout(): number {
    return this.#options.timeout ?? DEFAULT_AUTH_TIMEOUT_MS;
  }

  /** How a step reaches the network. Each step awaits #withLib() first, so the library is loaded. */
  #context(signal: AbortSignal): DiscoveryContext {
    return {
      lib: this.#lib as OAuthLibrary,
      fetch: boundedFetch({
        fetch: this.#options.fetch ?? globalThis.fetch,
        timeout: this.#timeout,
        maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_AUTH_MAX_RESPONSE_BYTES,
        clock: this.#clock,
      }),
      signal,
    };
  }

  #lib: OAuthLibrary | undefined;

  async #withLib(): Promise<OAuthLibrary> {
    this.#lib ??= await loadLibrary();
    return this.#lib;
  }

  // -----------------------------------------------------------------------------------------------
  // The steps the machine invokes.

  async #discover(input: DiscoveryInput, signal: AbortSignal): Promise<DiscoveryOutcome> {
    await this.#withLib();
    const server = this.#server;
    if (server === undefined) throw new McpLocalError('INVALID_STATE', 'No MCP server is bound.');
    const context = this.#context(signal);
    const challenge: AuthorizationChallenge | undefined = input.challenge;
    const prm = await discoverProtectedResource(context, server, challenge?.resourceMetadata);
    const issuer = prm.authorizationServers[0] as string;
    const as = await discoverAuthorizationServer(context, issuer, prm.url === undefined);
    const grant = this.#options.grant.type;
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
    // Credentials and tokens are bound to their authorization server (MCP 2026-07-28,
    // client registration): another one means starting over there.
    const previous = this.#at;
    const same = previous?.issuer === issuer;
    this.#at = {
      issuer,
      as,
      prm,
      ...(same && previous.client !== undefined
        ? { client: previous.client, clientAuth: previous.clientAuth, dpop: previous.dpop }
        : {}),
    };
    if (this.#held !== undefined && this.#held.issuer !== issuer) this.#held = undefined;
    const dpop = this.#options.dpop ?? 'auto';
    this.#useDpop =
      dpop === true ||
      (dpop === 'auto' &&
        (challenge?.scheme === 'dpop' || prm.dpopRequired) &&
        (as.dpop_signing_alg_values_supported ?? []).includes('ES256'));
    const offline =
      grant === 'authorization_code' && (as.scopes_supported ?? []).includes('offline_access');
    let scope: string | undefined;
    if (input.steppingUp) {
      scope = unionScopes(input.scope, challenge?.scope);
    } else {
      const requested =
        challenge?.scope ??
        (this.#options.scope === undefined ? prm.scopesSupported?.join(' ') : undefined);
      scope = unionScopes(requested, this.#options.scope);
    }
    // offline_access only where the authorization server lists it (MCP 2026-07-28, refresh tokens).
    if (scope !== undefined && offline) scope = unionScopes(scope, 'offline_access');
    return { issuer, resource: prm.resource, scope };
  }

  /** A client identity at the authorization server; without `mayRegister`, none is made anew. */
  async #register(signal: AbortSignal, mayRegister = true): Promise<void> {
    const lib = await this.#withLib();
    const at = this.#at;
    if (at === undefined) throw new McpLocalError('INVALID_STATE', 'Nothing discovered.');
    if (at.client !== undefined) return;
    const given = this.#options.client;
    let stored: StoredClient | undefined;
    if (given !== undefined) {
      if (given.issuer !== undefined && given.issuer !== at.issuer) {
        throw new AuthorizationError(
          'issuer-mismatch',
          `The pre-registered client ${JSON.stringify(given.clientId)} belongs to ${given.issuer}, but the MCP server now names the authorization server ${at.issuer}; its credentials are not sent there.`,
          { expected: given.issuer, actual: at.issuer },
        );
      }
      stored = {
        clientId: given.clientId,
        clientSecret: given.clientSecret,
        authMethod:
          given.authMethod ??
          (given.privateKey !== undefined
            ? 'private_key_jwt'
            : given.clientSecret !== undefined
              ? this.#secretMethod(at.as)
              : 'none'),
        redirectUris: [],
      };
    } else {
      stored = this.#record.clients?.[at.issuer];
      const redirectUri = this.#redirectUri;
      if (
        stored !== undefined &&
        redirectUri !== undefined &&
        !stored.redirectUris.some((r) => sameRedirect(r, redirectUri))
      ) {
        stored = undefined; // registered for another redirect URI
      }
      if (
        stored === undefined &&
        this.#options.clientMetadataUrl !== undefined &&
        at.as.client_id_metadata_document_supported === true
      ) {
        stored = {
          clientId: this.#options.clientMetadataUrl,
          authMethod: 'none',
          redirectUris: redirectUri === undefined ? [] : [redirectUri],
        };
      }
      if (stored === undefined && !mayRegister) return;
      if (stored === undefined) stored = await this.#dynamicRegistration(lib, at, signal);
    }
    at.client = { client_id: stored.clientId };
    at.clientAuth = await this.#clientAuth(lib, stored);
  }

  get #redirectUri(): string | undefined {
    return this.#options.grant.type === 'authorization_code'
      ? this.#options.grant.redirectUri
      : undefined;
  }

  /** The secret-based method to use: basic unless only post is supported (RFC 8414 default). */
  #secretMethod(as: OAuth.AuthorizationServer): TokenEndpointAuthMethod {
    const supported = as.token_endpoint_auth_methods_supported;
    if (supported === undefined || supported.includes('client_secret_basic')) {
      return 'client_secret_basic';
    }
    return supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
  }

  async #clientAuth(lib: OAuthLibrary, client: StoredClient): Promise<OAuth.ClientAuth> {
    switch (client.authMethod) {
      case 'client_secret_basic':
        return clientSecretBasic(client.clientSecret ?? '');
      case 'client_secret_post':
        return lib.ClientSecretPost(client.clientSecret ?? '');
      case 'private_key_jwt':
        return lib.PrivateKeyJwt({ key: await this.#privateKey() });
      default:
        return lib.None();
    }
  }

  #privateKey(): Promise<CryptoKey> {
    const given = this.#options.client?.privateKey;
    if (given === undefined) {
      return Promise.reject(new InvalidArgumentError('private_key_jwt needs client.privateKey.'));
    }
    if (typeof given !== 'string') return Promise.resolve(given);
    this.#clientKey ??= crypto.subtle.importKey(
      'pkcs8',
      pemToDer(given),
      importParams(this.#options.client?.signingAlgorithm ?? 'ES256'),
      false,
      ['sign'],
    );
    return this.#clientKey;
  }

  async #dynamicRegistration(
    lib: OAuthLibrary,
    at: AtServer,
    signal: AbortSignal,
  ): Promise<StoredClient> {
    if (at.as.registration_endpoint === undefined) {
      throw new AuthorizationError(
        'no-client',
        `The authorization server ${at.issuer} offers no Dynamic Client Registration and supports no Client ID Metadata Document for this client; give a pre-registered client (client option).`,
      );
    }
    checkEndpoint(new URL(at.as.registration_endpoint), 'registration endpoint');
    const grant = this.#options.grant;
    const redirectUri = this.#redirectUri;
    const supported = at.as.token_endpoint_auth_methods_supported;
    const method: TokenEndpointAuthMethod =
      grant.type === 'authorization_code' && (supported === undefined || supported.includes('none'))
        ? 'none'
        : this.#secretMethod(at.as);
    const native = redirectUri === undefined || isNativeRedirect(new URL(redirectUri));
    const metadata: Partial<OAuth.Client> & Record<string, OAuth.JsonValue | undefined> = {
      client_name: this.#options.clientName ?? 'mcp-actors',
      // MCP 2026-07-28: an appropriate application_type (native for loopback redirects).
      application_type: native ? 'native' : 'web',
      token_endpoint_auth_method: method,
      grant_types:
        grant.type === 'authorization_code'
          ? ['authorization_code', 'refresh_token']
          : grant.type === 'client_credentials'
            ? ['client_credentials']
            : [JWT_BEARER],
      response_types: grant.type === 'authorization_code' ? ['code'] : [],
      ...(redirectUri === undefined ? {} : { redirect_uris: [redirectUri] }),
    };
    const context = this.#context(signal);
    let registered: OAuth.OmitSymbolProperties<OAuth.Client>;
    try {
      const response = await lib.dynamicClientRegistrationRequest(
        at.as,
        metadata,
        requestOptions(context),
      );
      registered = await lib.processDynamicClientRegistrationResponse(
        await tolerateMissingSecretExpiry(response),
      );
    } catch (error) {
      if (error instanceof AuthorizationError) throw error;
      const oauthError = error instanceof lib.ResponseBodyError ? error.error : undefined;
      throw new AuthorizationError(
        'registration-failed',
        `Dynamic Client Registration at ${at.as.registration_endpoint} failed: ${error instanceof lib.ResponseBodyError ? `${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}` : clause(reasonText(error))}.`,
        { oauthError },
      );
    }
    const answered = registered['token_endpoint_auth_method'];
    const secret = registered['client_secret'];
    const client: StoredClient = {
      clientId: registered.client_id,
      clientSecret: typeof secret === 'string' ? secret : undefined,
      authMethod: typeof answered === 'string' ? (answered as TokenEndpointAuthMethod) : method,
      redirectUris: redirectUri === undefined ? [] : [redirectUri],
    };
    await this.#save({
      ...this.#record,
      clients: { ...this.#record.clients, [at.issuer]: client },
    });
    return client;
  }

  async #authorize(scope: string | undefined, signal: AbortSignal): Promise<void> {
    const lib = await this.#withLib();
    const at = this.#at;
    const grant = this.#options.grant;
    if (at?.client === undefined || grant.type !== 'authorization_code') {
      throw new McpLocalError('INVALID_STATE', 'No client to authorize.');
    }
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
    url.searchParams.set('client_id', at.client.client_id);
    url.searchParams.set('redirect_uri', grant.redirectUri);
    url.searchParams.set('code_challenge', await lib.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    url.searchParams.set('resource', at.prm.resource);
    if (scope !== undefined) url.searchParams.set('scope', scope);
    if (this.#useDpop) {
      const handle = await this.#dpop(lib, at);
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
    let returned: string | URL;
    try {
      returned = await grant.userAgent({
        url,
        redirectUri: grant.redirectUri,
        state,
        issuer: at.issuer,
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
    let callback: URL;
    try {
      callback = new URL(returned);
    } catch {
      throw new AuthorizationError(
        'invalid-response',
        'The user agent returned something that is not the redirect URL.',
      );
    }
    pending.params = this.#checkCallback(lib, at, callback, state);
  }

  /** RFC 9207 and `state`, before the code goes anywhere (MCP 2026-07-28, response validation). */
  #checkCallback(lib: OAuthLibrary, at: AtServer, callback: URL, state: string): URLSearchParams {
    const client = at.client as OAuth.Client;
    const iss = callback.searchParams.get('iss') ?? undefined;
    try {
      return lib.validateAuthResponse(at.as, client, callback, state);
    } catch (error) {
      if (error instanceof lib.AuthorizationResponseError) {
        return this.#denied(error);
      }
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

  #denied(error: OAuth.AuthorizationResponseError): never {
    throw new AuthorizationError(
      'access-denied',
      `The authorization server answered ${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}.`,
      { oauthError: error.error },
    );
  }

  async #dpop(lib: OAuthLibrary, at: AtServer): Promise<OAuth.DPoPHandle> {
    if (at.dpop !== undefined) return at.dpop;
    this.#dpopKeys ??= lib.generateKeyPair('ES256');
    at.dpop = lib.DPoP(at.client ?? { client_id: '' }, await this.#dpopKeys);
    return at.dpop;
  }

  /** Sends a token request, once more on a DPoP nonce challenge (RFC 9449 §8). */
  async #tokenRequest(
    lib: OAuthLibrary,
    at: AtServer,
    what: string,
    send: (options: OAuth.TokenEndpointRequestOptions) => Promise<Response>,
    process: (response: Response) => Promise<OAuth.TokenEndpointResponse>,
    signal: AbortSignal,
  ): Promise<OAuth.TokenEndpointResponse> {
    const context = this.#context(signal);
    const dpop = this.#useDpop ? await this.#dpop(lib, at) : undefined;
    const options = {
      ...requestOptions(context),
      additionalParameters: { resource: at.prm.resource },
      ...(dpop === undefined ? {} : { DPoP: dpop }),
    } as OAuth.TokenEndpointRequestOptions;
    for (let attempt = 0; ; attempt++) {
      try {
        return await process(await send(options));
      } catch (error) {
        if (dpop !== undefined && attempt === 0 && lib.isDPoPNonceError(error)) continue;
        throw tokenFailure(lib, what, error);
      }
    }
  }

  async #exchange(scope: string | undefined, signal: AbortSignal): Promise<TokenOutcome> {
    const lib = await this.#withLib();
    const at = this.#at;
    if (at?.client === undefined) throw new McpLocalError('INVALID_STATE', 'No client.');
    const client = at.client;
    const auth = at.clientAuth ?? lib.None();
    const grant = this.#options.grant;
    let response: OAuth.TokenEndpointResponse;
    if (grant.type === 'authorization_code') {
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending?.params === undefined || pending.issuer !== at.issuer) {
        throw new McpLocalError('INVALID_STATE', 'No authorization response to redeem.');
      }
      const params = pending.params;
      response = await this.#tokenRequest(
        lib,
        at,
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
        signal,
      );
    } else if (grant.type === 'client_credentials') {
      const parameters: Record<string, string> = { resource: at.prm.resource };
      if (scope !== undefined) parameters['scope'] = scope;
      response = await this.#tokenRequest(
        lib,
        at,
        'client credentials grant',
        (options) => lib.clientCredentialsGrantRequest(at.as, client, auth, parameters, options),
        (r) => lib.processClientCredentialsResponse(at.as, client, r),
        signal,
      );
    } else {
      let assertion: string;
      try {
        assertion = await grant.assertion({
          issuer: at.issuer,
          resource: at.prm.resource,
          scope,
          signal,
          fetch: this.#context(signal).fetch,
        });
      } catch (error) {
        if (error instanceof AuthorizationError) throw error;
        throw new AuthorizationError(
          'token-request-failed',
          `Obtaining the assertion of the JWT bearer grant failed: ${reasonText(error)}`,
        );
      }
      const parameters: Record<string, string> = { assertion, resource: at.prm.resource };
      if (scope !== undefined) parameters['scope'] = scope;
      response = await this.#tokenRequest(
        lib,
        at,
        'JWT bearer grant',
        (options) =>
          lib.genericTokenEndpointRequest(at.as, client, auth, JWT_BEARER, parameters, options),
        (r) => lib.processGenericTokenEndpointResponse(at.as, client, r),
        signal,
      );
    }
    return this.#keep(at, response, scope, undefined);
  }

  async #refresh(signal: AbortSignal): Promise<TokenOutcome> {
    const lib = await this.#withLib();
    const held = this.#held;
    if (held?.refreshToken === undefined) {
      throw new AuthorizationError('token-request-failed', 'No refresh token is held.');
    }
    if (this.#at === undefined || this.#at.client === undefined) {
      // Tokens restored from the store: find the authorization server and the client again.
      await this.#discover({ challenge: undefined, steppingUp: false, scope: held.scope }, signal);
      if (this.#at?.issuer !== held.issuer) {
        throw new AuthorizationError(
          'token-request-failed',
          `The stored refresh token is from ${held.issuer}, but the server now names another authorization server.`,
        );
      }
      await this.#register(signal);
    }
    const at = this.#at;
    const client = at.client as OAuth.Client;
    const auth = at.clientAuth ?? lib.None();
    const refreshToken = held.refreshToken;
    const response = await this.#tokenRequest(
      lib,
      at,
      'refresh token grant',
      (options) => lib.refreshTokenGrantRequest(at.as, client, auth, refreshToken, options),
      (r) => lib.processRefreshTokenResponse(at.as, client, r),
      signal,
    );
    // A rotated refresh token replaces the old one; without one, the old one stays.
    return this.#keep(at, response, held.scope, refreshToken);
  }

  async #keep(
    at: AtServer,
    response: OAuth.TokenEndpointResponse,
    scope: string | undefined,
    previousRefresh: string | undefined,
  ): Promise<TokenOutcome> {
    const tokens: StoredTokens = {
      issuer: at.issuer,
      resource: at.prm.resource,
      accessToken: response.access_token,
      tokenType: response.token_type.toLowerCase(),
      refreshToken: response.refresh_token ?? previousRefresh,
      issuedAt: this.#clock.now(),
      expiresAt:
        response.expires_in === undefined
          ? undefined
          : this.#clock.now() + response.expires_in * 1000,
      scope: response.scope ?? scope,
    };
    this.#held = { ...tokens, generation: this.#actor.getSnapshot().context.generation + 1 };
    // DPoP-bound tokens are kept in memory only: their key is never stored.
    await this.#save({ ...this.#record, tokens: tokens.tokenType === 'dpop' ? undefined : tokens });
    return { refreshable: tokens.refreshToken !== undefined, scope: tokens.scope };
  }

  // -----------------------------------------------------------------------------------------------
  // Requests to the MCP server.

  /** Resolves once the flow in progress has settled; throws its error if it failed. */
  #settle(signal?: AbortSignal | null): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const snapshot = this.#actor.getSnapshot();
        const value = snapshot.value;
        if (!SETTLED.has(value) && snapshot.status === 'active') return false;
        if (value === 'failed') {
          const error = snapshot.context.error;
          reject(
            error instanceof McpLocalError
              ? error
              : new AuthorizationError('invalid-response', reasonText(error)),
          );
        } else if (value === 'idle' || snapshot.status !== 'active') {
          reject(new AuthorizationError('unauthorized', 'The authorization was abandoned.'));
        } else {
          resolve();
        }
        return true;
      };
      if (check()) return;
      const onAbort = (): void => {
        subscription.unsubscribe();
        reject(
          signal?.reason instanceof Error ? signal.reason : new Error(reasonText(signal?.reason)),
        );
      };
      const subscription = this.#actor.subscribe(() => {
        if (check()) {
          subscription.unsubscribe();
          signal?.removeEventListener('abort', onAbort);
        }
      });
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Whether the token held should be renewed before it is sent. */
  #renewDue(held: Held): boolean {
    if (held.expiresAt === undefined) return false;
    // A token about to expire is renewed when that needs no user: a refresh token, or a grant
    // without one; otherwise it is sent until the server refuses it.
    if (held.refreshToken === undefined && this.#options.grant.type === 'authorization_code') {
      return false;
    }
    // At most half the token's lifetime early: a short-lived token is not renewed on every use.
    const lifetime = held.issuedAt === undefined ? Infinity : held.expiresAt - held.issuedAt;
    const margin = Math.min(this.#options.refreshBefore ?? 60_000, lifetime / 2);
    return held.expiresAt - margin <= this.#clock.now();
  }

  /**
   * The token to send now: at once when no flow runs and it is not due for renewal (the hot
   * path: no promise), else once the flow in progress, or a renewal, has settled.
   */
  #current(signal: AbortSignal | null | undefined): Held | undefined | Promise<Held | undefined> {
    const held = this.#held;
    if (SETTLED.has(this.state) && (held === undefined || !this.#renewDue(held))) return held;
    return this.#currentAfterFlow(signal);
  }

  async #currentAfterFlow(signal: AbortSignal | null | undefined): Promise<Held | undefined> {
    if (!SETTLED.has(this.state)) await this.#settle(signal);
    const held = this.#held;
    if (held === undefined || !this.#renewDue(held)) return held;
    this.#actor.send({ type: 'expired', generation: held.generation });
    await this.#settle(signal);
    return this.#held;
  }

  wrapFetch(server: URL, base: typeof fetch, hooks?: HttpAuthHooks): typeof fetch {
    this.#bind(server);
    const origin = server.origin;
    if (hooks?.authorizing !== undefined) this.#waiting.add(hooks.authorizing);
    const maxStepUps = this.#options.maxStepUps ?? 2;
    let loaded = false;
    void this.#loaded?.then(
      () => (loaded = true),
      () => {},
    );
    return async (input, init) => {
      const url =
        input instanceof URL ? input : new URL(input instanceof Request ? input.url : input);
      // A token goes only to the server it was issued for.
      if (url.origin !== origin) return base(input, init);
      if (!loaded) await this.#loaded;
      const signal = init?.signal;
      let stepUps = 0;
      let rejected = 0;
      let nonceRetried = false;
      for (;;) {
        const current = this.#current(signal);
        const held = current instanceof Promise ? await current : current;
        // A token set on the transport's headers by an earlier attempt does not stay there.
        if (held === undefined && init?.headers instanceof Headers) {
          init.headers.delete('authorization');
        }
        const response =
          held === undefined
            ? await base(input, init)
            : await this.#sendFollowing(held, url, init, base);
        if (response.status !== 401 && response.status !== 403) return response;
        const challenge = authChallengeOf(response.headers.get('www-authenticate'));
        if (response.status === 403 && challenge.error !== 'insufficient_scope') return response;
        await response.body?.cancel().catch(() => {});
        const event = {
          generation: held?.generation ?? 0,
          resourceMetadata: challenge.resourceMetadata,
          scope: challenge.scope,
          error: challenge.error,
          scheme: challenge.scheme,
        };
        if (response.status === 401) {
          // RFC 9449 §9: a resource server's nonce; the proof of the retry carries it.
          if (challenge.error === 'use_dpop_nonce' && held?.tokenType === 'dpop' && !nonceRetried) {
            nonceRetried = true;
            continue;
          }
          if (rejected >= 2) {
            throw new AuthorizationError(
              'unauthorized',
              `${url.origin}${url.pathname} still answers 401 after ${rejected} authorizations${challenge.error === undefined ? '' : ` (${challenge.error})`}.`,
              { oauthError: challenge.error },
            );
          }
          rejected++;
          this.#actor.send({ type: 'challenge', ...event });
        } else {
          const needed = scopeSet(challenge.scope);
          const have = new Set(scopeSet(held?.scope));
          const widens = needed.some((s) => !have.has(s));
          if (!widens || stepUps >= maxStepUps) {
            throw new AuthorizationError(
              'insufficient-scope',
              `${url.origin}${url.pathname} needs scope ${JSON.stringify(challenge.scope ?? '')}${widens ? `, still missing after ${stepUps} re-authorizations` : ', which the token already has'}; giving up.`,
              { expected: challenge.scope, actual: held?.scope, oauthError: challenge.error },
            );
          }
          stepUps++;
          this.#actor.send({ type: 'insufficientScope', ...event });
        }
        await this.#settle(signal);
      }
    };
  }

  /**
   * A request with the token held, following a `307`/`308` redirect only within the server's
   * origin (at most 5): a token never follows a redirect to another origin, where the `3xx` is
   * the answer.
   */
  async #sendFollowing(
    held: Held,
    url: URL,
    init: RequestInit | undefined,
    base: typeof fetch,
  ): Promise<Response> {
    let target = url;
    for (let hops = 0; ; hops++) {
      const response = await this.#send(held, target, init, base);
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
  async #send(
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
    const lib = await this.#withLib();
    const at = this.#at;
    if (at === undefined) throw new McpLocalError('INVALID_STATE', 'No DPoP key.');
    const dpop = await this.#dpop(lib, at);
    try {
      return await lib.protectedResourceRequest(
        held.accessToken,
        init?.method ?? 'GET',
        url,
        headers,
        (init?.body ?? null) as OAuth.ProtectedResourceRequestBody,
        {
          DPoP: dpop,
          ...(init?.signal === undefined || init.signal === null ? {} : { signal: init.signal }),
          [lib.customFetch]: (u: string, options: OAuth.CustomFetchOptions<string, unknown>) =>
            base(u, options as RequestInit),
          [lib.allowInsecureRequests]: true,
        },
      );
    } catch (error) {
      // The server's challenge (a nonce, an expired token): answered like any 401.
      if (error instanceof lib.WWWAuthenticateChallengeError) return error.response;
      throw error;
    }
  }
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): the id and secret form-urlencoded (Appendix B), then
 * Base64. oauth4webapi's own also escapes `-`, `.`, `_`, `*`, which form encoding leaves as they
 * are; servers that compare the credentials without decoding them then refuse a client id such
 * as `my-client`. This one encodes as URLSearchParams does.
 */
function clientSecretBasic(secret: string): OAuth.ClientAuth {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${btoa(`${encode(client.client_id)}:${encode(secret)}`)}`);
  };
}

/**
 * RFC 7591 §3.2.1 requires `client_secret_expires_at` with a `client_secret`; authorization
 * servers that leave it out are common, and oauth4webapi refuses their answer. Missing, it is read
 * as 0: a secret that does not expire.
 */
async function tolerateMissingSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (
    typeof body === 'object' &&
    body !== null &&
    'client_secret' in body &&
    !('client_secret_expires_at' in body)
  ) {
    return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), response);
  }
  return new Response(text, response);
}

function isNativeRedirect(url: URL): boolean {
  return (
    (url.protocol === 'http:' && isLoopbackHost(url.hostname)) || !url.protocol.startsWith('http')
  );
}

/**
 * An OAuth 2.1 client for one MCP server, to pass as the `auth` option of the HTTP transports.
 *
 * @example
 * ```ts
 * import { createClientSession, createOAuthClient, createStreamableHttpTransport } from 'mcp-actors';
 *
 * const oauth = createOAuthClient({
 *   grant: {
 *     type: 'authorization_code',
 *     redirectUri: 'http://127.0.0.1:8976/callback',
 *     userAgent: async ({ url }) => {
 *       console.log('Open', url.href);
 *       return await waitForRedirect(); // the URL the browser came back to
 *     },
 *   },
 * });
 * declare function waitForRedirect(): Promise<string>;
 * const transport = createStreamableHttpTransport({ url: 'https://mcp.example.com/mcp', auth: oauth });
 * const session = createClientSession({ transport });
 * await session.connect(); // a 401 runs the authorization, then the request goes again
 * ```
 */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  return new OAuthClient(options);
}
