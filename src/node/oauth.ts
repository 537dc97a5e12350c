/**
 * The Node-only parts of OAuth for a native client (RFC 8252): an {@link OAuthStore} kept in a
 * file readable by its owner only, and a loopback redirect receiver that is the `userAgent` of the
 * authorization code grant: it opens the system browser and catches the redirect back on
 * 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AuthorizationRequest, UserAgent } from '../auth/types.js';
import type { OAuthRecord, OAuthStore } from '../auth/store.js';
import { systemClock, type Clock } from '../core/clock.js';
import { AuthorizationError, InvalidArgumentError, reasonText } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';

// -------------------------------------------------------------------------------------------------
// The file store.

/** The version of the store file's format. */
const STORE_FORMAT = 1;

/** The store file: one record per key. */
interface StoreFile {
  readonly version: typeof STORE_FORMAT;
  readonly entries: Readonly<Record<string, OAuthRecord>>;
}

/**
 * Why an {@link OAuthStoreError} was raised: `corrupt` (the file is not a token store), or `io`
 * (reading, writing or protecting it failed).
 *
 * @example
 * ```ts
 * import type { OAuthStoreFailure } from 'mcp-actors/node';
 *
 * const advice: Record<OAuthStoreFailure, string> = {
 *   corrupt: 'repair the file, or delete it and log in again',
 *   io: 'check the permissions of the file and its folder',
 * };
 * console.log(advice.corrupt);
 * ```
 */
export type OAuthStoreFailure = 'corrupt' | 'io';

/**
 * The file of a {@link createFileOAuthStore} store could not be used: it is not a token store
 * (`corrupt`: it is left as it is, never overwritten), or reading, writing or protecting it failed
 * (`io`, the system error as the cause). The message names the file, never a token.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, OAuthStoreError } from 'mcp-actors/node';
 *
 * const store = createFileOAuthStore();
 * try {
 *   await store.load('https://mcp.example.com/mcp authorization_code');
 * } catch (error) {
 *   if (error instanceof OAuthStoreError && error.reason === 'corrupt') {
 *     console.log(`fix or delete ${error.path}`);
 *   }
 * }
 * ```
 */
export class OAuthStoreError extends Error {
  override name = 'OAuthStoreError';
  /** What went wrong. */
  readonly reason: OAuthStoreFailure;
  /** The store file. */
  readonly path: string;
  constructor(reason: OAuthStoreFailure, file: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.path = file;
  }
}

/**
 * Options of {@link createFileOAuthStore}.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, type FileOAuthStoreOptions } from 'mcp-actors/node';
 *
 * const options: FileOAuthStoreOptions = { path: '/var/lib/my-agent/oauth.json' };
 * const store = createFileOAuthStore(options);
 * console.log(store.path); // /var/lib/my-agent/oauth.json
 * ```
 */
export interface FileOAuthStoreOptions {
  /** The file. Default: {@link defaultOAuthStorePath}. */
  readonly path?: string | undefined;
}

/**
 * An {@link OAuthStore} in a file: {@link createFileOAuthStore}. Every method reads or writes the
 * file, so another store (or process) on the same file sees what this one kept.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, type FileOAuthStore } from 'mcp-actors/node';
 *
 * const store: FileOAuthStore = createFileOAuthStore();
 * const record = await store.load('https://mcp.example.com/mcp authorization_code');
 * console.log(record?.tokens === undefined ? 'not logged in' : `tokens kept in ${store.path}`);
 * ```
 */
export interface FileOAuthStore extends OAuthStore {
  /** The file the records are kept in (absolute). */
  readonly path: string;
  /** The record kept under `key`, read from the file now. */
  load(key: string): Promise<OAuthRecord | undefined>;
  /** Keeps `record` under `key`: rereads the file, replaces the entry, writes it back. */
  save(key: string, record: OAuthRecord): Promise<void>;
  /** Forgets what is kept under `key`. */
  remove(key: string): Promise<void>;
}

/**
 * Where {@link createFileOAuthStore} keeps its file by default:
 * `$XDG_CONFIG_HOME/mcp-actors/oauth.json` when `XDG_CONFIG_HOME` is an absolute path, else
 * `~/.config/mcp-actors/oauth.json`.
 *
 * @param env - The environment to read `XDG_CONFIG_HOME` from. Default: this process's.
 *
 * @example
 * ```ts
 * import { defaultOAuthStorePath } from 'mcp-actors/node';
 *
 * console.log(defaultOAuthStorePath()); // for example /home/ada/.config/mcp-actors/oauth.json
 * ```
 */
export function defaultOAuthStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['XDG_CONFIG_HOME'];
  // The XDG Base Directory spec: a relative path is invalid and is ignored.
  const base =
    configured !== undefined && path.isAbsolute(configured)
      ? configured
      : path.join(homedir(), '.config');
  return path.join(base, 'mcp-actors', 'oauth.json');
}

/** File permissions only mean something off Windows. */
const POSIX = process.platform !== 'win32';

/** Saves to one file, in this process, run one after another: file → the last one queued. */
const queues = new Map<string, Promise<void>>();

/** Runs `task` after every task queued before it for `file` has settled. */
function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => {},
    () => {},
  );
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return result;
}

/** The system error code of a failed file operation (`ENOENT`, `EACCES`), if any. */
function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ioError(file: string, what: string, error: unknown): OAuthStoreError {
  return new OAuthStoreError(
    'io',
    file,
    `Could not ${what} the OAuth token store ${file}: ${reasonText(error)}`,
    error,
  );
}

/**
 * Checks that `target` is a file (or a folder), and removes group and other permissions from it
 * if it has any: 0600 for a file, 0700 for a folder. A missing one is left to be created.
 */
async function tighten(target: string, kind: 'file' | 'folder', file: string): Promise<void> {
  let found;
  try {
    found = await stat(target);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw ioError(file, 'inspect', error);
  }
  if (kind === 'file' ? !found.isFile() : !found.isDirectory()) {
    throw new OAuthStoreError('io', file, `The OAuth token store ${target} is not a ${kind}.`);
  }
  if (!POSIX || (found.mode & 0o077) === 0) return;
  try {
    await chmod(target, kind === 'file' ? 0o600 : 0o700);
  } catch (error) {
    throw ioError(file, `restrict the permissions of ${target} for`, error);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isOptional = (value: unknown, type: 'string' | 'number'): boolean =>
  value === undefined || typeof value === type;

/** Why a stored client is not one, or undefined when it is. */
function clientProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'a client is not an object';
  if (typeof value['clientId'] !== 'string') return 'a client has no clientId';
  if (typeof value['authMethod'] !== 'string') return 'a client has no authMethod';
  if (!isOptional(value['clientSecret'], 'string')) return 'a clientSecret is not a string';
  const uris = value['redirectUris'];
  if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
    return 'a client has no redirectUris list';
  }
  return undefined;
}

/** Why stored tokens are not tokens, or undefined when they are. */
function tokensProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'tokens are not an object';
  for (const name of ['issuer', 'resource', 'accessToken', 'tokenType']) {
    if (typeof value[name] !== 'string') return `tokens have no ${name}`;
  }
  if (!isOptional(value['refreshToken'], 'string')) return 'a refreshToken is not a string';
  if (!isOptional(value['expiresAt'], 'number')) return 'an expiresAt is not a number';
  if (!isOptional(value['scope'], 'string')) return 'a scope is not a string';
  return undefined;
}

/** Why a record is not an {@link OAuthRecord}, or undefined when it is one. */
function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'an entry is not an object';
  const clients = value['clients'];
  if (clients !== undefined) {
    if (!isObject(clients)) return 'clients is not an object';
    for (const client of Object.values(clients)) {
      const problem = clientProblem(client);
      if (problem !== undefined) return problem;
    }
  }
  return value['tokens'] === undefined ? undefined : tokensProblem(value['tokens']);
}

/** The store file's content, checked; throws `corrupt` for anything else. */
function parseStoreFile(text: string, file: string): StoreFile {
  const corrupt = (why: string): OAuthStoreError =>
    new OAuthStoreError(
      'corrupt',
      file,
      `The OAuth token store ${file} is not usable (${why}); it was left as it is. Repair it, or delete it and log in again.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isObject(value) || value['version'] !== STORE_FORMAT || !isObject(value['entries'])) {
    throw corrupt(`not an mcp-actors token store of format ${STORE_FORMAT}`);
  }
  for (const [key, record] of Object.entries(value['entries'])) {
    const problem = recordProblem(record);
    if (problem !== undefined) throw corrupt(`the entry ${JSON.stringify(key)}: ${problem}`);
  }
  return value as unknown as StoreFile;
}

/** Reads the store file (tightening its permissions first); a missing file is an empty store. */
async function readStoreFile(file: string): Promise<StoreFile> {
  await tighten(file, 'file', file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { version: STORE_FORMAT, entries: {} };
    throw ioError(file, 'read', error);
  }
  return parseStoreFile(text, file);
}

/** Creates the file's folder (0700), or tightens it when `tightenExisting`. */
async function ensureFolder(file: string, tightenExisting: boolean): Promise<void> {
  const folder = path.dirname(file);
  let created: string | undefined;
  try {
    created = await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError(file, 'create the folder of', error);
  }
  if (created === undefined && tightenExisting) await tighten(folder, 'folder', file);
}

/**
 * Writes the store file atomically: a new file (0600) in the same folder, flushed, then renamed
 * over the old one, so a reader sees the old content or the new, never a part.
 */
async function writeStoreFile(file: string, content: StoreFile): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw ioError(file, 'write', error);
  }
}

/**
 * An {@link OAuthStore} kept in one JSON file, one entry per key (an MCP server's URL and the
 * client's identity, as the `OAuthClient` computes them), for a command-line or desktop client
 * whose tokens should outlive the process.
 *
 * - The file is created with mode 0600 and its folder with 0700; a file found with wider
 *   permissions is tightened to 0600 when read or written, and so is the default folder. An
 *   existing folder of a `path` you give is left as it is (it may be a shared one).
 * - Every write goes to a new file in the same folder, then is renamed over the old one: a crash
 *   leaves the old content or the new, never a part.
 * - Writes are serialized within the process, across every store on the same file, and each one
 *   rereads the file, so the entries other stores wrote in between are kept. (Two processes that
 *   write at the same instant may still lose one of their writes.)
 * - A file that is not a token store is reported as an {@link OAuthStoreError} with reason
 *   `corrupt`, and never overwritten.
 *
 * @example
 * ```ts
 * import { createClientSession, createOAuthClient, createStreamableHttpTransport } from 'mcp-actors';
 * import { createFileOAuthStore, startLoopbackRedirect } from 'mcp-actors/node';
 *
 * const store = createFileOAuthStore(); // ~/.config/mcp-actors/oauth.json
 * const redirect = await startLoopbackRedirect();
 * const oauth = createOAuthClient({
 *   grant: { type: 'authorization_code', redirectUri: redirect.redirectUri, userAgent: redirect.userAgent },
 *   store,
 * });
 * const transport = createStreamableHttpTransport({ url: 'https://mcp.example.com/mcp', auth: oauth });
 * const session = createClientSession({ transport });
 * await session.connect(); // the next run finds the tokens in the file
 * await redirect.close();
 * ```
 */
export function createFileOAuthStore(options: FileOAuthStoreOptions = {}): FileOAuthStore {
  const file = path.resolve(options.path ?? defaultOAuthStorePath());
  const tightenFolder = options.path === undefined;

  /** Rereads the file, changes one entry, and writes it back, after the writes queued before. */
  const update = (change: (entries: Record<string, OAuthRecord>) => void): Promise<void> =>
    serialized(file, async () => {
      const current = await readStoreFile(file);
      // No prototype: any key is an entry, `__proto__` too.
      const entries = Object.assign(
        Object.create(null) as Record<string, OAuthRecord>,
        current.entries,
      );
      change(entries);
      await ensureFolder(file, tightenFolder);
      await writeStoreFile(file, { version: STORE_FORMAT, entries });
    });

  return {
    path: file,
    async load(key) {
      const { entries } = await readStoreFile(file);
      return Object.hasOwn(entries, key) ? entries[key] : undefined;
    },
    save(key, record) {
      return update((entries) => {
        entries[key] = record;
      });
    },
    remove(key) {
      return update((entries) => {
        delete entries[key];
      });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// The loopback redirect receiver.

/**
 * The default time {@link startLoopbackRedirect} waits for the browser to come back: 5 minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_REDIRECT_TIMEOUT_MS, startLoopbackRedirect } from 'mcp-actors/node';
 *
 * // twice the default, for users who read the consent page carefully
 * const redirect = await startLoopbackRedirect({ timeout: 2 * DEFAULT_REDIRECT_TIMEOUT_MS });
 * await redirect.close();
 * ```
 */
export const DEFAULT_REDIRECT_TIMEOUT_MS = 5 * 60_000;

/**
 * Options of {@link startLoopbackRedirect}.
 *
 * @example
 * ```ts
 * import { startLoopbackRedirect, type LoopbackRedirectOptions } from 'mcp-actors/node';
 *
 * // a fixed port (for a client registered with that redirect URI), the URL printed, no browser
 * const options: LoopbackRedirectOptions = {
 *   port: 8976,
 *   path: '/oauth/callback',
 *   open: false,
 *   print: (url) => console.error(`Open this URL to authorize: ${url.href}`),
 *   timeout: 120_000,
 * };
 * const redirect = await startLoopbackRedirect(options);
 * console.log(redirect.redirectUri); // http://127.0.0.1:8976/oauth/callback
 * await redirect.close();
 * ```
 */
export interface LoopbackRedirectOptions {
  /** The port on 127.0.0.1. Default 0: a free one, chosen by the system. */
  readonly port?: number | undefined;
  /** The path of the redirect URI. Default `/callback`. */
  readonly path?: string | undefined;
  /**
   * Sends the user to the authorization URL. Default: the system browser (`xdg-open`, `open`, or
   * `cmd /c start`, started detached without a shell; if that fails, nothing is said: give `print`
   * too). `false`: do not open anything (`print` shows the URL). A rejection ends the wait with
   * that error.
   */
  readonly open?: ((url: URL) => void | Promise<void>) | false | undefined;
  /** Shows the authorization URL to the user (a terminal line), before the browser opens. */
  readonly print?: ((url: URL) => void) | undefined;
  /** How long to wait for the browser to come back, ms. Default 5 minutes; `Infinity` for no limit. */
  readonly timeout?: number | undefined;
  /** Time (the timeout). Default: the system clock. */
  readonly clock?: Clock | undefined;
}

/**
 * A running loopback redirect receiver ({@link startLoopbackRedirect}).
 *
 * @example
 * ```ts
 * import { createOAuthClient } from 'mcp-actors';
 * import { startLoopbackRedirect, type LoopbackRedirect } from 'mcp-actors/node';
 *
 * const redirect: LoopbackRedirect = await startLoopbackRedirect();
 * const oauth = createOAuthClient({
 *   grant: { type: 'authorization_code', redirectUri: redirect.redirectUri, userAgent: redirect.userAgent },
 * });
 * process.once('exit', () => void redirect.close()); // frees the port
 * console.log(`listening on port ${redirect.port}`, oauth.state);
 * ```
 */
export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port><path>`: the redirect URI to register and to give the grant. */
  readonly redirectUri: string;
  /** The port listened on. */
  readonly port: number;
  /**
   * The authorization code grant's user agent (a {@link UserAgent}): opens the browser, waits for
   * the redirect, and resolves with its full URL.
   */
  readonly userAgent: ((request: AuthorizationRequest) => Promise<URL>) & UserAgent;
  /** Stops listening (frees the port); an authorization still waiting fails. */
  close(): Promise<void>;
}

/** One authorization waiting for its redirect, by `state`. */
interface Waiter {
  resolve(url: URL): void;
  reject(error: Error): void;
}

/** The headers of every page: nothing cached, no referrer (the URL holds a code), no scripts. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'",
  connection: 'close',
} as const;

/** A small HTML page with a heading and one paragraph (fixed texts: nothing from the request). */
function page(title: string, text: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mcp-actors: ${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>${title}</h1>
<p>${text}</p>
</body>
</html>
`;
}

const DONE_PAGE = page(
  'Authorization received',
  'mcp-actors has what it needs. You can close this tab and go back to the terminal.',
);
const REFUSED_PAGE = page(
  'Authorization not granted',
  'The authorization server answered with an error; the terminal says which. You can close this tab.',
);
const UNKNOWN_PAGE = page(
  'Not the authorization in progress',
  'This redirect does not carry the state of an authorization mcp-actors is waiting for. Start again from the terminal.',
);

/** A length of time for messages: `5 minutes`, `90 s`. */
function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${ms / 1000} s`;
}

/** The command that opens `url` in the system browser on this platform. */
function browserCommand(url: string): { command: string; args: string[]; verbatim: boolean } {
  if (process.platform === 'darwin') return { command: 'open', args: [url], verbatim: false };
  if (process.platform === 'win32') {
    // `start` is a cmd builtin; quoted, the URL's `&` are not command separators.
    return { command: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true };
  }
  return { command: 'xdg-open', args: [url], verbatim: false };
}

/** Opens `url` in the system browser, detached, without a shell; failures are ignored. */
function openSystemBrowser(url: URL): void {
  const { command, args, verbatim } = browserCommand(url.href);
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      shell: false,
      windowsVerbatimArguments: verbatim,
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser here: the printed URL is the way.
  }
}

/** Listens on 127.0.0.1 only; rejects with the listen error (a port in use). */
function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts an RFC 8252 loopback redirect receiver: an HTTP server on 127.0.0.1 (never another
 * interface) whose `userAgent` opens the browser on the authorization URL and waits for the
 * authorization server to send the browser back to `redirectUri`.
 *
 * - Only a GET of the path with the `state` of an authorization in progress ends its wait; it is
 *   answered with a page saying the user can close the tab, and the wait resolves with the full
 *   redirect URL. Any other request gets an error page (400 for another `state`) and the wait goes
 *   on. The `Host` must be `127.0.0.1:<port>` or `localhost:<port>` (403 otherwise: DNS rebinding).
 * - The wait ends with an `AuthorizationError` (`user-agent-failed`) on the request's abort, after
 *   `timeout`, or on `close()`.
 * - The server is unref'd: it never keeps the process alive; a wait in progress does, until its
 *   timeout. The same receiver serves any number of authorizations, one after another or at once.
 *
 * @example
 * ```ts
 * import { createOAuthClient } from 'mcp-actors';
 * import { startLoopbackRedirect } from 'mcp-actors/node';
 *
 * const redirect = await startLoopbackRedirect({
 *   print: (url) => console.error(`Opening the browser… (or open ${url.href})`),
 * });
 * const oauth = createOAuthClient({
 *   grant: { type: 'authorization_code', redirectUri: redirect.redirectUri, userAgent: redirect.userAgent },
 * });
 * try {
 *   await oauth.login('https://mcp.example.com/mcp');
 *   console.log('granted:', oauth.scope);
 * } finally {
 *   await redirect.close();
 * }
 * ```
 */
export async function startLoopbackRedirect(
  options: LoopbackRedirectOptions = {},
): Promise<LoopbackRedirect> {
  const callbackPath = options.path ?? '/callback';
  if (!callbackPath.startsWith('/') || /[?#]/.test(callbackPath)) {
    throw new InvalidArgumentError(
      `The redirect path must start with / and have no query or fragment; got ${JSON.stringify(callbackPath)}.`,
    );
  }
  const timeout = options.timeout ?? DEFAULT_REDIRECT_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const waiters = new Map<string, Waiter>();
  let closed = false;

  const server = createServer((req, res) => answer(req, res));
  const port = await listenOnLoopback(server, options.port ?? 0);
  server.unref();
  const origin = `http://127.0.0.1:${port}`;
  const redirectUri = `${origin}${callbackPath}`;

  /** Answers one request to the receiver. */
  function answer(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(403, PAGE_HEADERS).end(page('Forbidden', 'This host name is not served.'));
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== callbackPath) {
      res.writeHead(404, PAGE_HEADERS).end(page('Not found', 'Nothing is served here.'));
      return;
    }
    if (req.method !== 'GET') {
      res
        .writeHead(405, { ...PAGE_HEADERS, allow: 'GET' })
        .end(page('Method not allowed', 'The redirect is a GET.'));
      return;
    }
    const state = url.searchParams.get('state');
    const waiter = state === null ? undefined : waiters.get(state);
    if (state === null || waiter === undefined) {
      res.writeHead(400, PAGE_HEADERS).end(UNKNOWN_PAGE);
      return;
    }
    waiters.delete(state);
    const body = url.searchParams.has('error') ? REFUSED_PAGE : DONE_PAGE;
    // The wait ends once the answer is done with (sent, or the browser went away), so closing
    // the receiver right after does not cut the page off.
    res.once('close', () => waiter.resolve(url));
    res.writeHead(200, PAGE_HEADERS).end(body);
  }

  /** Sends the user to the authorization URL: prints it, opens the browser. */
  async function present(url: URL): Promise<void> {
    options.print?.(url);
    if (options.open === false) return;
    if (options.open === undefined) openSystemBrowser(url);
    else await options.open(url);
  }

  /** The user agent: waits for the redirect that carries `request.state`. */
  function userAgent(request: AuthorizationRequest): Promise<URL> {
    const { state, signal } = request;
    if (closed) {
      return Promise.reject(
        new AuthorizationError(
          'user-agent-failed',
          `The loopback receiver at ${redirectUri} is closed.`,
        ),
      );
    }
    if (request.redirectUri !== redirectUri) {
      return Promise.reject(
        new AuthorizationError(
          'user-agent-failed',
          `The authorization redirects to ${request.redirectUri}, but this receiver listens at ${redirectUri}.`,
        ),
      );
    }
    if (waiters.has(state)) {
      return Promise.reject(
        new AuthorizationError(
          'user-agent-failed',
          'An authorization with this state is already waiting.',
        ),
      );
    }
    return new Promise<URL>((resolve, reject) => {
      let timer: unknown;
      const onAbort = (): void =>
        fail(
          new AuthorizationError(
            'user-agent-failed',
            `The authorization was abandoned before the browser came back: ${clause(reasonText(signal.reason))}.`,
          ),
        );
      const settle = (): void => {
        waiters.delete(state);
        if (timer !== undefined) clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (error: Error): void => {
        settle();
        reject(error);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      waiters.set(state, {
        resolve: (url) => {
          settle();
          resolve(url);
        },
        reject: fail,
      });
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeout !== Infinity) {
        timer = clock.setTimeout(
          () =>
            fail(
              new AuthorizationError(
                'user-agent-failed',
                `No redirect came back to ${redirectUri} within ${duration(timeout)}; the authorization was not completed.`,
              ),
            ),
          timeout,
        );
      }
      present(request.url).catch((error: unknown) => {
        if (waiters.get(state) === undefined) return; // already settled
        fail(
          error instanceof Error
            ? error
            : new AuthorizationError('user-agent-failed', reasonText(error)),
        );
      });
    });
  }

  let closing: Promise<void> | undefined;
  return {
    redirectUri,
    port,
    userAgent,
    close() {
      closing ??= (async () => {
        closed = true;
        const error = new AuthorizationError(
          'user-agent-failed',
          `The loopback receiver at ${redirectUri} was closed before the browser came back.`,
        );
        for (const waiter of [...waiters.values()]) waiter.reject(error);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
