import { AuthorizationError, reasonText } from '../errors/errors.js';
import type { AssertionProvider } from './types.js';
import { checkEndpoint } from './http.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';

/** Options of {@link idJagAssertion}. */
export interface IdJagOptions {
  /** The enterprise identity provider's token endpoint. */
  readonly tokenEndpoint: string;
  /** The identity provider's issuer. Default: the token endpoint's origin. */
  readonly issuer?: string | undefined;
  /** The identity assertion the user signed in with: an OpenID ID token (or a function giving one). */
  readonly idToken: string | (() => string | Promise<string>);
  /** The client id at the identity provider. */
  readonly clientId?: string | undefined;
  /** The client secret at the identity provider (`client_secret_basic`), if it has one. */
  readonly clientSecret?: string | undefined;
}

/**
 * The assertion of enterprise-managed authorization (extension
 * `io.modelcontextprotocol/enterprise-managed-authorization`): the user's ID token is exchanged at
 * the enterprise identity provider (RFC 8693) for an Identity Assertion JWT Authorization Grant
 * (ID-JAG) whose audience is the MCP server's authorization server and whose resource is the MCP
 * server; the OAuth client then presents it there in a JWT bearer grant (RFC 7523).
 *
 * @example
 * ```ts
 * import { createOAuthClient, idJagAssertion } from 'mcp-actors';
 * declare const idToken: string; // from the user's single sign-on
 *
 * const oauth = createOAuthClient({
 *   client: { clientId: 'my-app', clientSecret: 'at-the-mcp-authorization-server' },
 *   grant: {
 *     type: 'jwt_bearer',
 *     assertion: idJagAssertion({
 *       tokenEndpoint: 'https://idp.example.com/oauth2/token',
 *       idToken,
 *       clientId: 'my-app-at-the-idp',
 *     }),
 *   },
 * });
 * ```
 */
export function idJagAssertion(options: IdJagOptions): AssertionProvider {
  const provider: AssertionProvider = async (request) => {
    const lib = await import('oauth4webapi');
    const endpoint = new URL(options.tokenEndpoint);
    checkEndpoint(endpoint, 'identity provider token endpoint');
    const idp = { issuer: options.issuer ?? endpoint.origin, token_endpoint: endpoint.href };
    const client = { client_id: options.clientId ?? '' };
    const auth =
      options.clientSecret === undefined
        ? options.clientId === undefined
          ? () => {} // no client authentication at the identity provider
          : lib.None()
        : lib.ClientSecretBasic(options.clientSecret);
    const idToken = typeof options.idToken === 'string' ? options.idToken : await options.idToken();
    const parameters: Record<string, string> = {
      requested_token_type: ID_JAG,
      subject_token: idToken,
      subject_token_type: ID_TOKEN,
      audience: request.issuer,
      resource: request.resource,
    };
    if (request.scope !== undefined) parameters['scope'] = request.scope;
    try {
      const response = await lib.genericTokenEndpointRequest(
        idp,
        client,
        auth,
        TOKEN_EXCHANGE,
        parameters,
        {
          signal: request.signal,
          [lib.customFetch]: request.fetch,
          [lib.allowInsecureRequests]: true,
        },
      );
      const answer = await lib.processGenericTokenEndpointResponse(idp, client, response, {
        // RFC 8693: an ID-JAG is no access token; its token_type is N_A.
        recognizedTokenTypes: { n_a: () => {} },
      });
      if (answer['issued_token_type'] !== ID_JAG) {
        throw new AuthorizationError(
          'invalid-response',
          `The identity provider issued ${JSON.stringify(answer['issued_token_type'] ?? null)}, not an ID-JAG.`,
        );
      }
      return answer.access_token;
    } catch (error) {
      if (error instanceof AuthorizationError) throw error;
      if (error instanceof lib.ResponseBodyError) {
        throw new AuthorizationError(
          'token-request-failed',
          `The identity provider refused the token exchange: ${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}.`,
          { oauthError: error.error },
        );
      }
      throw new AuthorizationError(
        'token-request-failed',
        `The token exchange at the identity provider failed: ${reasonText(error)}`,
      );
    }
  };
  return Object.assign(provider, {
    extension: 'io.modelcontextprotocol/enterprise-managed-authorization',
  });
}
