/**
 * The OAuth client façade: {@link OAuthClient}, what an HTTP transport's `auth` option takes. It
 * wires the pieces together and holds the authorization server in use: the flow driver (flow.ts)
 * runs the authorization machine, whose steps here delegate to discovery
 * (authorization-server.ts), client registration (registration.ts) and the grants (code-grant.ts,
 * grants.ts, with DPoP from dpop.ts); the token state (tokens.ts) keeps what is held and stored;
 * requests take their token from token-supply.ts through authorized-fetch.ts, which re-authorizes
 * as step-up.ts decides; logout revokes with revocation.ts.
 */
import type * as OAuth from 'oauth4webapi';
import type { Actor } from 'xstate';
import type {
  authorizationMachine,
  AuthorizationState,
  DiscoveryInput,
  DiscoveryOutcome,
  TokenOutcome,
} from '../../machines/authorization.js';
import { systemClock } from '../core/clock.js';
import {
  AuthorizationError,
  InvalidArgumentError,
  McpLocalError,
  reasonText,
} from '../errors/errors.js';
import { carriedOver, discoverServer, type AtServer } from './authorization-server.js';
import { authorizedFetch } from './authorized-fetch.js';
import { AuthorizationCodeGrant } from './code-grant.js';
import { DpopKeys, dpopRequest } from './dpop.js';
import { AuthorizationFlow } from './flow.js';
import {
  clientCredentialsGrant,
  jwtBearerGrant,
  refreshTokenGrant,
  tokenEndpoint,
} from './grants.js';
import { isLoopbackHost } from './http.js';
import { AuthNetwork } from './network.js';
import { ClientRegistration } from './registration.js';
import { notRevoked, revokeTokens } from './revocation.js';
import { createMemoryOAuthStore, type StoredTokens } from './store.js';
import { TokenSupply } from './token-supply.js';
import { TokenState, type Held } from './tokens.js';
import type {
  HttpAuth,
  HttpAuthHooks,
  LogoutOutcome,
  OAuthClientOptions,
  Revocation,
} from './types.js';

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
  readonly #network: AuthNetwork;
  readonly #tokens: TokenState;
  readonly #flow: AuthorizationFlow;
  readonly #supply: TokenSupply;
  readonly #registration: ClientRegistration;
  readonly #dpop = new DpopKeys();
  readonly #code: AuthorizationCodeGrant | undefined;
  /** The authorization server in use, once discovered. */
  #at: AtServer | undefined;

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
    const clock = options.clock ?? systemClock;
    this.#network = new AuthNetwork(options, clock);
    this.#tokens = new TokenState({
      store: options.store ?? createMemoryOAuthStore(),
      clock,
      identity: options,
      needsUser: options.grant.type === 'authorization_code',
      refreshBefore: options.refreshBefore,
      nextGeneration: () => this.#flow.nextGeneration(),
      restored: (tokens) =>
        this.#flow.send({
          type: 'restore',
          refreshable: tokens.refreshToken !== undefined,
          scope: tokens.scope,
        }),
    });
    this.#registration = new ClientRegistration(options, this.#tokens, this.#network);
    this.#code =
      options.grant.type === 'authorization_code'
        ? new AuthorizationCodeGrant(options.grant, this.#dpop)
        : undefined;
    this.#flow = new AuthorizationFlow(
      {
        discover: (input, signal) => this.#discover(input, signal),
        register: (signal) => this.#register(signal),
        authorize: (scope, signal) => this.#authorize(scope, signal),
        exchange: (scope, signal) => this.#exchange(scope, signal),
        refresh: (signal) => this.#refresh(signal),
      },
      { grant: options.grant.type, inspect: options.inspect },
    );
    this.#supply = new TokenSupply(this.#tokens, this.#flow, (held, url, init, headers, base) =>
      this.#sendDpop(held, url, init, headers, base),
    );
  }

  /** The authorization actor (inspection, model checks): its context holds nothing secret. */
  get actor(): Actor<typeof authorizationMachine> {
    return this.#flow.actor;
  }

  /** The state of the authorization: `idle`, `discovering`, …, `authorized`, `failed`. */
  get state(): AuthorizationState {
    return this.#flow.state;
  }

  /** The scope of the token held, if known. */
  get scope(): string | undefined {
    return this.#tokens.held?.scope;
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
    return this.#tokens.held !== undefined;
  }

  /** The key the store keeps this server and client under. */
  get storeKey(): string | undefined {
    return this.#tokens.key;
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
    this.#tokens.bind(new URL(server));
    await this.#tokens.loaded;
    this.#flow.send({ type: 'login' });
    await this.#flow.settle(signal);
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
    if (server !== undefined) this.#tokens.bind(new URL(server));
    await this.#tokens.loaded;
    const held = this.#tokens.take();
    this.#flow.send({ type: 'logout' });
    const revocation =
      held === undefined ? notRevoked('no tokens were held') : await this.#revoke(held);
    await this.#tokens.forget();
    return { forgotten: held !== undefined, ...revocation };
  }

  /** Revokes the tokens at the server that issued them, found again if they were restored. */
  async #revoke(held: StoredTokens): Promise<Revocation> {
    const lib = await this.#network.lib();
    const signal = AbortSignal.timeout(this.#network.timeout);
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
    return revokeTokens(lib, this.#network.context(signal), at, at.client, held);
  }

  /**
   * Stops the authorization actor; a flow in progress is abandoned, and a `login()` waiting for it
   * rejects (`unauthorized`).
   */
  stop(): void {
    this.#flow.stop();
  }

  wrapFetch(server: URL, base: typeof fetch, hooks?: HttpAuthHooks): typeof fetch {
    this.#tokens.bind(server);
    if (hooks?.authorizing !== undefined) this.#flow.onBusy(hooks.authorizing);
    return authorizedFetch(this.#supply, server, base, this.#options.maxStepUps ?? 2);
  }

  // -----------------------------------------------------------------------------------------------
  // The steps the machine invokes.

  async #discover(input: DiscoveryInput, signal: AbortSignal): Promise<DiscoveryOutcome> {
    await this.#network.lib();
    const server = this.#tokens.server;
    if (server === undefined) throw new McpLocalError('INVALID_STATE', 'No MCP server is bound.');
    const context = this.#network.context(signal);
    const found = await discoverServer(context, server, this.#options, input);
    this.#at = carriedOver(found.at, this.#at);
    this.#tokens.dropForeign(found.at.issuer);
    return found.outcome;
  }

  /** A client identity at the authorization server; without `mayRegister`, none is made anew. */
  async #register(signal: AbortSignal, mayRegister = true): Promise<void> {
    const lib = await this.#network.lib();
    const at = this.#at;
    if (at === undefined) throw new McpLocalError('INVALID_STATE', 'Nothing discovered.');
    await this.#registration.register(lib, at, signal, mayRegister);
  }

  async #authorize(scope: string | undefined, signal: AbortSignal): Promise<void> {
    const lib = await this.#network.lib();
    const at = this.#at;
    if (at?.client === undefined || this.#code === undefined) {
      throw new McpLocalError('INVALID_STATE', 'No client to authorize.');
    }
    await this.#code.authorize(lib, at, at.client, scope, signal);
  }

  async #exchange(scope: string | undefined, signal: AbortSignal): Promise<TokenOutcome> {
    const lib = await this.#network.lib();
    const at = this.#at;
    if (at?.client === undefined) throw new McpLocalError('INVALID_STATE', 'No client.');
    const endpoint = tokenEndpoint(lib, at, at.client, this.#network, this.#dpop, signal);
    const grant = this.#options.grant;
    let response: OAuth.TokenEndpointResponse;
    if (grant.type === 'authorization_code') {
      response = await (this.#code as AuthorizationCodeGrant).exchange(endpoint);
    } else if (grant.type === 'client_credentials') {
      response = await clientCredentialsGrant(endpoint, scope);
    } else {
      const fetch = this.#network.context(signal).fetch;
      response = await jwtBearerGrant(endpoint, grant.assertion, scope, signal, fetch);
    }
    return this.#tokens.keep(
      { issuer: at.issuer, resource: at.prm.resource },
      response,
      scope,
      undefined,
    );
  }

  async #refresh(signal: AbortSignal): Promise<TokenOutcome> {
    const lib = await this.#network.lib();
    const held = this.#tokens.held;
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
    const refreshToken = held.refreshToken;
    const endpoint = tokenEndpoint(lib, at, client, this.#network, this.#dpop, signal);
    const response = await refreshTokenGrant(endpoint, refreshToken);
    // A rotated refresh token replaces the old one; without one, the old one stays.
    const issued = { issuer: at.issuer, resource: at.prm.resource };
    return this.#tokens.keep(issued, response, held.scope, refreshToken);
  }

  /** One request to the MCP server with a DPoP-bound token: the proof signed with the key here. */
  async #sendDpop(
    held: Held,
    url: URL,
    init: RequestInit | undefined,
    headers: Headers,
    base: typeof fetch,
  ): Promise<Response> {
    const lib = await this.#network.lib();
    const at = this.#at;
    if (at === undefined) throw new McpLocalError('INVALID_STATE', 'No DPoP key.');
    const handle = await this.#dpop.handle(lib, at);
    return dpopRequest(lib, handle, held.accessToken, url, init, headers, base);
  }
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
