/**
 * Where an OAuth client keeps what outlives one flow: the client registrations it obtained (by
 * authorization server) and the tokens of one MCP server. In memory by default; `mcp-actors/node`
 * has a file store.
 */

/** How a client authenticates at the token endpoint. */
export type TokenEndpointAuthMethod =
  'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A client registration obtained with Dynamic Client Registration, kept for its issuer. */
export interface StoredClient {
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly authMethod: TokenEndpointAuthMethod;
  /** The redirect URIs registered. */
  readonly redirectUris: readonly string[];
}

/** Tokens issued by `issuer` for `resource`. */
export interface StoredTokens {
  readonly issuer: string;
  readonly resource: string;
  readonly accessToken: string;
  /** `bearer` or `dpop`, lower-cased. */
  readonly tokenType: string;
  readonly refreshToken?: string | undefined;
  /** When the access token was issued, ms since the epoch. */
  readonly issuedAt?: number | undefined;
  /** When the access token expires, ms since the epoch. */
  readonly expiresAt?: number | undefined;
  readonly scope?: string | undefined;
}

/** What is stored for one MCP server and client. */
export interface OAuthRecord {
  /** Client registrations, by the issuer of the authorization server that issued them. */
  readonly clients?: Readonly<Record<string, StoredClient>> | undefined;
  /** The tokens held, if any. */
  readonly tokens?: StoredTokens | undefined;
}

/**
 * Storage of {@link OAuthRecord}s, one per key (the MCP server's URL and the client's identity).
 * Implementations must keep it confidential (OAuth 2.1 §4.3: refresh tokens in storage).
 *
 * @example
 * A store backed by a `Map`, as the default one is:
 * ```ts
 * import type { OAuthRecord, OAuthStore } from 'mcp-actors';
 *
 * const records = new Map<string, OAuthRecord>();
 * const store: OAuthStore = {
 *   load: (key) => records.get(key),
 *   save: (key, record) => void records.set(key, record),
 *   remove: (key) => void records.delete(key),
 * };
 * ```
 */
export interface OAuthStore {
  /** The record kept under `key`, if any. */
  load(key: string): OAuthRecord | undefined | Promise<OAuthRecord | undefined>;
  /** Keeps `record` under `key`, replacing what was there. */
  save(key: string, record: OAuthRecord): void | Promise<void>;
  /** Forgets what is kept under `key`. */
  remove(key: string): void | Promise<void>;
}

/**
 * An {@link OAuthStore} in memory: what it holds is gone with the process.
 *
 * @example
 * ```ts
 * import { createMemoryOAuthStore } from 'mcp-actors';
 *
 * const store = createMemoryOAuthStore();
 * await store.save('https://mcp.example.com/mcp', {});
 * console.log(await store.load('https://mcp.example.com/mcp')); // {}
 * ```
 */
export function createMemoryOAuthStore(): OAuthStore {
  const records = new Map<string, OAuthRecord>();
  return {
    load: (key) => records.get(key),
    save: (key, record) => {
      records.set(key, record);
    },
    remove: (key) => {
      records.delete(key);
    },
  };
}
