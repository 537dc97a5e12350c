/**
 * The state kept for the one MCP server an OAuth client serves: the server it is bound to, the
 * store's record for it (the registrations, the tokens) under its {@link oauthStoreKey}, and the
 * tokens held in memory, each with the generation of the flow that obtained it; and when a token
 * is due for renewal.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import type { TokenOutcome } from '../../machines/authorization.js';
import type { Clock } from '../core/clock.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { resourceIndicatorOf } from './discovery.js';
import type { OAuthRecord, OAuthStore, StoredClient, StoredTokens } from './store.js';
import type { OAuthGrant } from './types.js';

/** The tokens held, and the generation of the flow they belong to. */
export interface Held extends StoredTokens {
  readonly generation: number;
}

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

/** What {@link TokenState} is given. */
export interface TokenStateOptions {
  readonly store: OAuthStore;
  readonly clock: Clock;
  /** The client's identity, for the store key. */
  readonly identity: Parameters<typeof oauthStoreKey>[1];
  /** Whether a new token needs a user (the authorization code grant), when none can be refreshed. */
  readonly needsUser: boolean;
  /** Renew a token this long before it expires (at most half its lifetime), ms. */
  readonly refreshBefore: number | undefined;
  /** The generation the next token held takes: the flow's, plus one. */
  readonly nextGeneration: () => number;
  /** A token was restored from the store (and is now held). */
  readonly restored: (tokens: StoredTokens) => void;
}

/** The server bound, its record, and the tokens held. */
export class TokenState {
  readonly #options: TokenStateOptions;
  #server: URL | undefined;
  #loaded: Promise<void> | undefined;
  #record: OAuthRecord = {};
  #held: Held | undefined;

  constructor(options: TokenStateOptions) {
    this.#options = options;
  }

  /** The MCP server bound, once a request or a login named it. */
  get server(): URL | undefined {
    return this.#server;
  }

  /** Settles once the store's record of the server is loaded. */
  get loaded(): Promise<void> | undefined {
    return this.#loaded;
  }

  /** The tokens held, if any. */
  get held(): Held | undefined {
    return this.#held;
  }

  /** The key the store keeps this server and client under. */
  get key(): string | undefined {
    return this.#server === undefined
      ? undefined
      : oauthStoreKey(this.#server, this.#options.identity);
  }

  /** The registrations kept, by issuer. */
  get clients(): OAuthRecord['clients'] {
    return this.#record.clients;
  }

  /** Binds the server on first use (and loads its record); another server is refused. */
  bind(server: URL): void {
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
    const key = this.key;
    if (key === undefined) return;
    const record = await this.#options.store.load(key);
    if (record === undefined) return;
    this.#record = record;
    const tokens = record.tokens;
    // DPoP-bound tokens are useless without their key, which is never stored.
    if (tokens !== undefined && tokens.tokenType !== 'dpop') {
      this.#held = { ...tokens, generation: this.#options.nextGeneration() };
      this.#options.restored(tokens);
    }
  }

  async #save(record: OAuthRecord): Promise<void> {
    this.#record = record;
    const key = this.key;
    if (key !== undefined) await this.#options.store.save(key, record);
  }

  /** Keeps a registration made at `issuer`. */
  keepClient(issuer: string, client: StoredClient): Promise<void> {
    return this.#save({
      ...this.#record,
      clients: { ...this.#record.clients, [issuer]: client },
    });
  }

  /** Tokens are bound to their authorization server: another one means they are dropped. */
  dropForeign(issuer: string): void {
    if (this.#held !== undefined && this.#held.issuer !== issuer) this.#held = undefined;
  }

  /** Holds (and stores) the tokens of a token response; a new generation. */
  async keep(
    at: { readonly issuer: string; readonly resource: string },
    response: TokenEndpointResponse,
    scope: string | undefined,
    previousRefresh: string | undefined,
  ): Promise<TokenOutcome> {
    const clock = this.#options.clock;
    const tokens: StoredTokens = {
      issuer: at.issuer,
      resource: at.resource,
      accessToken: response.access_token,
      tokenType: response.token_type.toLowerCase(),
      refreshToken: response.refresh_token ?? previousRefresh,
      issuedAt: clock.now(),
      expiresAt:
        response.expires_in === undefined ? undefined : clock.now() + response.expires_in * 1000,
      scope: response.scope ?? scope,
    };
    this.#held = { ...tokens, generation: this.#options.nextGeneration() };
    // DPoP-bound tokens are kept in memory only: their key is never stored.
    await this.#save({ ...this.#record, tokens: tokens.tokenType === 'dpop' ? undefined : tokens });
    return { refreshable: tokens.refreshToken !== undefined, scope: tokens.scope };
  }

  /** Lets go of the tokens held, returning them. */
  take(): Held | undefined {
    const held = this.#held;
    this.#held = undefined;
    return held;
  }

  /** Forgets the stored tokens; registrations stay (they are no user's). */
  async forget(): Promise<void> {
    const key = this.key;
    this.#record = { ...this.#record, tokens: undefined };
    if (key === undefined) return;
    if (this.#record.clients === undefined) await this.#options.store.remove(key);
    else await this.#options.store.save(key, this.#record);
  }

  /** Whether the token held should be renewed before it is sent. */
  renewDue(held: Held): boolean {
    if (held.expiresAt === undefined) return false;
    // A token about to expire is renewed when that needs no user: a refresh token, or a grant
    // without one; otherwise it is sent until the server refuses it.
    if (held.refreshToken === undefined && this.#options.needsUser) return false;
    // At most half the token's lifetime early: a short-lived token is not renewed on every use.
    const lifetime = held.issuedAt === undefined ? Infinity : held.expiresAt - held.issuedAt;
    const margin = Math.min(this.#options.refreshBefore ?? 60_000, lifetime / 2);
    return held.expiresAt - margin <= this.#options.clock.now();
  }
}
