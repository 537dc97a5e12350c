import type { Clock } from '../core/clock.js';
import { AuthorizationError, McpLocalError } from '../errors/errors.js';

/**
 * The HTTP calls of an OAuth flow (metadata, registration, token requests): each has a timeout
 * and a cap on the size of its answer, follows no redirect (oauth4webapi asks for `manual`), and
 * goes only to `https:` or to plain `http:` on a loopback address.
 */

/** Default time one authorization HTTP call may take, ms. */
export const DEFAULT_AUTH_TIMEOUT_MS = 30_000;
/** Default cap on the size of one authorization HTTP answer, bytes. */
export const DEFAULT_AUTH_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Whether a host name is a loopback address (RFC 8252 §8.3 counts `localhost` too). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses a URL an OAuth client must not talk to: anything but `https:`, and plain `http:` off a
 * loopback address (OAuth 2.1 §1.5; MCP basic/authorization, communication security).
 */
export function checkEndpoint(url: URL, what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new AuthorizationError(
    'insecure-endpoint',
    `The ${what} ${url.origin}${url.pathname} is not https (plain http is allowed only on a loopback address).`,
    { actual: url.href },
  );
}

/** What a bounded fetch needs. */
export interface BoundedFetchOptions {
  readonly fetch: typeof fetch;
  readonly timeout: number;
  readonly maxResponseBytes: number;
  readonly clock: Clock;
}

/**
 * A `fetch` for authorization calls: refuses insecure URLs, aborts after `timeout`, and reads the
 * whole answer up to `maxResponseBytes` (a larger one fails) so that no body is left streaming.
 */
export function boundedFetch(options: BoundedFetchOptions): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    checkEndpoint(url, 'authorization endpoint');
    const controller = new AbortController();
    const outer = init?.signal ?? undefined;
    const onAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted === true) controller.abort(outer.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = options.clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, options.timeout);
    const what = `${(init?.method ?? 'GET').toUpperCase()} ${url.origin}${url.pathname}`;
    try {
      const response = await options.fetch(input, { ...init, signal: controller.signal });
      const body = await readCapped(response, options.maxResponseBytes, what);
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (error) {
      if (error instanceof McpLocalError) throw error;
      if (timedOut) {
        throw new McpLocalError(
          'TRANSPORT_ERROR',
          `${what} took longer than ${options.timeout} ms.`,
        );
      }
      throw error;
    } finally {
      options.clock.clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  };
}

async function readCapped(
  response: Response,
  max: number,
  what: string,
): Promise<Uint8Array | null> {
  if (response.body === null) return null;
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await response.body.cancel().catch(() => {});
    throw tooLarge(what, max);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(what, max);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

function tooLarge(what: string, max: number): AuthorizationError {
  return new AuthorizationError(
    'invalid-response',
    `The answer to ${what} is larger than ${max} bytes; refused.`,
  );
}
