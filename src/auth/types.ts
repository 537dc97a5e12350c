/**
 * The public types of the OAuth client: how it obtains tokens (the grants, the user agent of the
 * authorization code grant, the assertion provider of a JWT bearer grant), the pre-registered
 * client, the client's options, what logging out did, and {@link HttpAuth}, what an HTTP
 * transport's `auth` option takes.
 */
import type { CryptoKey } from 'oauth4webapi';
import type { InspectionEvent, Observer } from 'xstate';
import type { Clock } from '../core/clock.js';
import type { OAuthStore, TokenEndpointAuthMethod } from './store.js';

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
