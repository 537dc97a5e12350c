/**
 * Client registration: the client identity at an authorization server, from a pre-registered
 * client (bound to its issuer), a registration kept from before (for the same redirect URI), a
 * Client ID Metadata Document URL (where the server supports them), or Dynamic Client Registration
 * (RFC 7591), whose result is kept.
 */
import type * as OAuth from 'oauth4webapi';
import { AuthorizationError, reasonText } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import type { AtServer } from './authorization-server.js';
import { clientAuthOf, privateKeyOf, secretMethod } from './client-auth.js';
import { requestOptions } from './discovery.js';
import { JWT_BEARER } from './grants.js';
import { checkEndpoint, isLoopbackHost } from './http.js';
import type { AuthNetwork, OAuthLibrary } from './network.js';
import type { OAuthRecord, StoredClient, TokenEndpointAuthMethod } from './store.js';
import type { OAuthClientOptions, PreRegisteredClient } from './types.js';

/** The options registration reads. */
export type RegistrationSettings = Pick<
  OAuthClientOptions,
  'grant' | 'client' | 'clientMetadataUrl' | 'clientName'
>;

/** Where the registrations obtained are kept, by issuer. */
export interface KeptClients {
  readonly clients: OAuthRecord['clients'];
  keepClient(issuer: string, client: StoredClient): Promise<void>;
}

/** Finds or makes the client identity at an authorization server. */
export class ClientRegistration {
  readonly #settings: RegistrationSettings;
  readonly #kept: KeptClients;
  readonly #network: AuthNetwork;
  readonly #privateKey: ReturnType<typeof privateKeyOf>;

  constructor(settings: RegistrationSettings, kept: KeptClients, network: AuthNetwork) {
    this.#settings = settings;
    this.#kept = kept;
    this.#network = network;
    this.#privateKey = privateKeyOf(settings.client);
  }

  /**
   * Sets the client (and its authentication) at `at`, unless it has one; without `mayRegister`,
   * none is made anew.
   */
  async register(
    lib: OAuthLibrary,
    at: AtServer,
    signal: AbortSignal,
    mayRegister: boolean,
  ): Promise<void> {
    if (at.client !== undefined) return;
    const given = this.#settings.client;
    let stored: StoredClient | undefined;
    if (given !== undefined) {
      stored = preRegistered(given, at);
    } else {
      stored = this.#reusable(at);
      if (stored === undefined && !mayRegister) return;
      if (stored === undefined) stored = await this.#dynamicRegistration(lib, at, signal);
    }
    at.client = { client_id: stored.clientId };
    at.clientAuth = await clientAuthOf(lib, stored, this.#privateKey);
  }

  get #redirectUri(): string | undefined {
    const grant = this.#settings.grant;
    return grant.type === 'authorization_code' ? grant.redirectUri : undefined;
  }

  /** A registration kept for this redirect URI, or the Client ID Metadata Document URL. */
  #reusable(at: AtServer): StoredClient | undefined {
    let stored = this.#kept.clients?.[at.issuer];
    const redirectUri = this.#redirectUri;
    if (
      stored !== undefined &&
      redirectUri !== undefined &&
      !stored.redirectUris.some((r) => sameRedirect(r, redirectUri))
    ) {
      stored = undefined; // registered for another redirect URI
    }
    const metadataUrl = this.#settings.clientMetadataUrl;
    if (
      stored === undefined &&
      metadataUrl !== undefined &&
      at.as.client_id_metadata_document_supported === true
    ) {
      stored = {
        clientId: metadataUrl,
        authMethod: 'none',
        redirectUris: redirectUri === undefined ? [] : [redirectUri],
      };
    }
    return stored;
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
    const redirectUri = this.#redirectUri;
    const { metadata, method } = this.#metadata(at.as, redirectUri);
    const context = this.#network.context(signal);
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
      throw registrationFailure(lib, at.as.registration_endpoint, error);
    }
    const answered = registered['token_endpoint_auth_method'];
    const secret = registered['client_secret'];
    const client: StoredClient = {
      clientId: registered.client_id,
      clientSecret: typeof secret === 'string' ? secret : undefined,
      authMethod: typeof answered === 'string' ? (answered as TokenEndpointAuthMethod) : method,
      redirectUris: redirectUri === undefined ? [] : [redirectUri],
    };
    await this.#kept.keepClient(at.issuer, client);
    return client;
  }

  /** The client metadata sent to register, and the authentication method it asks for. */
  #metadata(
    as: OAuth.AuthorizationServer,
    redirectUri: string | undefined,
  ): {
    metadata: Partial<OAuth.Client> & Record<string, OAuth.JsonValue | undefined>;
    method: TokenEndpointAuthMethod;
  } {
    const grant = this.#settings.grant;
    const supported = as.token_endpoint_auth_methods_supported;
    const method: TokenEndpointAuthMethod =
      grant.type === 'authorization_code' && (supported === undefined || supported.includes('none'))
        ? 'none'
        : secretMethod(as);
    const native = redirectUri === undefined || isNativeRedirect(new URL(redirectUri));
    const metadata = {
      client_name: this.#settings.clientName ?? 'mcp-actors',
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
    return { metadata, method };
  }
}

/** A pre-registered client, refused when it belongs to another authorization server. */
function preRegistered(given: PreRegisteredClient, at: AtServer): StoredClient {
  if (given.issuer !== undefined && given.issuer !== at.issuer) {
    throw new AuthorizationError(
      'issuer-mismatch',
      `The pre-registered client ${JSON.stringify(given.clientId)} belongs to ${given.issuer}, but the MCP server now names the authorization server ${at.issuer}; its credentials are not sent there.`,
      { expected: given.issuer, actual: at.issuer },
    );
  }
  return {
    clientId: given.clientId,
    clientSecret: given.clientSecret,
    authMethod:
      given.authMethod ??
      (given.privateKey !== undefined
        ? 'private_key_jwt'
        : given.clientSecret !== undefined
          ? secretMethod(at.as)
          : 'none'),
    redirectUris: [],
  };
}

/** Maps an error of a registration request to an {@link AuthorizationError}. */
function registrationFailure(lib: OAuthLibrary, endpoint: string, error: unknown): Error {
  if (error instanceof AuthorizationError) return error;
  const oauthError = error instanceof lib.ResponseBodyError ? error.error : undefined;
  return new AuthorizationError(
    'registration-failed',
    `Dynamic Client Registration at ${endpoint} failed: ${error instanceof lib.ResponseBodyError ? `${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}` : clause(reasonText(error))}.`,
    { oauthError },
  );
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

function isNativeRedirect(url: URL): boolean {
  return (
    (url.protocol === 'http:' && isLoopbackHost(url.hostname)) || !url.protocol.startsWith('http')
  );
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
