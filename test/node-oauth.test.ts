import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClientSession,
  createOAuthClient,
  createStreamableHttpTransport,
  type AuthorizationRequest,
  type OAuthRecord,
} from '../src/index.js';
import {
  createFileOAuthStore,
  defaultOAuthStorePath,
  startLoopbackRedirect,
  type LoopbackRedirect,
  type LoopbackRedirectOptions,
} from '../src/node/index.js';
import {
  authorizeAsUser,
  DEFAULT_ACCOUNT_ID,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';
import { manualClock } from './support/clock.js';

/** When on, the store's rename fails, as a crash between writing and renaming would leave it. */
const failRename = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: (from: string, to: string) =>
      failRename.on
        ? Promise.reject(Object.assign(new Error('simulated crash'), { code: 'EIO' }))
        : actual.rename(from, to),
  };
});

/**
 * The Node-only OAuth parts: the file store (round trip, permissions, atomic writes, a corrupt
 * file, several stores on one file) and the loopback redirect receiver (real HTTP requests to it
 * on 127.0.0.1, abort, timeout on an injected clock), then both together with the OAuth client
 * against the oidc-provider authorization server and the protected MCP server.
 */

const posix = process.platform !== 'win32';

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mcp-actors-node-oauth-'));
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The permission bits of a file or folder. */
const modeOf = (target: string): number => statSync(target).mode & 0o777;

const record = (accessToken: string): OAuthRecord => ({
  clients: {
    'https://as.example.com': {
      clientId: 'client-1',
      authMethod: 'none',
      redirectUris: ['http://127.0.0.1:8976/callback'],
    },
  },
  tokens: {
    issuer: 'https://as.example.com',
    resource: 'https://mcp.example.com/mcp',
    accessToken,
    tokenType: 'bearer',
    refreshToken: `refresh-${accessToken}`,
    expiresAt: 1_900_000_000_000,
    scope: 'mcp:read',
  },
});

describe('createFileOAuthStore', () => {
  it('keeps records by key in one JSON file, and forgets them', async () => {
    const file = path.join(scratch, 'oauth.json');
    const store = createFileOAuthStore({ path: file });
    expect(store.path).toBe(file);
    expect(await store.load('https://mcp.example.com/mcp a')).toBeUndefined();

    await store.save('https://mcp.example.com/mcp a', record('one'));
    await store.save('https://mcp.example.com/mcp b', record('two'));
    expect(await store.load('https://mcp.example.com/mcp a')).toEqual(record('one'));
    expect(await store.load('https://mcp.example.com/mcp b')).toEqual(record('two'));
    expect(await store.load('constructor')).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      entries: {
        'https://mcp.example.com/mcp a': record('one'),
        'https://mcp.example.com/mcp b': record('two'),
      },
    });

    await store.save('https://mcp.example.com/mcp a', {});
    expect(await store.load('https://mcp.example.com/mcp a')).toEqual({});
    await store.remove('https://mcp.example.com/mcp b');
    expect(await store.load('https://mcp.example.com/mcp b')).toBeUndefined();
    // Another store on the file sees what this one wrote: it rereads the file.
    expect(
      await createFileOAuthStore({ path: file }).load('https://mcp.example.com/mcp a'),
    ).toEqual({});
  });

  it.runIf(posix)(
    'creates the file 0600 and its folder 0700, and tightens wider ones',
    async () => {
      const file = path.join(scratch, 'new', 'folder', 'oauth.json');
      await createFileOAuthStore({ path: file }).save('k', record('one'));
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(path.dirname(file))).toBe(0o700);

      chmodSync(file, 0o644);
      expect(await createFileOAuthStore({ path: file }).load('k')).toEqual(record('one'));
      expect(modeOf(file)).toBe(0o600);

      // The default location: $XDG_CONFIG_HOME/mcp-actors/oauth.json, folder tightened too.
      const config = path.join(scratch, 'config');
      mkdirSync(path.join(config, 'mcp-actors'), { recursive: true, mode: 0o755 });
      chmodSync(path.join(config, 'mcp-actors'), 0o755);
      vi.stubEnv('XDG_CONFIG_HOME', config);
      try {
        const store = createFileOAuthStore();
        expect(store.path).toBe(path.join(config, 'mcp-actors', 'oauth.json'));
        await store.save('k', record('two'));
        expect(modeOf(store.path)).toBe(0o600);
        expect(modeOf(path.join(config, 'mcp-actors'))).toBe(0o700);
      } finally {
        vi.unstubAllEnvs();
      }
    },
  );

  it('defaults to ~/.config/mcp-actors/oauth.json without an absolute XDG_CONFIG_HOME', () => {
    const home = path.join(scratch, 'home');
    vi.stubEnv('HOME', home);
    vi.stubEnv('USERPROFILE', home);
    try {
      expect(defaultOAuthStorePath({ XDG_CONFIG_HOME: 'relative/config' })).toBe(
        path.join(home, '.config', 'mcp-actors', 'oauth.json'),
      );
      expect(defaultOAuthStorePath({})).toBe(
        path.join(home, '.config', 'mcp-actors', 'oauth.json'),
      );
      expect(defaultOAuthStorePath({ XDG_CONFIG_HOME: '/cfg' })).toBe(
        path.join('/cfg', 'mcp-actors', 'oauth.json'),
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reports a corrupt file as an OAuthStoreError and never overwrites it', async () => {
    const file = path.join(scratch, 'oauth.json');
    const store = createFileOAuthStore({ path: file });
    writeFileSync(file, '{"version": 1, "entries": {', { mode: 0o600 });
    await expect(store.load('k')).rejects.toMatchObject({
      name: 'OAuthStoreError',
      reason: 'corrupt',
      path: file,
      message: expect.stringContaining('not JSON') as unknown,
    });
    await expect(store.save('k', record('one'))).rejects.toMatchObject({ reason: 'corrupt' });
    await expect(store.remove('k')).rejects.toMatchObject({ reason: 'corrupt' });
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "entries": {');

    const tokenless = { version: 1, entries: { k: { tokens: { issuer: 'x', accessToken: 7 } } } };
    writeFileSync(file, JSON.stringify(tokenless));
    await expect(store.load('k')).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringContaining('the entry "k": tokens have no resource') as unknown,
    });
    writeFileSync(file, JSON.stringify({ entries: {} }));
    await expect(store.load('k')).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringContaining('not an mcp-actors token store') as unknown,
    });
  });

  it('writes atomically: a write that fails at the rename leaves the old file whole, no temporary file', async () => {
    expect.assertions(4);
    const file = path.join(scratch, 'oauth.json');
    const store = createFileOAuthStore({ path: file });
    await store.save('k', record('one'));
    const before = readFileSync(file, 'utf8');
    failRename.on = true;
    try {
      await expect(store.save('k', record('two'))).rejects.toMatchObject({
        name: 'OAuthStoreError',
        reason: 'io',
        message: expect.stringContaining('simulated crash') as unknown,
      });
    } finally {
      failRename.on = false;
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(scratch)).toEqual(['oauth.json']);
    // A folder where the file should be is reported, and left alone.
    const folder = path.join(scratch, 'folder.json');
    mkdirSync(folder, { mode: 0o755 });
    await expect(createFileOAuthStore({ path: folder }).load('k')).rejects.toMatchObject({
      reason: 'io',
      message: `The OAuth token store ${folder} is not a file.`,
    });
  });

  it('serializes concurrent saves, across stores on the same file', async () => {
    const file = path.join(scratch, 'oauth.json');
    const first = createFileOAuthStore({ path: file });
    const second = createFileOAuthStore({ path: file });
    const keys = Array.from({ length: 20 }, (_, i) => `https://mcp${i}.example.com/mcp c`);
    await Promise.all(
      keys.map((key, i) => (i % 2 === 0 ? first : second).save(key, record(`token-${i}`))),
    );
    await Promise.all([first.remove(keys[0] ?? ''), second.save(keys[1] ?? '', record('again'))]);
    const { entries } = JSON.parse(readFileSync(file, 'utf8')) as {
      entries: Record<string, OAuthRecord>;
    };
    expect(Object.keys(entries).sort()).toEqual(keys.slice(1).sort());
    expect(entries[keys[1] ?? '']).toEqual(record('again'));
    expect(entries[keys[19] ?? '']).toEqual(record('token-19'));
    expect(readdirSync(scratch)).toEqual(['oauth.json']);
  });
});

/** Starts a receiver, closed after the test. */
async function receiver(options: LoopbackRedirectOptions = {}): Promise<LoopbackRedirect> {
  const started = await startLoopbackRedirect({ open: false, ...options });
  closers.push(() => started.close());
  return started;
}

/** An authorization request for the receiver, with its own abort controller. */
function authorizationRequest(
  redirect: LoopbackRedirect,
  state: string,
): AuthorizationRequest & { controller: AbortController } {
  const controller = new AbortController();
  const url = new URL('https://as.example.com/authorize');
  url.searchParams.set('state', state);
  url.searchParams.set('redirect_uri', redirect.redirectUri);
  return {
    url,
    redirectUri: redirect.redirectUri,
    state,
    issuer: 'https://as.example.com',
    signal: controller.signal,
    controller,
  };
}

/** Waits for the user agent's promise, recording when it settled. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  return { settled: () => settled, promise: watched };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function get(
  url: string,
  host?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startLoopbackRedirect', () => {
  it('listens on 127.0.0.1 at a free port and sends the user to the authorization URL', async () => {
    const shown: string[] = [];
    const redirect = await receiver({
      print: (url) => shown.push(`print ${url.href}`),
      open: (url) => {
        shown.push(`open ${url.href}`);
      },
    });
    expect(redirect.redirectUri).toBe(`http://127.0.0.1:${redirect.port}/callback`);
    expect(redirect.port).toBeGreaterThan(0);
    // Bound to 127.0.0.1 itself: another loopback address (all of 127/8 is local on Linux)
    // finds nothing there, as it would on a server bound to every interface.
    await expect(fetch(`http://127.0.0.2:${redirect.port}/callback`)).rejects.toThrow();
    const request = authorizationRequest(redirect, 'state-1');
    const waiting = watch(redirect.userAgent(request));
    expect(shown).toEqual([`print ${request.url.href}`, `open ${request.url.href}`]);
    request.controller.abort('done');
    await expect(waiting.promise).rejects.toMatchObject({ reason: 'user-agent-failed' });
  });

  it('answers a redirect with another state 400 and goes on waiting; the right one ends the wait', async () => {
    const redirect = await receiver();
    const request = authorizationRequest(redirect, 'the-state');
    const waiting = watch(redirect.userAgent(request));

    const wrong = await fetch(`${redirect.redirectUri}?code=c0de&state=another`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('does not carry the state');
    const stateless = await fetch(`${redirect.redirectUri}?code=c0de`);
    expect(stateless.status).toBe(400);
    await stateless.body?.cancel();
    expect(waiting.settled()).toBe(false);

    const back = `${redirect.redirectUri}?code=the-c0de&state=the-state&iss=https%3A%2F%2Fas.example.com`;
    const right = await fetch(back);
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(right.headers.get('cache-control')).toBe('no-store');
    expect(right.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await right.text();
    expect(page).toContain('You can close this tab');
    expect(page).not.toContain('the-c0de');
    const url = await waiting.promise;
    expect(url.href).toBe(back);

    // The same state again: nobody waits for it any more.
    const replay = await fetch(back);
    expect(replay.status).toBe(400);
    await replay.body?.cancel();
  });

  it('says so on the page when the authorization server answered with an error', async () => {
    const redirect = await receiver();
    const waiting = redirect.userAgent(authorizationRequest(redirect, 's'));
    const denied = await fetch(`${redirect.redirectUri}?error=access_denied&state=s`);
    expect(denied.status).toBe(200);
    const page = await denied.text();
    expect(page).toContain('Authorization not granted');
    expect(page).not.toContain('access_denied');
    expect(new URL(await waiting).searchParams.get('error')).toBe('access_denied');
  });

  it('serves only its path, GET, and Host 127.0.0.1:<port> or localhost:<port>', async () => {
    const redirect = await receiver();
    const waiting = watch(redirect.userAgent(authorizationRequest(redirect, 's')));
    const origin = `http://127.0.0.1:${redirect.port}`;

    expect((await get(`${origin}/other?state=s`)).status).toBe(404);
    const post = await fetch(`${redirect.redirectUri}?state=s`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
    expect(
      (await get(`${redirect.redirectUri}?state=s`, `evil.example:${redirect.port}`)).status,
    ).toBe(403);
    expect((await get(`${redirect.redirectUri}?state=s`, '127.0.0.1:1')).status).toBe(403);
    expect(waiting.settled()).toBe(false);

    const viaLocalhost = await get(
      `${redirect.redirectUri}?code=x&state=s`,
      `localhost:${redirect.port}`,
    );
    expect(viaLocalhost.status).toBe(200);
    expect((await waiting.promise).searchParams.get('code')).toBe('x');
  });

  it('ends the wait when the request is aborted, with a clear error', async () => {
    expect.assertions(3);
    const redirect = await receiver();
    const request = authorizationRequest(redirect, 's');
    const waiting = redirect.userAgent(request);
    request.controller.abort('the user logged out');
    await expect(waiting).rejects.toMatchObject({
      name: 'AuthorizationError',
      reason: 'user-agent-failed',
      message: 'The authorization was abandoned before the browser came back: the user logged out.',
    });
    // Nobody waits for that state any more.
    const late = await fetch(`${redirect.redirectUri}?code=x&state=s`);
    expect(late.status).toBe(400);
    // An already aborted request does not wait at all.
    await expect(redirect.userAgent(request)).rejects.toMatchObject({
      reason: 'user-agent-failed',
    });
  });

  it('gives up after the timeout (5 minutes by default), on its clock', async () => {
    expect.assertions(4);
    const clock = manualClock();
    const redirect = await receiver({ clock });
    const waiting = redirect.userAgent(authorizationRequest(redirect, 's'));
    expect(clock.pending).toBe(1);
    clock.fire();
    await expect(waiting).rejects.toMatchObject({
      reason: 'user-agent-failed',
      message: `No redirect came back to ${redirect.redirectUri} within 5 minutes; the authorization was not completed.`,
    });

    const short = await receiver({ clock, timeout: 1500 });
    const again = short.userAgent(authorizationRequest(short, 's'));
    clock.fire();
    await expect(again).rejects.toMatchObject({
      message: expect.stringContaining('within 1.5 s') as unknown,
    });
    expect(clock.pending).toBe(0);
  });

  it('uses the default timeout of 5 minutes (fake timers)', async () => {
    expect.assertions(2);
    const redirect = await receiver();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const waiting = watch(redirect.userAgent(authorizationRequest(redirect, 's')));
      const failed = expect(waiting.promise).rejects.toMatchObject({
        reason: 'user-agent-failed',
      });
      await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
      expect(waiting.settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await failed;
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the wait when the given opener fails, and on close(), which frees the port', async () => {
    expect.assertions(4);
    const failing = await receiver({
      open: () => Promise.reject(new Error('no display')),
    });
    await expect(failing.userAgent(authorizationRequest(failing, 's'))).rejects.toThrow(
      'no display',
    );

    const redirect = await startLoopbackRedirect({ open: false });
    const waiting = redirect.userAgent(authorizationRequest(redirect, 's'));
    const closedOn = expect(waiting).rejects.toMatchObject({
      reason: 'user-agent-failed',
      message: expect.stringContaining('was closed before the browser came back') as unknown,
    });
    await redirect.close();
    await closedOn;
    await expect(fetch(`${redirect.redirectUri}?state=s`)).rejects.toThrow();
    // The port is free again.
    const probe = createServer();
    const bound = await new Promise<number>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(redirect.port, '127.0.0.1', () =>
        resolve((probe.address() as AddressInfo).port),
      );
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    expect(bound).toBe(redirect.port);
  });

  it('refuses a request for another redirect URI', async () => {
    const redirect = await receiver();
    const request = {
      ...authorizationRequest(redirect, 's'),
      redirectUri: 'http://127.0.0.1:1/callback',
    };
    await expect(redirect.userAgent(request)).rejects.toMatchObject({
      reason: 'user-agent-failed',
      message: expect.stringContaining('but this receiver listens at') as unknown,
    });
  });
});

describe('the loopback receiver and the file store with the OAuth client', () => {
  let authServer: AuthorizationServer;
  let mcp: ProtectedMcpServer;
  beforeAll(async () => {
    authServer = await startAuthorizationServer();
    mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await authServer?.close();
  });

  it('logs in through the browser stand-in, keeps the tokens in the file, and calls whoami', async () => {
    const file = path.join(scratch, 'store', 'oauth.json');
    const pages: string[] = [];
    const redirect = await receiver({
      // The browser: the headless user at the authorization server, then the redirect back.
      open: async (url) => {
        const back = await authorizeAsUser(url);
        const answer = await fetch(back);
        pages.push(await answer.text());
      },
    });
    const oauth = createOAuthClient({
      grant: {
        type: 'authorization_code',
        redirectUri: redirect.redirectUri,
        userAgent: redirect.userAgent,
      },
      store: createFileOAuthStore({ path: file }),
    });
    closers.push(() => oauth.stop());
    await oauth.login(mcp.url);
    expect(oauth.state).toBe('authorized');
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('You can close this tab');

    const session = createClientSession({
      transport: createStreamableHttpTransport({ url: mcp.url, auth: oauth }),
    });
    closers.push(() => session.close());
    await session.connect();
    const result = await session.callTool('whoami', {});
    const content = result.content[0];
    expect(content?.type === 'text' ? JSON.parse(content.text) : undefined).toMatchObject({
      sub: DEFAULT_ACCOUNT_ID,
      scopes: expect.arrayContaining(['mcp:read']) as unknown,
    });

    // The tokens are in the file, under the client's key, readable by the owner only.
    if (posix) expect(modeOf(file)).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      entries: Record<string, OAuthRecord>;
    };
    expect(Object.keys(stored.entries)).toEqual([oauth.storeKey]);
    expect(stored.entries[oauth.storeKey ?? '']?.tokens).toMatchObject({
      issuer: authServer.issuer,
      resource: mcp.url,
      tokenType: 'bearer',
    });

    // A new client on the same file needs no browser.
    const opened: URL[] = [];
    const again = createOAuthClient({
      grant: {
        type: 'authorization_code',
        redirectUri: redirect.redirectUri,
        userAgent: (request) => {
          opened.push(request.url);
          return Promise.reject(new Error('no browser this time'));
        },
      },
      store: createFileOAuthStore({ path: file }),
    });
    closers.push(() => again.stop());
    const second = createClientSession({
      transport: createStreamableHttpTransport({ url: mcp.url, auth: again }),
    });
    closers.push(() => second.close());
    await second.connect();
    const echo = await second.callTool('echo', { message: 'from the file' });
    expect(echo.content[0]).toMatchObject({ type: 'text', text: 'from the file' });
    expect(opened).toEqual([]);
  });
});
