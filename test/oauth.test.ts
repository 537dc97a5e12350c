import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  createClientSession,
  createMemoryOAuthStore,
  createOAuthClient,
  createStreamableHttpTransport,
  type ClientSession,
  type Clock,
  type OAuthClient,
  type OAuthClientOptions,
} from '../src/index.js';
import {
  authorizeAsUser,
  DEFAULT_ACCOUNT_ID,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';

/**
 * The OAuth client against a real authorization server (oidc-provider) in front of a protected
 * MCP server built on the official server SDK, all on 127.0.0.1: the code flow driven headless,
 * refresh, expiry, revocation, Dynamic Client Registration, client credentials, step-up and DPoP.
 */

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const service = {
  client_id: 'mcp-service',
  client_secret: 'mcp-service-secret',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
} as const;

let authServer: AuthorizationServer;
let mcp: ProtectedMcpServer;

beforeAll(async () => {
  authServer = await startAuthorizationServer({ clients: [service] });
  mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
});

afterAll(async () => {
  await mcp?.close();
  await authServer?.close();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A clock whose time the test moves; timers run on the system clock. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** An OAuth client for the code flow whose user is the fixture's headless user. */
function userClient(options: Partial<OAuthClientOptions> = {}): {
  oauth: OAuthClient;
  visits: URL[];
} {
  const visits: URL[] = [];
  const oauth = createOAuthClient({
    grant: {
      type: 'authorization_code',
      redirectUri: REDIRECT_URI,
      userAgent: async ({ url }) => {
        visits.push(url);
        return authorizeAsUser(url);
      },
    },
    ...options,
  });
  closers.push(() => Promise.resolve(oauth.stop()));
  return { oauth, visits };
}

async function connect(oauth: OAuthClient, url = mcp.url): Promise<ClientSession> {
  const session = createClientSession({
    transport: createStreamableHttpTransport({ url, auth: oauth }),
    requestTimeout: 20_000,
  });
  closers.push(() => session.close());
  await session.connect();
  return session;
}

interface WhoAmI {
  readonly sub?: string;
  readonly client_id?: string;
  readonly scopes: readonly string[];
  readonly jkt?: string | null;
}

async function whoami(session: ClientSession): Promise<WhoAmI> {
  const result = await session.callTool('whoami', {});
  const text = result.content[0];
  if (text?.type !== 'text') throw new Error('whoami answered no text');
  return JSON.parse(text.text) as WhoAmI;
}

/** The fixture's requests to one oidc-provider route since `from`. */
function routed(route: string, from = 0) {
  return authServer.requests.slice(from).filter((r) => r.route === route);
}

describe('authorization code flow', () => {
  it('registers, sends the user to the authorization server, redeems the code and calls the server', async () => {
    const from = authServer.requests.length;
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    const me = await whoami(session);

    expect(me.sub).toBe(DEFAULT_ACCOUNT_ID);
    expect(me.scopes).toContain('mcp:read');
    expect(oauth.state).toBe('authorized');
    expect(visits).toHaveLength(1);
    const query = visits[0]?.searchParams;
    expect(query?.get('code_challenge_method')).toBe('S256');
    expect(query?.get('resource')).toBe(mcp.url);
    expect(query?.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(query?.get('scope')).toContain('mcp:read');
    // RFC 7591 with application_type native for the loopback redirect (MCP 2026-07-28).
    expect(routed('registration', from)).toHaveLength(1);
    const registered = authServer.registeredClients().slice(-1)[0];
    expect(registered).toMatchObject({
      application_type: 'native',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const token = routed('token', from)[0];
    expect(token?.params).toMatchObject({ grant_type: 'authorization_code', resource: mcp.url });
    expect(token?.params?.['code_verifier']).toEqual(expect.any(String));
  });

  it('refreshes an expired token without the user, and rotates the refresh token', async () => {
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    await whoami(session);
    const from = authServer.requests.length;

    mcp.expireAccessTokens();
    const me = await whoami(session);

    expect(me.sub).toBe(DEFAULT_ACCOUNT_ID);
    expect(visits).toHaveLength(1);
    const refreshes = routed('token', from).filter(
      (r) => r.params?.['grant_type'] === 'refresh_token',
    );
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.params?.['resource']).toBe(mcp.url);
    expect(oauth.actor.getSnapshot().context.fromRefresh).toBe(true);
  });

  it('refreshes a token about to expire before sending it', async () => {
    const clock = movableClock();
    const { oauth } = userClient({ clock });
    const session = await connect(oauth);
    await whoami(session);
    const from = authServer.requests.length;
    const generation = oauth.actor.getSnapshot().context.generation;

    clock.advance(3_600_000); // past the token's lifetime, before any 401
    await whoami(session);

    expect(routed('token', from).map((r) => r.params?.['grant_type'])).toEqual(['refresh_token']);
    expect(mcp.requests.slice(-1)[0]?.status).toBe(200);
    expect(oauth.actor.getSnapshot().context.generation).toBe(generation + 1);
  });

  it('authorizes anew when the grant was revoked and the refresh fails', async () => {
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    await whoami(session);

    authServer.revokeAllTokens();
    mcp.expireAccessTokens();
    const me = await whoami(session);

    expect(me.sub).toBe(DEFAULT_ACCOUNT_ID);
    expect(visits).toHaveLength(2);
    expect(oauth.state).toBe('authorized');
  });

  it('steps up to a wider scope on 403 insufficient_scope, with the union of scopes', async () => {
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    await whoami(session);
    expect(oauth.scope?.split(' ')).not.toContain('mcp:write');

    const result = await session.callTool('admin-echo', { message: 'up' });

    expect(result.isError ?? false).toBe(false);
    expect(visits).toHaveLength(2);
    const scopes = visits[1]?.searchParams.get('scope')?.split(' ') ?? [];
    expect(scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    expect(oauth.scope?.split(' ')).toContain('mcp:write');
  });

  it('starts one flow for concurrent requests that meet a 401, and sends each again', async () => {
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    await whoami(session);
    const from = authServer.requests.length;

    mcp.expireAccessTokens();
    const answers = await Promise.all(Array.from({ length: 6 }, () => whoami(session)));

    expect(answers.every((a) => a.sub === DEFAULT_ACCOUNT_ID)).toBe(true);
    expect(routed('token', from)).toHaveLength(1);
    expect(visits).toHaveLength(1);
  });

  it('keeps tokens in its store, and a new client with the same store needs no user', async () => {
    const store = createMemoryOAuthStore();
    const first = userClient({ store });
    await whoami(await connect(first.oauth));

    const second = userClient({ store });
    const me = await whoami(await connect(second.oauth));

    expect(me.sub).toBe(DEFAULT_ACCOUNT_ID);
    expect(second.visits).toHaveLength(0);
    const key = second.oauth.storeKey ?? '';
    const record = await store.load(key);
    expect(record?.tokens?.resource).toBe(mcp.url);
    expect(Object.keys(record?.clients ?? {})).toEqual([authServer.issuer]);
  });

  it('refreshes a stored token that expired while no process held it, without the user', async () => {
    const store = createMemoryOAuthStore();
    const clock = movableClock();
    const first = userClient({ store, clock });
    await whoami(await connect(first.oauth));
    first.oauth.stop();
    const from = authServer.requests.length;

    clock.advance(2 * 3_600_000);
    const second = userClient({ store, clock });
    const me = await whoami(await connect(second.oauth));

    expect(me.sub).toBe(DEFAULT_ACCOUNT_ID);
    expect(second.visits).toHaveLength(0);
    expect(routed('token', from).map((r) => r.params?.['grant_type'])).toEqual(['refresh_token']);
    expect(routed('registration', from)).toHaveLength(0); // the registration was kept too
  });

  it('revokes tokens restored from the store on logout, finding their server first', async () => {
    const store = createMemoryOAuthStore();
    const first = userClient({ store });
    await whoami(await connect(first.oauth));
    first.oauth.stop();
    const from = authServer.requests.length;

    const second = userClient({ store });
    const outcome = await second.oauth.logout(mcp.url);

    expect(outcome.forgotten).toBe(true);
    expect(outcome.revoked).toContain('refresh_token');
    expect(routed('revocation', from).length).toBeGreaterThan(0);
    expect(routed('registration', from)).toHaveLength(0);
    expect((await store.load(second.oauth.storeKey ?? ''))?.tokens).toBeUndefined();
  });

  it('keeps using a registration made for another loopback port (RFC 8252 §7.3)', async () => {
    const store = createMemoryOAuthStore();
    const first = userClient({ store });
    await whoami(await connect(first.oauth));
    await first.oauth.logout();
    const from = authServer.requests.length;

    const visits: URL[] = [];
    const second = createOAuthClient({
      store,
      grant: {
        type: 'authorization_code',
        redirectUri: REDIRECT_URI.replace('53682', '53999'),
        userAgent: async ({ url }) => {
          visits.push(url);
          return authorizeAsUser(url);
        },
      },
    });
    closers.push(() => Promise.resolve(second.stop()));
    await whoami(await connect(second));

    expect(routed('registration', from)).toHaveLength(0);
    expect(visits[0]?.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:53999/callback');
  });

  it('renews a short-lived token at half its lifetime, not on every request', async () => {
    const shortLived = await startAuthorizationServer({ accessTokenTtl: 30 });
    const shortMcp = await startProtectedMcpServer({ issuer: shortLived.issuer });
    closers.push(
      () => shortLived.close(),
      () => shortMcp.close(),
    );
    const clock = movableClock();
    const { oauth } = userClient({ clock });
    const session = await connect(oauth, shortMcp.url);
    const refreshes = () =>
      shortLived.requests.filter(
        (r) => r.route === 'token' && r.params?.['grant_type'] === 'refresh_token',
      ).length;

    await whoami(session);
    await whoami(session);
    expect(refreshes()).toBe(0);
    clock.advance(16_000);
    await whoami(session);
    await whoami(session);

    expect(refreshes()).toBe(1);
  });

  it('fails with access-denied when the user refuses, naming the server’s error', async () => {
    const oauth = createOAuthClient({
      grant: {
        type: 'authorization_code',
        redirectUri: REDIRECT_URI,
        userAgent: ({ url }) => authorizeAsUser(url, { decision: 'deny' }),
      },
    });
    closers.push(() => Promise.resolve(oauth.stop()));

    await expect(connect(oauth)).rejects.toMatchObject({
      name: 'AuthorizationError',
      reason: 'access-denied',
      oauthError: 'access_denied',
    });
    expect(oauth.state).toBe('failed');
  });

  it('rejects a login in progress as abandoned when the client is stopped', async () => {
    let reached!: () => void;
    const atUser = new Promise<void>((resolve) => (reached = resolve));
    const oauth = createOAuthClient({
      grant: {
        type: 'authorization_code',
        redirectUri: REDIRECT_URI,
        // The user never answers: the flow waits at the authorization step until stopped.
        userAgent: ({ signal }) => {
          reached();
          return new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('the user went away')), {
              once: true,
            }),
          );
        },
      },
    });
    closers.push(() => Promise.resolve(oauth.stop()));

    const login = oauth.login(mcp.url);
    await atUser;
    expect(oauth.state).toBe('authorizing');
    oauth.stop();

    await expect(login).rejects.toMatchObject({
      name: 'AuthorizationError',
      reason: 'unauthorized',
      message: expect.stringContaining('abandoned') as unknown,
    });
  });

  it('forgets the tokens on logout, and the next request authorizes again', async () => {
    const { oauth, visits } = userClient();
    const session = await connect(oauth);
    await whoami(session);

    await oauth.logout();
    expect(oauth.state).toBe('idle');
    await whoami(session);

    expect(visits).toHaveLength(2);
  });
});

describe('grants without a user', () => {
  it('client credentials with a pre-registered confidential client', async () => {
    const from = authServer.requests.length;
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: service.client_id, clientSecret: service.client_secret },
      scope: 'mcp:read',
    });
    closers.push(() => Promise.resolve(oauth.stop()));
    const me = await whoami(await connect(oauth));

    expect(me.client_id).toBe(service.client_id);
    const token = routed('token', from)[0];
    expect(token?.authorization).toBe('Basic');
    expect(token?.params).toMatchObject({ grant_type: 'client_credentials', resource: mcp.url });
    expect(routed('registration', from)).toHaveLength(0);
  });

  it('refuses a pre-registered client bound to another authorization server', async () => {
    expect.assertions(2);
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: {
        clientId: service.client_id,
        clientSecret: service.client_secret,
        issuer: 'https://other-as.example',
      },
    });
    closers.push(() => Promise.resolve(oauth.stop()));
    const from = authServer.requests.length;
    await expect(connect(oauth)).rejects.toMatchObject({
      reason: 'issuer-mismatch',
      expected: 'https://other-as.example',
      actual: authServer.issuer,
    });
    expect(routed('token', from)).toHaveLength(0);
  });
});

describe('DPoP', () => {
  it('binds tokens to a key when the server asks for DPoP, answering both nonce challenges', async () => {
    const dpopServer = await startAuthorizationServer({ requireDpopNonce: true });
    const dpopMcp = await startProtectedMcpServer({
      issuer: dpopServer.issuer,
      dpop: 'required',
    });
    closers.push(
      () => dpopServer.close(),
      () => dpopMcp.close(),
    );
    const oauth = createOAuthClient({
      grant: {
        type: 'authorization_code',
        redirectUri: REDIRECT_URI,
        userAgent: ({ url }) => authorizeAsUser(url),
      },
    });
    closers.push(() => Promise.resolve(oauth.stop()));

    const me = await whoami(await connect(oauth, dpopMcp.url));

    expect(typeof me.jkt).toBe('string');
    const tokenRequests = dpopServer.requests.filter((r) => r.route === 'token');
    expect(tokenRequests.every((r) => r.dpop)).toBe(true);
    expect(tokenRequests.some((r) => r.status === 400)).toBe(true); // the nonce challenge
    const calls = dpopMcp.requests.filter((r) => r.headers.authorization === 'DPoP');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((r) => typeof r.headers['dpop'] === 'string')).toBe(true);
  });
});

describe('security', () => {
  it('gives up with a typed error when the server refuses fresh tokens, naming no token or secret', async () => {
    expect.assertions(4);
    const tokens: string[] = [];
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: service.client_id, clientSecret: service.client_secret },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const token = /"access_token":"([^"]+)"/.exec(await response.clone().text())?.[1];
        if (token !== undefined) tokens.push(token);
        return response;
      },
    });
    closers.push(() => Promise.resolve(oauth.stop()));
    // It names the right authorization server but checks tokens with another one's keys.
    const other = await startAuthorizationServer();
    const refusing = await startProtectedMcpServer({
      issuer: authServer.issuer,
      jwksUri: new URL('/jwks', other.url).href,
    });
    closers.push(
      () => other.close(),
      () => refusing.close(),
    );

    const caught = await connect(oauth, refusing.url).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(caught).toBeInstanceOf(AuthorizationError);
    expect(caught).toMatchObject({ reason: 'unauthorized', oauthError: 'invalid_token' });
    expect(tokens.length).toBeGreaterThan(0);
    const text = JSON.stringify({ message: (caught as Error).message, ...(caught as object) });
    expect(tokens.some((t) => text.includes(t)) || text.includes(service.client_secret)).toBe(
      false,
    );
  });

  it('follows a redirect with the token within the server’s origin only', async () => {
    const { oauth } = userClient();
    await whoami(await connect(oauth));
    const seen: {
      url: string;
      authorization: string | null;
      redirect?: RequestInit['redirect'];
    }[] = [];
    const origin = new URL(mcp.url).origin;
    const wrapped = oauth.wrapFetch(new URL(mcp.url), (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      seen.push({
        url,
        authorization: new Headers(init?.headers).get('authorization'),
        ...(init?.redirect === undefined ? {} : { redirect: init.redirect }),
      });
      const location = url.endsWith('/mcp') ? `${origin}/moved` : 'https://elsewhere.example/mcp';
      return Promise.resolve(new Response(null, { status: 307, headers: { location } }));
    });

    const response = await wrapped(mcp.url, { method: 'POST', body: '{}' });

    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('https://elsewhere.example/mcp');
    expect(seen.map((s) => s.url)).toEqual([mcp.url, `${origin}/moved`]);
    expect(
      seen.every((s) => s.redirect === 'manual' && s.authorization?.startsWith('Bearer ')),
    ).toBe(true);
  });

  it('sends the token to the server’s origin only', async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const { oauth } = userClient();
    await whoami(await connect(oauth));
    const wrapped = oauth.wrapFetch(new URL(mcp.url), (input, init) => {
      seen.push({
        url: input instanceof Request ? input.url : input.toString(),
        authorization: new Headers(init?.headers).get('authorization'),
      });
      return Promise.resolve(new Response('{}', { status: 200 }));
    });

    await wrapped(mcp.url, { method: 'POST', body: '{}' });
    await wrapped('http://127.0.0.2:9/elsewhere', { method: 'POST', body: '{}' });

    expect(seen[0]?.authorization).toMatch(/^Bearer /);
    expect(seen[1]?.authorization).toBeNull();
  });
});
