import { afterEach, describe, expect, it, vi } from 'vitest';
import { authChallengeOf, parseChallenges } from '../src/auth/challenge.js';
import {
  authorizationServerMetadataUrls,
  protectedResourceUrls,
  resourceCovers,
} from '../src/auth/discovery.js';
import { boundedFetch, checkEndpoint, isLoopbackHost } from '../src/auth/http.js';
import {
  AuthorizationError,
  createClientSession,
  createInMemoryTransportPair,
  createOAuthClient,
  createStreamableHttpTransport,
  idJagAssertion,
  RequestTimeoutError,
  unionScopes,
  type Clock,
  type Transport,
  type TransportHandlers,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { manualClock } from './support/clock.js';

/**
 * The pieces of the OAuth client that need no authorization server: the challenge parse, the
 * discovery URLs and checks, the bounded fetch, scope arithmetic, and the dispatcher's hold of
 * request deadlines while a user authorizes. Flows against real servers: oauth.test.ts and the
 * conformance suite.
 */

afterEach(() => {
  vi.useRealTimers();
});

describe('WWW-Authenticate', () => {
  it('reads several challenges, quoted and bare values, escapes and any parameter order', () => {
    const header =
      'Basic realm="x", Bearer error=insufficient_scope, scope="files:read files:write", ' +
      'resource_metadata="https://mcp.example/.well-known/oauth-protected-resource", ' +
      'DPoP algs="ES256 PS256", error_description="a \\"quoted\\" word"';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_scope',
          scope: 'files:read files:write',
          resource_metadata: 'https://mcp.example/.well-known/oauth-protected-resource',
        },
      },
      { scheme: 'dpop', params: { algs: 'ES256 PS256', error_description: 'a "quoted" word' } },
    ]);
  });

  it('picks the OAuth challenge that names the problem, and its parameters', () => {
    const nonce = authChallengeOf(
      'Bearer resource_metadata="https://m/.wk", DPoP error="use_dpop_nonce", algs="ES256"',
    );
    expect(nonce).toEqual({
      scheme: 'dpop',
      error: 'use_dpop_nonce',
      scope: undefined,
      resourceMetadata: 'https://m/.wk',
    });
    expect(authChallengeOf('Bearer')).toEqual({
      scheme: 'bearer',
      error: undefined,
      scope: undefined,
      resourceMetadata: undefined,
    });
    expect(authChallengeOf(null).scheme).toBeUndefined();
    expect(authChallengeOf('Negotiate abc').scheme).toBeUndefined();
  });
});

describe('discovery URLs and checks', () => {
  it('uses the challenge’s metadata URL alone, else the path-based then the root one', () => {
    const server = new URL('https://mcp.example/public/mcp');
    expect(protectedResourceUrls(server, '/custom/prm.json').map(String)).toEqual([
      'https://mcp.example/custom/prm.json',
    ]);
    expect(protectedResourceUrls(server, undefined).map(String)).toEqual([
      'https://mcp.example/.well-known/oauth-protected-resource/public/mcp',
      'https://mcp.example/.well-known/oauth-protected-resource',
    ]);
    expect(protectedResourceUrls(new URL('https://mcp.example/'), undefined).map(String)).toEqual([
      'https://mcp.example/.well-known/oauth-protected-resource',
    ]);
  });

  it('tries the authorization server metadata URLs in MCP’s order, never the root for a path issuer', () => {
    expect(
      authorizationServerMetadataUrls(new URL('https://as.example/tenant1')).map(String),
    ).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant1',
      'https://as.example/.well-known/openid-configuration/tenant1',
      'https://as.example/tenant1/.well-known/openid-configuration',
    ]);
    expect(authorizationServerMetadataUrls(new URL('https://as.example')).map(String)).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  it('accepts a resource that is the server or a parent path of it on the same origin, nothing else', () => {
    const server = new URL('https://mcp.example/api/mcp');
    expect(resourceCovers('https://mcp.example/api/mcp', server)).toBe(true);
    expect(resourceCovers('https://mcp.example', server)).toBe(true);
    expect(resourceCovers('https://mcp.example/api', server)).toBe(true);
    expect(resourceCovers('https://MCP.example/api/mcp/', server)).toBe(true);
    expect(resourceCovers('https://mcp.example/ap', server)).toBe(false);
    expect(resourceCovers('https://mcp.example/api/mcp/other', server)).toBe(false);
    expect(resourceCovers('https://evil.example/api/mcp', server)).toBe(false);
    expect(resourceCovers('http://mcp.example/api/mcp', server)).toBe(false);
    expect(resourceCovers('https://mcp.example/api/mcp#x', server)).toBe(false);
    expect(resourceCovers('not a url', server)).toBe(false);
  });

  it('allows plain http only on loopback addresses', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.5.6.7')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example')).toBe(false);
    expect(() =>
      checkEndpoint(new URL('http://127.0.0.1:9/token'), 'token endpoint'),
    ).not.toThrow();
    expect(() =>
      checkEndpoint(new URL('https://as.example/token'), 'token endpoint'),
    ).not.toThrow();
    expect(() => checkEndpoint(new URL('http://as.example/token'), 'token endpoint')).toThrow(
      expect.objectContaining({ reason: 'insecure-endpoint', actual: 'http://as.example/token' }),
    );
  });

  it('unions scopes in order of first appearance', () => {
    expect(unionScopes('a b', 'b c', undefined, ' c  d ')).toBe('a b c d');
    expect(unionScopes(undefined, '')).toBeUndefined();
  });
});

describe('the bounded fetch of authorization calls', () => {
  const options = (fetch: typeof globalThis.fetch, clock: Clock = manualClock()) => ({
    fetch,
    timeout: 1_000,
    maxResponseBytes: 16,
    clock,
  });

  it('refuses an answer larger than the cap, declared or streamed', async () => {
    expect.assertions(2);
    const declared = boundedFetch(
      options(() =>
        Promise.resolve(new Response('x'.repeat(17), { headers: { 'content-length': '17' } })),
      ),
    );
    await expect(declared('https://as.example/meta')).rejects.toMatchObject({
      reason: 'invalid-response',
      message: expect.stringMatching(/larger than 16 bytes/),
    });
    const streamed = boundedFetch(
      options(() =>
        Promise.resolve(
          new Response(
            new ReadableStream({
              start(controller) {
                for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('12345'));
                controller.close();
              },
            }),
          ),
        ),
      ),
    );
    await expect(streamed('https://as.example/meta')).rejects.toMatchObject({
      reason: 'invalid-response',
    });
  });

  it('aborts a call that outlives its timeout', async () => {
    expect.assertions(2);
    const clock = manualClock();
    let signal: AbortSignal | undefined;
    const hanging = boundedFetch(
      options((_input, init) => {
        signal = init?.signal ?? undefined;
        return new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        });
      }, clock),
    );
    const call = hanging('https://as.example/token', { method: 'POST' });
    clock.fire();
    await expect(call).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: 'POST https://as.example/token took longer than 1000 ms.',
    });
    expect(signal?.aborted).toBe(true);
  });

  it('refuses an insecure endpoint before any request', async () => {
    expect.assertions(2);
    const fetch = vi.fn(() => Promise.resolve(new Response('{}')));
    await expect(boundedFetch(options(fetch))('http://as.example/token')).rejects.toBeInstanceOf(
      AuthorizationError,
    );
    expect(fetch).not.toHaveBeenCalled();
  });
});

/** A fetch answering from a table of URL → JSON (404 for the rest), recording what was asked. */
function scriptedFetch(
  routes: Record<string, { status?: number; body: unknown; headers?: Record<string, string> }>,
) {
  const asked: string[] = [];
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    asked.push(url);
    const route = routes[url.split('?')[0] ?? ''];
    if (route === undefined) return Promise.resolve(new Response('not found', { status: 404 }));
    return Promise.resolve(
      new Response(JSON.stringify(route.body), {
        status: route.status ?? 200,
        headers: { 'content-type': 'application/json', ...route.headers },
      }),
    );
  };
  return { fetch: fetch, asked };
}

describe('refusals before anything is sent to an authorization server', () => {
  const server = 'https://mcp.example/mcp';
  const challenge = {
    status: 401,
    body: {},
    headers: {
      'www-authenticate':
        'Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp"',
    },
  };
  const prm = (issuer: string) => ({
    body: { resource: server, authorization_servers: [issuer] },
  });
  const metadata = (issuer: string, extra: Record<string, unknown> = {}) => ({
    body: {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      ...extra,
    },
  });

  async function attempt(routes: Parameters<typeof scriptedFetch>[0]) {
    const { fetch, asked } = scriptedFetch({ [server]: challenge, ...routes });
    const userAgent = vi.fn(() => Promise.resolve('https://app.example/cb?code=x'));
    const oauth = createOAuthClient({
      grant: { type: 'authorization_code', redirectUri: 'https://app.example/cb', userAgent },
      fetch,
    });
    const wrapped = oauth.wrapFetch(new URL(server), fetch);
    const error: unknown = await wrapped(server, { method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    oauth.stop();
    return { error, asked, userAgent };
  }

  it('refuses an authorization server without PKCE S256', async () => {
    const { error, asked, userAgent } = await attempt({
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': prm('https://as.example'),
      'https://as.example/.well-known/oauth-authorization-server': metadata('https://as.example', {
        code_challenge_methods_supported: ['plain'],
      }),
    });
    expect(error).toMatchObject({ reason: 'pkce-unsupported' });
    expect(userAgent).not.toHaveBeenCalled();
    expect(asked.some((u) => u.endsWith('/register'))).toBe(false);
  });

  it('refuses an authorization server on plain http off loopback', async () => {
    const { error, asked } = await attempt({
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': prm('http://as.example'),
    });
    expect(error).toMatchObject({ reason: 'insecure-endpoint' });
    expect(asked.some((u) => u.startsWith('http://as.example'))).toBe(false);
  });

  it('refuses metadata whose issuer differs by as little as a trailing slash', async () => {
    const { error, asked } = await attempt({
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': prm('https://as.example'),
      'https://as.example/.well-known/oauth-authorization-server': metadata('https://as.example/', {
        code_challenge_methods_supported: ['S256'],
      }),
    });
    expect(error).toMatchObject({
      reason: 'issuer-mismatch',
      expected: 'https://as.example',
      actual: 'https://as.example/',
    });
    expect(asked.some((u) => u.endsWith('/register') || u.endsWith('/token'))).toBe(false);
  });

  it('uses the MCP 2025-03-26 defaults when there is no metadata at all', async () => {
    const { asked } = await attempt({});
    expect(asked).toEqual([
      server,
      'https://mcp.example/.well-known/oauth-protected-resource/mcp',
      'https://mcp.example/.well-known/oauth-authorization-server',
      'https://mcp.example/.well-known/openid-configuration',
      'https://mcp.example/register',
    ]);
  });
});

describe('a token endpoint that refuses the client', () => {
  it('fails with token-request-failed, invalid_client, on a 401 challenge; no secret in the error', async () => {
    const server = 'https://mcp.example/mcp';
    const { fetch } = scriptedFetch({
      [server]: {
        status: 401,
        body: {},
        headers: { 'www-authenticate': 'Bearer resource_metadata="https://mcp.example/prm"' },
      },
      'https://mcp.example/prm': {
        body: { resource: server, authorization_servers: ['https://as.example'] },
      },
      'https://as.example/.well-known/oauth-authorization-server': {
        body: { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' },
      },
      'https://as.example/token': {
        status: 401,
        body: {},
        headers: { 'www-authenticate': 'Basic realm="as"' },
      },
    });
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: 'robot', clientSecret: 'do-not-print-me' },
      fetch,
    });
    const error: unknown = await oauth
      .wrapFetch(new URL(server), fetch)(server, { method: 'POST', body: '{}' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    oauth.stop();
    expect(error).toMatchObject({ reason: 'token-request-failed', oauthError: 'invalid_client' });
    expect(JSON.stringify({ m: (error as Error).message, ...(error as object) })).not.toContain(
      'do-not-print-me',
    );
  });
});

describe('request deadlines while a user authorizes', () => {
  it('stand still while the transport holds, and run on from where they were after', async () => {
    vi.useFakeTimers();
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide, { handlers: { 'tools/call': () => NO_RESPONSE } });
    let handlers: TransportHandlers | undefined;
    const holding: Transport = {
      start: (h) => {
        handlers = h;
        return clientSide.start(h);
      },
      send: (m) => clientSide.send(m),
      close: () => clientSide.close(),
    };
    const session = createClientSession({ transport: holding, mode: 'legacy' });
    await session.connect();
    const call = session.request('tools/call', { name: 'slow' }, { timeout: 1_000 });
    const outcome = expect(call).rejects.toBeInstanceOf(RequestTimeoutError);

    await vi.advanceTimersByTimeAsync(400);
    handlers?.hold?.(true);
    expect(session.dispatcher.timerArmed).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.dispatcher.pendingRequests).toBe(1);
    handlers?.hold?.(false);
    await vi.advanceTimersByTimeAsync(599);
    expect(session.dispatcher.pendingRequests).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    await session.close();
  });
});

describe('the extensions a grant takes part in', () => {
  it('names them for the capabilities, through the transport', () => {
    const credentials = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: 'robot', clientSecret: 'x' },
    });
    const enterprise = createOAuthClient({
      grant: {
        type: 'jwt_bearer',
        assertion: idJagAssertion({ tokenEndpoint: 'https://idp.example/token', idToken: 'x' }),
      },
      client: { clientId: 'app' },
    });
    const workload = createOAuthClient({
      grant: { type: 'jwt_bearer', assertion: () => 'x' },
      client: { clientId: 'w' },
    });
    const url = 'https://mcp.example/mcp';
    expect(createStreamableHttpTransport({ url, auth: credentials }).extensions).toEqual({
      'io.modelcontextprotocol/oauth-client-credentials': {},
    });
    expect(enterprise.extensions).toEqual({
      'io.modelcontextprotocol/enterprise-managed-authorization': {},
    });
    expect(workload.extensions).toEqual({});
    expect(createStreamableHttpTransport({ url }).extensions).toBeUndefined();
    for (const c of [credentials, enterprise, workload]) c.stop();
  });
});
