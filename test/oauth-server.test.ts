import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeAsUser,
  DEFAULT_ACCOUNT_ID,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';

/**
 * The OAuth fixtures (test/support/oauth-server.ts) end to end, driven by oauth4webapi: an
 * oidc-provider authorization server, the headless user, and an official-SDK MCP server that is
 * an OAuth protected resource, all on 127.0.0.1.
 */

const http = { [oauth.allowInsecureRequests]: true } as const;
const service = { client_id: 'service', client_secret: 'service-secret' } as const;

let authServer: AuthorizationServer;
let mcp: ProtectedMcpServer;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  authServer = await startAuthorizationServer({ clients: [service] });
  mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
  as = await oauth.processDiscoveryResponse(
    authServer.url,
    await oauth.discoveryRequest(authServer.url, { algorithm: 'oauth2', ...http }),
  );
});

afterAll(async () => {
  await mcp?.close();
  await authServer?.close();
});

/** Servers a single test started; closed after it. */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'oauth-fixture-test', version: '1.0.0' },
  },
};

/** POSTs JSON-RPC to the MCP server (or another at `url`) with these extra headers. */
function post(body: unknown, headers: Record<string, string> = {}, url = mcp.url) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** Initializes an MCP session with a Bearer token; resolves with the session id. */
async function openSession(accessToken: string): Promise<string> {
  const response = await post(initialize, { authorization: `Bearer ${accessToken}` });
  expect(response.status).toBe(200);
  await response.body?.cancel();
  return response.headers.get('mcp-session-id') ?? '';
}

function callTool(session: string, accessToken: string, name: string, args = {}) {
  return post(
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } },
    { authorization: `Bearer ${accessToken}`, 'mcp-session-id': session },
  );
}

/** Registers a public native client with a loopback redirect URI (RFC 7591, RFC 8252). */
async function registerNativeClient(): Promise<oauth.Client> {
  const response = await oauth.dynamicClientRegistrationRequest(
    as,
    {
      application_type: 'native',
      client_name: 'oauth fixture test',
      redirect_uris: ['http://127.0.0.1:8976/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    http,
  );
  return oauth.processDynamicClientRegistrationResponse(response);
}

/**
 * The code flow for a public client: PKCE S256, state and resource, the headless user, the
 * callback checked (state, iss), the code exchanged with the same resource.
 */
async function codeFlow(client: oauth.Client, scope: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  // Any loopback port matches the registered one (RFC 8252 §7.3).
  const redirectUri = 'http://127.0.0.1:41234/callback';
  const url = new URL(as.authorization_endpoint ?? '');
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: mcp.url,
  }).toString();

  const callback = await authorizeAsUser(url);
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
  expect(callback.searchParams.get('iss')).toBe(authServer.issuer);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri,
    verifier,
    { additionalParameters: { resource: mcp.url }, ...http },
  );
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

describe('OAuth fixtures', () => {
  it('publishes RFC 8414 and RFC 9728 metadata that point at each other', async () => {
    expect(as).toMatchObject({
      issuer: authServer.issuer,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      registration_endpoint: `${authServer.issuer}/reg`,
      revocation_endpoint: `${authServer.issuer}/token/revocation`,
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
      scopes_supported: expect.arrayContaining(['offline_access', 'mcp:read', 'mcp:write']),
    });
    expect(authServer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const resource = new URL(mcp.url);
    const metadata = await oauth.processResourceDiscoveryResponse(
      resource,
      await oauth.resourceDiscoveryRequest(resource, http),
    );
    expect(metadata).toMatchObject({
      resource: mcp.url,
      authorization_servers: [authServer.issuer],
      scopes_supported: ['mcp:read', 'mcp:write'],
      bearer_methods_supported: ['header'],
    });
    expect(mcp.metadataUrl).toBe(`${resource.origin}/.well-known/oauth-protected-resource/mcp`);
  });

  it('refuses MCP requests without a valid token with 401 and the MCP challenge', async () => {
    const missing = await post(initialize);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${mcp.metadataUrl}", scope="mcp:read"`,
    );

    const forged = await post(initialize, { authorization: 'Bearer not-a-jwt' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token is invalid", ` +
        `resource_metadata="${mcp.metadataUrl}", scope="mcp:read"`,
    );
    expect(mcp.requests.at(-1)).toMatchObject({
      method: 'POST',
      status: 401,
      headers: { authorization: 'Bearer' },
    });
  });

  it('runs the code flow for a registered native client; its JWT opens an MCP session', async () => {
    const client = await registerNativeClient();
    expect(authServer.registeredClients()).toContainEqual(
      expect.objectContaining({ client_id: client.client_id, application_type: 'native' }),
    );
    const tokens = await codeFlow(client, 'mcp:read mcp:write');

    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope).toBe('mcp:read mcp:write');
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      iss: authServer.issuer,
      aud: mcp.url,
      sub: DEFAULT_ACCOUNT_ID,
      client_id: client.client_id,
      scope: 'mcp:read mcp:write',
    });
    const tokenRequest = authServer.requests.find((r) => r.route === 'token');
    expect(tokenRequest?.params).toMatchObject({
      grant_type: 'authorization_code',
      resource: mcp.url,
    });

    const session = await openSession(tokens.access_token);
    expect(mcp.sessions()).toContain(session);
    const whoami = await callTool(session, tokens.access_token, 'whoami');
    const result = (await whoami.json()) as { result: { content: { text: string }[] } };
    expect(JSON.parse(result.result.content[0]?.text ?? '')).toEqual({
      sub: DEFAULT_ACCOUNT_ID,
      client_id: client.client_id,
      scopes: ['mcp:read', 'mcp:write'],
    });
    const admin = await callTool(session, tokens.access_token, 'admin-echo', { message: 'hi' });
    expect(await admin.json()).toMatchObject({ result: { content: [{ text: 'admin: hi' }] } });

    // An expired access token is refused as such.
    mcp.expireAccessToken(tokens.access_token);
    const late = await callTool(session, tokens.access_token, 'echo', { message: 'hi' });
    expect(late.status).toBe(401);
    expect(late.headers.get('www-authenticate')).toContain(
      'error="invalid_token", error_description="The access token expired"',
    );
  });

  it('answers a read-only token 403 insufficient_scope for a write tool', async () => {
    const tokens = await codeFlow(await registerNativeClient(), 'mcp:read');
    expect(decodeJwt(tokens.access_token).scope).toBe('mcp:read');
    const session = await openSession(tokens.access_token);

    const echo = await callTool(session, tokens.access_token, 'echo', { message: 'hi' });
    expect(await echo.json()).toMatchObject({ result: { content: [{ text: 'hi' }] } });
    const admin = await callTool(session, tokens.access_token, 'admin-echo', { message: 'hi' });
    expect(admin.status).toBe(403);
    expect(admin.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="mcp:write is required", ` +
        `resource_metadata="${mcp.metadataUrl}", scope="mcp:read mcp:write"`,
    );
  });

  it('rotates refresh tokens, and a revoked refresh token no longer refreshes', async () => {
    const client = await registerNativeClient();
    const first = await codeFlow(client, 'mcp:read');
    const refresh = (token: string) =>
      oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, {
        additionalParameters: { resource: mcp.url },
        ...http,
      });

    const second = await oauth.processRefreshTokenResponse(
      as,
      client,
      await refresh(first.refresh_token ?? ''),
    );
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token)).toMatchObject({ aud: mcp.url, scope: 'mcp:read' });
    await openSession(second.access_token);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), second.refresh_token ?? '', http),
    );
    await expect(
      oauth.processRefreshTokenResponse(as, client, await refresh(second.refresh_token ?? '')),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('issues client credentials tokens to a pre-registered confidential client', async () => {
    const client: oauth.Client = { client_id: service.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(service.client_secret),
      { scope: 'mcp:read', resource: mcp.url },
      http,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: service.client_id,
      aud: mcp.url,
      scope: 'mcp:read',
    });
    expect(authServer.requests.at(-1)).toMatchObject({ route: 'token', authorization: 'Basic' });
    await openSession(tokens.access_token);
  });

  it('binds a token to a DPoP key (nonce required) and accepts it only with DPoP proofs', async () => {
    authServer.setRequireDpopNonce(true);
    try {
      const client: oauth.Client = { client_id: service.client_id };
      const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      const request = () =>
        oauth.clientCredentialsGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(service.client_secret),
          { scope: 'mcp:read', resource: mcp.url },
          { DPoP: dpop, ...http },
        );
      // The first proof has no nonce: use_dpop_nonce, and the handle keeps the DPoP-Nonce.
      await expect(
        oauth.processClientCredentialsResponse(as, client, await request()),
      ).rejects.toSatisfy(oauth.isDPoPNonceError);
      const tokens = await oauth.processClientCredentialsResponse(as, client, await request());
      expect(tokens.token_type).toBe('dpop');
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: expect.any(String) });

      const bound = await oauth.protectedResourceRequest(
        tokens.access_token,
        'POST',
        new URL(mcp.url),
        new Headers({
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        }),
        JSON.stringify(initialize),
        { DPoP: dpop, ...http },
      );
      expect(bound.status).toBe(200);
      expect(mcp.requests.at(-1)?.headers).toMatchObject({
        authorization: 'DPoP',
        dpop: expect.any(String),
      });

      const asBearer = await post(initialize, { authorization: `Bearer ${tokens.access_token}` });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
      const unproven = await post(initialize, { authorization: `DPoP ${tokens.access_token}` });
      expect(unproven.status).toBe(401);
      expect(unproven.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    } finally {
      authServer.setRequireDpopNonce(false);
    }
  });

  it('serves a confidential web client with an https redirect URI; the user may deny', async () => {
    const web = {
      client_id: 'web',
      client_secret: 'web-secret',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: ['https://client.example.com/cb'],
    } as const;
    const server = await startAuthorizationServer({ clients: [web], signingAlg: 'RS256' });
    closers.push(() => server.close());
    const resourceServer = await startProtectedMcpServer({ issuer: server.issuer });
    closers.push(() => resourceServer.close());
    const metadata = await oauth.processDiscoveryResponse(
      server.url,
      await oauth.discoveryRequest(server.url, http),
    );
    const client: oauth.Client = { client_id: web.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(metadata.authorization_endpoint ?? '');
    url.search = new URLSearchParams({
      client_id: web.client_id,
      redirect_uri: web.redirect_uris[0],
      response_type: 'code',
      scope: 'openid offline_access mcp:read',
      state: 'state-1',
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: resourceServer.url,
    }).toString();

    const denied = await authorizeAsUser(url, { decision: 'deny' });
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 'state-1',
      iss: server.issuer,
    });

    const callback = await authorizeAsUser(url, { account: 'bob' });
    expect(callback.href.startsWith(`${web.redirect_uris[0]}?code=`)).toBe(true);
    const auth = oauth.ClientSecretPost(web.client_secret);
    const tokens = await oauth.processAuthorizationCodeResponse(
      metadata,
      client,
      await oauth.authorizationCodeGrantRequest(
        metadata,
        client,
        auth,
        oauth.validateAuthResponse(metadata, client, callback, 'state-1'),
        web.redirect_uris[0],
        verifier,
        { additionalParameters: { resource: resourceServer.url }, ...http },
      ),
      { expectedNonce: nonce },
    );
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: 'bob', aud: 'web' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'bob', aud: resourceServer.url });

    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    // Same issuer and keys, another resource: refused for its audience (RFC 8707).
    const sibling = await startProtectedMcpServer({ issuer: server.issuer });
    closers.push(() => sibling.close());
    expect((await post(initialize, bearer, sibling.url)).status).toBe(401);
    expect((await post(initialize, bearer, resourceServer.url)).status).toBe(200);

    // The hooks: every access token accepted so far, then every refresh token, made expired.
    resourceServer.expireAccessTokens();
    const expired = await post(initialize, bearer, resourceServer.url);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('The access token expired');
    expect(server.expireRefreshTokens()).toBe(1);
    await expect(
      oauth.processRefreshTokenResponse(
        metadata,
        client,
        await oauth.refreshTokenGrantRequest(
          metadata,
          client,
          auth,
          tokens.refresh_token ?? '',
          http,
        ),
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
