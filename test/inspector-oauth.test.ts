import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientSession,
  createOAuthClient,
  createStreamableHttpTransport,
  type OAuthClient,
  type PreRegisteredClient,
} from '../src/index.js';
import {
  RecordBuilder,
  type InspectorFrame,
  type InspectorRecord,
} from '../src/inspector/records.js';
import { sanitize } from '../src/inspector/sanitize.js';
import { startInspector, type Inspector } from '../src/node/inspector.js';
import {
  authorizeAsUser,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';

/**
 * The inspector and the OAuth client: a real code flow against the fixture's authorization server
 * (oidc-provider) and protected MCP server, watched through the inspector's WebSocket as a page
 * would be. The observer of a session, given to its OAuth client too, shows the authorization
 * actor under the session; no token, code, verifier or client secret reaches any record.
 */

const REDIRECT_URI = 'http://127.0.0.1:8976/callback';
const confidential = {
  client_id: 'inspected-app',
  client_secret: `secret-${randomBytes(24).toString('base64url')}`,
  redirect_uris: [REDIRECT_URI],
} as const;

let authServer: AuthorizationServer;
let mcp: ProtectedMcpServer;
let inspector: Inspector | undefined;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  authServer = await startAuthorizationServer({ clients: [confidential] });
  mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
}, 30_000);

afterAll(async () => {
  await mcp?.close();
  await authServer?.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await inspector?.close();
  inspector = undefined;
});

/** Every credential seen on the wire during a flow, by kind. */
interface Secrets {
  readonly accessTokens: Set<string>;
  readonly refreshTokens: Set<string>;
  readonly idTokens: Set<string>;
  readonly codes: Set<string>;
  readonly verifiers: Set<string>;
  readonly clientSecrets: Set<string>;
}

const newSecrets = (): Secrets => ({
  accessTokens: new Set(),
  refreshTokens: new Set(),
  idTokens: new Set(),
  codes: new Set(),
  verifiers: new Set(),
  clientSecrets: new Set(),
});

const allOf = (secrets: Secrets): string[] =>
  Object.values(secrets).flatMap((set: Set<string>) => [...set]);

/** The form of a request body (a token request), if it is one. */
function formOf(body: unknown): URLSearchParams {
  if (body instanceof URLSearchParams) return body;
  return new URLSearchParams(typeof body === 'string' ? body : '');
}

/**
 * A fetch for the OAuth client's own calls that records what it sends (codes, verifiers, refresh
 * tokens, client secrets) and what it is handed (tokens, registered client secrets).
 */
function capturingAuthFetch(secrets: Secrets): typeof fetch {
  return async (input, init) => {
    const form = formOf(init?.body);
    for (const [key, set] of [
      ['code', secrets.codes],
      ['code_verifier', secrets.verifiers],
      ['refresh_token', secrets.refreshTokens],
      ['client_secret', secrets.clientSecrets],
    ] as const) {
      const value = form.get(key);
      if (value !== null) set.add(value);
    }
    const response = await fetch(input, init);
    const text = await response.clone().text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: nothing handed out.
    }
    for (const [key, set] of [
      ['access_token', secrets.accessTokens],
      ['refresh_token', secrets.refreshTokens],
      ['id_token', secrets.idTokens],
      ['client_secret', secrets.clientSecrets],
      ['registration_access_token', secrets.accessTokens],
    ] as const) {
      const value = body[key];
      if (typeof value === 'string') set.add(value);
    }
    return response;
  };
}

/** A fetch for the MCP transport that records the access tokens sent to the server. */
function capturingMcpFetch(secrets: Secrets): typeof fetch {
  return (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization');
    const token = /^(?:Bearer|DPoP) (.+)$/i.exec(authorization ?? '')?.[1];
    if (token !== undefined) secrets.accessTokens.add(token);
    return fetch(input, init);
  };
}

/** An OAuth client for the code flow whose user is the fixture's headless one. */
function oauthClient(
  secrets: Secrets,
  inspect: ((event: InspectionEvent) => void) | undefined,
  options: { client?: PreRegisteredClient; decision?: 'approve' | 'deny' } = {},
): OAuthClient {
  const oauth = createOAuthClient({
    grant: {
      type: 'authorization_code',
      redirectUri: REDIRECT_URI,
      userAgent: async ({ url }) => {
        const back = await authorizeAsUser(url, { decision: options.decision ?? 'approve' });
        const code = back.searchParams.get('code');
        if (code !== null) secrets.codes.add(code);
        return back;
      },
    },
    fetch: capturingAuthFetch(secrets),
    ...(options.client === undefined ? {} : { client: options.client }),
    ...(inspect === undefined ? {} : { inspect }),
  });
  cleanups.push(() => oauth.stop());
  return oauth;
}

/** Opens the events socket as a page does: every frame it receives, from `hello` on. */
function openPage(insp: Inspector): Promise<{ socket: WebSocket; frames: InspectorFrame[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${insp.url.replace('http', 'ws')}events`);
    const frames: InspectorFrame[] = [];
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as InspectorFrame;
      frames.push(frame);
      if (frame.type === 'hello') resolve({ socket, frames });
    });
    socket.on('error', reject);
    cleanups.push(() => socket.close());
  });
}

const recordsOf = (frames: readonly InspectorFrame[]): InspectorRecord[] =>
  frames.flatMap((f) => (f.type === 'session' ? [] : f.records));

type Snapshot = Extract<InspectorRecord, { kind: 'snapshot' }>;
const snapshotsOf = (records: readonly InspectorRecord[], actor: string): Snapshot[] =>
  records.filter((r): r is Snapshot => r.kind === 'snapshot' && r.actor === actor);

/** The states an actor went through, a state that stays counted once. */
function pathOf(records: readonly InspectorRecord[], actor: string): string[] {
  const path: string[] = [];
  for (const r of snapshotsOf(records, actor)) {
    const step = JSON.stringify(r.value);
    if (path[path.length - 1] !== step) path.push(step);
  }
  return path.map((step) => JSON.parse(step) as string);
}

/** Waits until the page has the session's connection closed: everything before it has arrived. */
async function closedOnPage(frames: readonly InspectorFrame[]): Promise<void> {
  await expect
    .poll(() =>
      snapshotsOf(recordsOf(frames), 'connection').some(
        (r) => r.value === 'closed' && r.status === 'done',
      ),
    )
    .toBe(true);
}

/** Each secret seen, and whether it appears anywhere in what the page was sent. */
function leaks(secrets: Secrets, frames: readonly InspectorFrame[]): string[] {
  const sent = JSON.stringify(frames);
  return allOf(secrets).filter((secret) => sent.includes(secret));
}

describe('the inspector with an OAuth client', () => {
  it('shows the code flow under the session, beside its connection, from the machine’s definition', async () => {
    inspector = await startInspector();
    const { frames } = await openPage(inspector);
    const secrets = newSecrets();
    const observer = inspector.observer('protected server');
    // The OAuth client's actor starts first: it is still recognised by its machine.
    const oauth = oauthClient(secrets, observer);
    const session = createClientSession({
      transport: createStreamableHttpTransport({
        url: mcp.url,
        auth: oauth,
        fetch: capturingMcpFetch(secrets),
      }),
      inspect: observer,
    });
    await session.connect();
    const whoami = await session.callTool('whoami', {});
    expect(JSON.stringify(whoami.content)).toContain('test-user');
    await session.close();
    await closedOnPage(frames);

    const hello = frames[0];
    expect(hello?.type === 'hello' && Object.keys(hello.machines)).toContain('authorization');
    const shape = hello?.type === 'hello' ? hello.machines['authorization'] : undefined;
    expect(shape?.states.map((s) => s.key)).toEqual([
      'idle',
      'discovering',
      'registering',
      'authorizing',
      'exchanging',
      'authorized',
      'refreshing',
      'steppingUp',
      'failed',
    ]);
    expect(shape?.states.find((s) => s.key === 'registering')?.transitions).toContainEqual({
      event: 'xstate.done.actor.register',
      targets: ['authorization.authorizing'],
      guard: 'needsUser',
    });

    const records = recordsOf(frames);
    expect(records.every((r) => r.session === 's1')).toBe(true);
    expect(records).toContainEqual(
      expect.objectContaining({ kind: 'actor', actor: 'authorization', machine: 'authorization' }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: 'actor',
        actor: 'authorization/discover',
        parent: 'authorization',
      }),
    );
    expect(pathOf(records, 'authorization')).toEqual([
      'idle',
      'discovering',
      'registering',
      'authorizing',
      'exchanging',
      'authorized',
    ]);
    const last = snapshotsOf(records, 'authorization').at(-1);
    expect(last).toMatchObject({
      status: 'active',
      event: 'xstate.done.actor.exchange',
      context: {
        grant: 'authorization_code',
        issuer: authServer.issuer,
        resource: mcp.url,
        generation: 1,
        refreshable: true,
        fromRefresh: false,
      },
    });
    expect(last?.context).toMatchObject({ scope: expect.stringContaining('mcp:read') });
    // The session's own actors are named as without an OAuth client.
    expect(pathOf(records, 'connection')).toContain('ready');
    expect(pathOf(records, 'connection').at(-1)).toBe('closed');
    expect(records).toContainEqual(
      expect.objectContaining({ kind: 'actor', actor: 'dispatcher', parent: 'connection' }),
    );

    // The flow ran for real, and none of what it handed around reached the page.
    expect(secrets.accessTokens.size).toBeGreaterThanOrEqual(1);
    expect(secrets.refreshTokens.size).toBeGreaterThanOrEqual(1);
    expect(secrets.codes.size).toBe(1);
    expect(secrets.verifiers.size).toBe(1);
    expect(leaks(secrets, frames)).toEqual([]);
  });

  it('never sends a token, a code, a verifier or the client secret to a page, through step-up and refresh', async () => {
    inspector = await startInspector();
    const { frames } = await openPage(inspector);
    const secrets = newSecrets();
    secrets.clientSecrets.add(confidential.client_secret);
    const observer = inspector.observer('confidential client');
    const oauth = oauthClient(secrets, observer, {
      client: { clientId: confidential.client_id, clientSecret: confidential.client_secret },
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({
        url: mcp.url,
        auth: oauth,
        fetch: capturingMcpFetch(secrets),
      }),
      inspect: observer,
    });
    await session.connect();
    // mcp:write: a 403 insufficient_scope, and a second authorization for the wider scope.
    await session.callTool('admin-echo', { message: 'wider' });
    // The access token is refused from now on: the refresh token gets a new one.
    mcp.expireAccessTokens();
    await session.callTool('echo', { message: 'refreshed' });
    await session.close();
    await closedOnPage(frames);

    const records = recordsOf(frames);
    expect(pathOf(records, 'authorization')).toEqual([
      'idle',
      'discovering',
      'registering',
      'authorizing',
      'exchanging',
      'authorized',
      'steppingUp',
      'authorizing',
      'exchanging',
      'authorized',
      'refreshing',
      'authorized',
    ]);
    expect(snapshotsOf(records, 'authorization').at(-1)?.context).toMatchObject({
      generation: 3,
      refreshable: true,
      fromRefresh: true,
      scope: expect.stringContaining('mcp:write'),
    });
    // The events of the flow are there (challenges, the steps' outcomes), without credentials.
    const events = records.filter((r) => r.kind === 'event' && r.actor === 'authorization');
    expect(
      events.map((r) => (r.kind === 'event' ? (r.event as { type: string }).type : '')),
    ).toEqual(
      expect.arrayContaining([
        'challenge',
        'insufficientScope',
        'xstate.done.actor.discover',
        'xstate.done.actor.exchange',
        'xstate.done.actor.refresh',
      ]),
    );

    expect(secrets.accessTokens.size).toBeGreaterThanOrEqual(3);
    expect(secrets.refreshTokens.size).toBeGreaterThanOrEqual(2); // rotated
    expect(secrets.codes.size).toBe(2);
    expect(secrets.verifiers.size).toBe(2);
    expect(leaks(secrets, frames)).toEqual([]);
    // A page that opens later gets the same records from the history: none there either.
    const late = await openPage(inspector);
    expect(recordsOf(late.frames).length).toBeGreaterThan(0);
    expect(leaks(secrets, late.frames)).toEqual([]);
  });

  it('shows a failed flow with its error (reason and message), and nothing secret', async () => {
    inspector = await startInspector();
    const { frames } = await openPage(inspector);
    const secrets = newSecrets();
    const observer = inspector.observer('denied');
    const oauth = oauthClient(secrets, observer, { decision: 'deny' });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url: mcp.url, auth: oauth }),
      inspect: observer,
    });
    await expect(session.connect()).rejects.toThrow();
    await session.close();
    await closedOnPage(frames);

    const records = recordsOf(frames);
    expect(pathOf(records, 'authorization')).toEqual([
      'idle',
      'discovering',
      'registering',
      'authorizing',
      'failed',
    ]);
    expect(snapshotsOf(records, 'authorization').at(-1)).toMatchObject({
      event: 'xstate.error.actor.authorize',
      context: {
        generation: 0,
        error: {
          name: 'AuthorizationError',
          code: 'AUTHORIZATION_FAILED',
          reason: 'access-denied',
          oauthError: 'access_denied',
          message: expect.stringContaining('access_denied'),
        },
      },
    });
    expect(leaks(secrets, frames)).toEqual([]);
  });
});

describe('the authorization records', () => {
  it('name the authorization actor whichever system starts first, and show only its named context fields', () => {
    const builder = new RecordBuilder('s1', () => 0);
    const root = { id: 'x:10', sessionId: 'x:10', logic: { id: 'authorization' } };
    const connection = { id: 'x:11', sessionId: 'x:11', logic: { id: 'connection' } };
    const records = [
      { type: '@xstate.actor', rootId: 'x:10', actorRef: root },
      { type: '@xstate.actor', rootId: 'x:11', actorRef: connection },
      {
        type: '@xstate.actor',
        rootId: 'x:10',
        actorRef: { id: 'exchange', sessionId: 'x:12', _parent: root, logic: {} },
      },
      {
        type: '@xstate.snapshot',
        rootId: 'x:10',
        actorRef: root,
        event: { type: 'xstate.error.actor.exchange' },
        snapshot: {
          value: 'failed',
          status: 'active',
          context: {
            grant: 'authorization_code',
            generation: 2,
            issuer: 'https://as.example',
            somethingAddedLater: 'not shown',
            error: Object.assign(new Error('refused'), {
              code: 'AUTHORIZATION_FAILED',
              cause: { body: 'what the server answered' },
            }),
          },
        },
      },
    ].flatMap((e) => builder.records(e as never));
    expect(
      records.map((r) =>
        r.kind === 'actor' ? [r.actor, r.parent] : r.kind === 'snapshot' ? r.actor : r.kind,
      ),
    ).toEqual([
      ['authorization', undefined],
      ['connection', undefined],
      ['authorization/exchange', 'authorization'],
      'authorization',
    ]);
    expect(records[3]).toMatchObject({
      kind: 'snapshot',
      value: 'failed',
      context: {
        grant: 'authorization_code',
        generation: 2,
        issuer: 'https://as.example',
        error: { name: 'Error', code: 'AUTHORIZATION_FAILED', message: 'refused' },
      },
    });
    expect(JSON.stringify(records)).not.toContain('not shown');
    expect(JSON.stringify(records)).not.toContain('what the server answered');
  });

  it('redact credentials quoted inside strings: JWTs, Authorization values, credential parameters', () => {
    const jwt = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from('{"sub":"someone-1"}').toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
    expect(
      sanitize({
        message: `The token ${jwt} was refused`,
        header: 'Bearer 0123456789abcdef0123456789',
        prose: 'The Bearer token is refused: DPoP proof htm mismatch',
        dpop: jwt,
        challenge:
          'Bearer error="invalid_token", resource_metadata="https://x.example/.well-known"',
        callback:
          'http://127.0.0.1:8976/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https://as',
        form: 'grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_secret=s3cr3t',
        method: 'client_secret_basic',
        text: 'exit code=1',
      }),
    ).toEqual({
      message: 'The token [redacted] was refused',
      header: 'Bearer [redacted]',
      prose: 'The Bearer token is refused: DPoP proof htm mismatch',
      dpop: '[redacted]',
      challenge: 'Bearer error="invalid_token", resource_metadata="https://x.example/.well-known"',
      callback: 'http://127.0.0.1:8976/callback?code=[redacted]&state=xyz&iss=https://as',
      form: 'grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]',
      method: 'client_secret_basic',
      text: 'exit code=1',
    });
  });
});
