import { InvalidArgumentError, reasonText } from '../../errors/errors.js';

/**
 * What the HTTP transports share about `fetch` and its answers: reading a body with a cap, the
 * kind of an answer (JSON, an event stream, through CORS), and telling why a `fetch` failed (with
 * what a page's CORS must admit). Runtime-neutral: web streams only.
 */

/**
 * Reads a body as text, up to `max` bytes; past that the body is cancelled and this throws what
 * `tooLarge` makes.
 */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  tooLarge: () => Error,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      bytes += next.value.length;
      if (bytes > max) throw tooLarge();
      text += decoder.decode(next.value, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * The text of a failure and of the causes beneath it, so that a message says why: `fetch failed:
 * connect ECONNREFUSED 127.0.0.1:3001`, `terminated: other side closed (UND_ERR_SOCKET)`. Each
 * cause adds its message (or, when that is empty, its code) unless already said, and its `code`
 * when the message does not name it.
 */
export function failureText(error: unknown): string {
  let text = reasonText(error);
  const seen = new Set<unknown>([error]);
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current instanceof Error && !seen.has(current) && depth < 5; depth++) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    const piece =
      current.message !== '' ? current.message : typeof code === 'string' ? code : current.name;
    if (!text.includes(piece)) text += `: ${piece}`;
    if (typeof code === 'string' && !text.includes(code)) text += ` (${code})`;
    current = current.cause;
  }
  return text;
}

/**
 * The origin of the page or worker this code runs in; undefined outside a browser (where `fetch`
 * knows no same-origin policy).
 */
function pageOrigin(): string | undefined {
  const scope = globalThis as {
    document?: unknown;
    WorkerGlobalScope?: unknown;
    location?: { origin?: unknown };
  };
  if (scope.document === undefined && scope.WorkerGlobalScope === undefined) return undefined;
  const origin = scope.location?.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/** Whether a request header needs no CORS preflight's consent (the Fetch standard's safelist). */
function safelisted(name: string, value: string): boolean {
  switch (name.toLowerCase()) {
    case 'accept':
    case 'accept-language':
    case 'content-language':
      return true;
    case 'content-type': {
      // Stryker disable next-line OptionalChaining: split() returns at least one element, so [0] is always there
      const type = value.split(';')[0]?.trim().toLowerCase();
      return (
        type === 'text/plain' ||
        type === 'application/x-www-form-urlencoded' ||
        type === 'multipart/form-data'
      );
    }
    // Stryker disable next-line ConditionalExpression: emptied, the default falls out of the switch and returns undefined, as falsy as false
    default:
      return false;
  }
}

/**
 * In a browser, a request to another origin that CORS refuses fails with a bare `TypeError`
 * ("Failed to fetch"); the browser names the reason on its console only. For such a failure, this
 * says what the server's CORS must admit: the page's origin and the request's headers that are not
 * safelisted. Empty outside a browser, for a request to the page's own origin, and for any other
 * error.
 */
export function corsNote(error: unknown, url: URL, headers: Headers): string {
  const origin = pageOrigin();
  if (origin === undefined || url.origin === origin || !(error instanceof TypeError)) return '';
  const needed: string[] = [];
  headers.forEach((value, name) => {
    if (!safelisted(name, value)) needed.push(name);
  });
  return ` (from a page at ${origin}, this is also how a CORS refusal shows, named on the browser console only: the server's CORS must allow that origin${needed.length === 0 ? '' : ` and the request headers ${needed.join(', ')}`})`;
}

/**
 * Whether an answer came from another origin through CORS: then only the headers the server
 * exposes can be read (`Mcp-Session-Id` among them only if it says so).
 */
export function isCorsResponse(response: Response): boolean {
  return (response as { type?: unknown }).type === 'cors';
}

/** Checks a `maxMessageBytes` option. */
export function checkMaxMessageBytes(max: number): number {
  if (!(max > 0)) {
    throw new InvalidArgumentError(
      `maxMessageBytes must be a positive number of bytes; got ${String(max)}.`,
    );
  }
  return max;
}

/** An answer's Content-Type in lower case, empty if it has none. */
function contentType(response: Response): string {
  const type = response.headers.get('content-type');
  // Stryker disable next-line StringLiteral: read only by isSse and isJson, to which any text without their types is alike
  return (type ?? '').toLowerCase();
}

/** Whether an answer is an SSE stream (`text/event-stream`). */
export function isSse(response: Response): boolean {
  return contentType(response).includes('text/event-stream');
}

/** Whether an answer is JSON (`application/json`). */
export function isJson(response: Response): boolean {
  return contentType(response).includes('application/json');
}

/** The error body of an answer, for a person: read up to `max` bytes, empty if unreadable. */
export function errorBody(response: Response, max: number): Promise<string> {
  // Stryker disable next-line ArrowFunction,StringLiteral: what is thrown past max is dropped by the catch below, whatever it is
  const tooLarge = (): Error => new Error('too large');
  return readCappedText(response.body, max, tooLarge).catch(() => '');
}

/** `value` as an `Error`: itself, or an `Error` whose message says what it was. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(reasonText(value));
}

/**
 * Whether a failed `fetch` is a connection reset or closed by the peer before any answer
 * (`ECONNRESET`, `EPIPE`, undici's `UND_ERR_SOCKET`), rather than a refusal or a DNS failure.
 */
export function connectionReset(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true;
    e = e.cause;
  }
  return false;
}
