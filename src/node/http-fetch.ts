/**
 * `fetch` on `node:http` and `node:https`, for the HTTP transports and authorization in Node.
 *
 * Node's own `fetch` spends about four times the CPU of a `node:http` request on a small JSON
 * exchange (the WHATWG request, response and stream machinery around each call); see
 * docs/benchmarks.md. This one sends the request with `node:http` on kept-alive connections and
 * answers a real `Response` whose body is a web stream over the socket, so the transports read
 * it as they read any `fetch` answer. It does what those callers ask of `fetch`: string, bytes
 * and form bodies, an `AbortSignal` (before and during the body), the three `redirect` modes
 * (following up to 20 redirects, as `fetch` does: 303, and 301/302 after a POST, become a GET;
 * `Authorization` and `Cookie` are not carried to another origin), gzip, deflate and brotli
 * bodies, and failures as `TypeError('fetch failed')` with the socket's error as `cause`. What
 * it does not do itself (a `Request` object as input, a stream, `Blob` or `FormData` body, a
 * scheme other than http and https) goes to the global `fetch` unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * Options of {@link createNodeFetch}.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * import { createNodeFetch, type NodeFetchOptions } from 'mcp-actors/node';
 *
 * // a server whose certificate a private authority signed
 * const options: NodeFetchOptions = {
 *   httpsAgent: new https.Agent({ keepAlive: true, ca: process.env.MCP_CA_PEM }),
 * };
 * const fetch = createNodeFetch(options);
 * ```
 */
export interface NodeFetchOptions {
  /** The agent of `http:` requests. Default: a kept-alive agent of this fetch's own. */
  readonly httpAgent?: http.Agent;
  /** The agent of `https:` requests (TLS options such as `ca` go here). Default: a kept-alive agent of this fetch's own. */
  readonly httpsAgent?: https.Agent;
}

/** A request this fetch sends itself. */
interface Plan {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** A string goes out with the headers in one write; bytes in a second. */
  readonly body: string | Buffer | undefined;
  readonly signal: AbortSignal | undefined;
  readonly redirect: 'follow' | 'manual' | 'error';
  /** How many redirects led here. */
  readonly redirects: number;
}

type Agents = Readonly<Record<'http:' | 'https:', http.Agent>>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const MAX_REDIRECTS = 20;
const STANDARD_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/**
 * A `fetch` for Node on `node:http` and `node:https` with kept-alive connections (see the
 * module's comment for what it does itself and what it leaves to the global `fetch`). Pass it as
 * the `fetch` of an HTTP transport.
 *
 * @example
 * ```ts
 * import { createClientSession, createStreamableHttpTransport } from 'mcp-actors';
 * import { createNodeFetch } from 'mcp-actors/node';
 *
 * const transport = createStreamableHttpTransport({
 *   url: 'http://127.0.0.1:3001/mcp',
 *   fetch: createNodeFetch(),
 * });
 * const session = createClientSession({ transport });
 * await session.connect();
 * ```
 */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const agents: Agents = {
    'http:': options.httpAgent ?? new http.Agent({ keepAlive: true }),
    'https:': options.httpsAgent ?? new https.Agent({ keepAlive: true }),
  };
  const nodeFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const plan = planOf(input, init);
    return plan === undefined ? globalThis.fetch(input, init) : exchange(plan, agents);
  };
  return nodeFetch;
}

/** The request as this fetch sends it; `undefined` for one it leaves to the global `fetch`. */
function planOf(input: string | URL | Request, init: RequestInit | undefined): Plan | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined;
  let url: URL;
  if (input instanceof URL) {
    url = input; // read, never changed
  } else {
    try {
      url = new URL(input);
    } catch {
      return undefined; // the global fetch throws its own TypeError
    }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const redirect = init?.redirect ?? 'follow';
  const given = init?.method ?? 'GET';
  const method = STANDARD_METHODS.has(given.toUpperCase()) ? given.toUpperCase() : given;
  const headers = headersOf(init?.headers);
  if (headers === undefined) return undefined;
  const body = bodyOf(init?.body, headers);
  if (body === null) return undefined;
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) return undefined;
  if (body !== undefined) {
    headers['content-length'] = String(
      typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length,
    );
  }
  return {
    url,
    method,
    headers,
    body,
    signal: init?.signal ?? undefined,
    redirect,
    redirects: 0,
  };
}

/** The request headers as one object, names in lower case; `undefined` for a form not known. */
function headersOf(given: RequestInit['headers']): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const before = out[key];
    out[key] = before === undefined ? value : `${before}, ${value}`;
  };
  if (given === undefined) return out;
  if (given instanceof Headers) {
    given.forEach((value, name) => add(name, value));
  } else if (Array.isArray(given)) {
    for (const pair of given) {
      if (pair.length !== 2) return undefined;
      add(String(pair[0]), String(pair[1]));
    }
  } else if (typeof given === 'object') {
    for (const [name, value] of Object.entries(given)) add(name, String(value));
  } else {
    return undefined;
  }
  return out;
}

/**
 * The request body as text or bytes (`undefined` for none; `null` for a kind left to the global fetch),
 * with the content type `fetch` gives a string or a form when the caller gave none.
 */
function bodyOf(
  body: RequestInit['body'],
  headers: Record<string, string>,
): string | Buffer | undefined | null {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return body;
  }
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body.slice(0));
  if (ArrayBuffer.isView(body)) {
    return Buffer.from(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  }
  return null;
}

/** The abort reason `fetch` rejects with. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** How `fetch` fails for want of an answer: a `TypeError` whose cause says why. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** Sends `plan` and answers its response, following redirects as `plan.redirect` says. */
function exchange(plan: Plan, agents: Agents): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const signal = plan.signal;
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const scheme = plan.url.protocol === 'https:' ? https : http;
    const url = plan.url;
    const request = scheme.request({
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: plan.method,
      headers: plan.headers,
      agent: agents[url.protocol as 'http:' | 'https:'],
    });
    let answered = false;
    const onAbort = (): void => {
      if (answered) return;
      answered = true;
      request.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      if (answered) return;
      answered = true;
      reject(fetchFailed(error));
    });
    request.once('response', (res) => {
      signal?.removeEventListener('abort', onAbort);
      if (answered) {
        res.destroy();
        return;
      }
      answered = true;
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined && plan.redirect !== 'manual') {
        res.resume();
        if (plan.redirect === 'error') {
          reject(fetchFailed(new Error(`unexpected redirect to ${location}`)));
          return;
        }
        const next = redirected(plan, status, location);
        if (next instanceof Error) reject(fetchFailed(next));
        else resolve(exchange(next, agents));
        return;
      }
      try {
        resolve(responseOf(res, plan));
      } catch (error) {
        res.destroy();
        reject(fetchFailed(error));
      }
    });
    if (plan.body === undefined) request.end();
    else request.end(plan.body);
  });
}

/** The request a redirect leads to (fetch's rules), or why it cannot be followed. */
function redirected(plan: Plan, status: number, location: string): Plan | Error {
  if (plan.redirects >= MAX_REDIRECTS) return new Error('redirect count exceeded');
  let url: URL;
  try {
    url = new URL(location, plan.url);
  } catch {
    return new Error(`a redirect to an invalid URL ${JSON.stringify(location)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return new Error(`a redirect to a URL that is not http(s): ${url.href}`);
  }
  const headers = { ...plan.headers };
  let { method, body } = plan;
  // fetch: a 303 (but to HEAD), and a 301 or 302 to a POST, go on as a GET without the body.
  if (
    status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST'
  ) {
    method = 'GET';
    body = undefined;
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language']) {
      delete headers[name];
    }
  }
  if (url.origin !== plan.url.origin) {
    delete headers['authorization'];
    delete headers['cookie'];
    delete headers['proxy-authorization'];
  }
  return { ...plan, url, method, headers, body, redirects: plan.redirects + 1 };
}

/** The `Response` of `res`: its status and headers, and its body as a web stream. */
function responseOf(res: http.IncomingMessage, plan: Plan): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 0;
  let body: ReadableStream<Uint8Array> | null = null;
  if (plan.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) res.resume();
  else body = bodyStream(res, plan.signal);
  const response = new Response(body, {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
  // A constructed Response has no URL; fetch's has the last URL it was fetched from.
  Object.defineProperty(response, 'url', { value: plan.url.href });
  if (plan.redirects > 0) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

/** The decoder of a body's content coding (`undefined` for none or one this does not decode). */
function decoderOf(
  coding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (coding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * The body of `res` as a web stream: read as the reader pulls (the socket pauses meanwhile),
 * decoded when the server compressed it, errored when the connection ends early or the caller's
 * signal aborts, and the connection closed when the reader cancels.
 */
function bodyStream(
  res: http.IncomingMessage,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const decoder = decoderOf(res.headers['content-encoding']);
  const source: NodeJS.ReadableStream = decoder === undefined ? res : res.pipe(decoder);
  let finished = false;
  let onAbort: (() => void) | undefined;
  const finish = (): void => {
    finished = true;
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: unknown): void => {
        if (finished) return;
        finish();
        controller.error(error);
      };
      source.on('data', (chunk: Buffer) => {
        if (finished) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.once('end', () => {
        if (finished) return;
        finish();
        controller.close();
      });
      source.once('error', (error) => fail(new TypeError('terminated', { cause: error })));
      if (decoder !== undefined) {
        res.once('error', (error) => decoder.destroy(error));
      }
      res.once('close', () => {
        if (!res.complete)
          fail(new TypeError('terminated', { cause: new Error('other side closed') }));
      });
      if (signal !== undefined) {
        onAbort = () => {
          fail(abortReason(signal));
          res.destroy();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    },
    pull() {
      source.resume();
    },
    cancel() {
      finish();
      res.destroy();
    },
  });
}
