/**
 * The loopback redirect receiver (RFC 8252) that is the `userAgent` of the authorization code
 * grant for a native client: an HTTP server on 127.0.0.1 that opens the system browser on the
 * authorization URL and catches the redirect back, matched to its authorization by `state`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizationRequest, UserAgent } from '../../auth/types.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { AuthorizationError, InvalidArgumentError, reasonText } from '../../errors/errors.js';
import { clause } from '../../errors/sentences.js';
import { openSystemBrowser } from './browser.js';
import { DONE_PAGE, page, PAGE_HEADERS, REFUSED_PAGE, UNKNOWN_PAGE } from './pages.js';

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

/** A length of time for messages: `5 minutes`, `90 s`. */
function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${ms / 1000} s`;
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
  const server = createServer();
  const port = await listenOnLoopback(server, options.port ?? 0);
  server.unref();
  const receiver = new LoopbackReceiver(server, port, callbackPath, options);
  // Attached before any request can come in: nothing runs between listening and here.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => receiver.answer(req, res));
  return {
    redirectUri: receiver.redirectUri,
    port,
    userAgent: (request) => receiver.userAgent(request),
    close: () => receiver.close(),
  };
}

/** The receiver listening: its waits, by `state`, and its answers to the browser. */
class LoopbackReceiver {
  readonly redirectUri: string;
  readonly #server: Server;
  readonly #port: number;
  readonly #origin: string;
  readonly #path: string;
  readonly #options: LoopbackRedirectOptions;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #waiters = new Map<string, Waiter>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    server: Server,
    port: number,
    callbackPath: string,
    options: LoopbackRedirectOptions,
  ) {
    this.#server = server;
    this.#port = port;
    this.#path = callbackPath;
    this.#options = options;
    this.#timeout = options.timeout ?? DEFAULT_REDIRECT_TIMEOUT_MS;
    this.#clock = options.clock ?? systemClock;
    this.#origin = `http://127.0.0.1:${port}`;
    this.redirectUri = `${this.#origin}${callbackPath}`;
  }

  /** Answers one request to the receiver. */
  answer(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host;
    if (host !== `127.0.0.1:${this.#port}` && host !== `localhost:${this.#port}`) {
      res.writeHead(403, PAGE_HEADERS).end(page('Forbidden', 'This host name is not served.'));
      return;
    }
    const url = new URL(req.url ?? '/', this.#origin);
    if (url.pathname !== this.#path) {
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
    const waiter = state === null ? undefined : this.#waiters.get(state);
    if (state === null || waiter === undefined) {
      res.writeHead(400, PAGE_HEADERS).end(UNKNOWN_PAGE);
      return;
    }
    this.#waiters.delete(state);
    const body = url.searchParams.has('error') ? REFUSED_PAGE : DONE_PAGE;
    // The wait ends once the answer is done with (sent, or the browser went away), so closing
    // the receiver right after does not cut the page off.
    res.once('close', () => waiter.resolve(url));
    res.writeHead(200, PAGE_HEADERS).end(body);
  }

  /** The user agent: waits for the redirect that carries `request.state`. */
  userAgent(request: AuthorizationRequest): Promise<URL> {
    const refused = (message: string): Promise<never> =>
      Promise.reject(new AuthorizationError('user-agent-failed', message));
    if (this.#closed) return refused(`The loopback receiver at ${this.redirectUri} is closed.`);
    if (request.redirectUri !== this.redirectUri) {
      return refused(
        `The authorization redirects to ${request.redirectUri}, but this receiver listens at ${this.redirectUri}.`,
      );
    }
    if (this.#waiters.has(request.state)) {
      return refused('An authorization with this state is already waiting.');
    }
    return this.#wait(request);
  }

  /** Sends the user to the authorization URL, and waits for the browser to come back. */
  #wait(request: AuthorizationRequest): Promise<URL> {
    const { state, signal } = request;
    const waiters = this.#waiters;
    const clock = this.#clock;
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
      if (this.#timeout !== Infinity)
        timer = clock.setTimeout(() => fail(this.#late()), this.#timeout);
      this.#present(request.url).catch((error: unknown) => {
        if (waiters.get(state) === undefined) return; // already settled
        fail(
          error instanceof Error
            ? error
            : new AuthorizationError('user-agent-failed', reasonText(error)),
        );
      });
    });
  }

  /** The error of a wait that timed out. */
  #late(): AuthorizationError {
    return new AuthorizationError(
      'user-agent-failed',
      `No redirect came back to ${this.redirectUri} within ${duration(this.#timeout)}; the authorization was not completed.`,
    );
  }

  /** Sends the user to the authorization URL: prints it, opens the browser. */
  async #present(url: URL): Promise<void> {
    this.#options.print?.(url);
    if (this.#options.open === false) return;
    if (this.#options.open === undefined) openSystemBrowser(url);
    else await this.#options.open(url);
  }

  /** Stops listening (frees the port); the waits in progress fail. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      const error = new AuthorizationError(
        'user-agent-failed',
        `The loopback receiver at ${this.redirectUri} was closed before the browser came back.`,
      );
      for (const waiter of [...this.#waiters.values()]) waiter.reject(error);
      this.#server.closeAllConnections();
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    })();
    return this.#closing;
  }
}
