import { McpLocalError, reasonText } from '../../errors/errors.js';
import { isErrorObject, type JsonRpcMessage, type JsonRpcRequest } from '../../wire/jsonrpc.js';
import {
  describeMessage,
  HIDDEN_SESSION_NOTE,
  HttpError,
  isTooLarge,
  jsonTooLarge,
  transportClosed,
} from './errors.js';
import {
  asError,
  connectionReset,
  corsNote,
  errorBody,
  failureText,
  isJson,
  isSse,
  readCappedText,
} from './fetch-support.js';
import type { SessionRenewal } from './renewal.js';
import {
  follow,
  newStream,
  readStream,
  unresumable,
  type StreamResumer,
  type StreamState,
} from './resumable-stream.js';
import type { HttpSession } from './session.js';

/**
 * One message's POST on Streamable HTTP and its answer: the POST (sent again once on a connection
 * reset before any answer), a refusal (a session the server ended, a JSON-RPC error in an error
 * status, an `HttpError`), and an accepted request's answer, a JSON body or an SSE stream that
 * carries its notifications and then its response, resumed when it breaks. The body streams on
 * after `send()` returns; its end or failure settles the request.
 */

type Id = string | number;

/** What the POST of a message needs of the transport. */
export interface PostLink extends StreamResumer {
  readonly session: HttpSession;
  readonly renewal: Pick<SessionRenewal, 'renewing' | 'unanswered' | 'expire'>;
  /** Every open fetch (POSTs, their streams, GETs), aborted on close. */
  readonly inFlight: Set<AbortController>;
  /** The POST (and stream) of each request still being answered, by request id. */
  readonly byId: Map<Id, AbortController>;
  /** Request `id` cannot be answered: it fails with `error`. */
  lose(id: Id, error: Error): void;
  /** Opens the legacy standalone GET stream, unless it is open, off or of no use. */
  openListening(): void;
}

/**
 * POSTs `message` and takes its answer. `replayed`: sent again after a session renewal (a second
 * 404 then fails it); `resent`: sent again after a connection reset (not again).
 */
export async function post(
  link: PostLink,
  message: JsonRpcMessage,
  replayed: boolean,
  resent = false,
): Promise<void> {
  // Messages wait for a renewal under way: they belong to the new session.
  const renewing = link.renewal.renewing;
  if (renewing !== undefined) await renewing.catch(() => {});
  if (link.closed) throw transportClosed();
  const controller = new AbortController();
  link.inFlight.add(controller);
  const request = 'method' in message && 'id' in message ? message : undefined;
  const requestId = request?.id;
  // A request's entry, which a cancellation finds; forgotten unless a POST sent again took it over.
  let release = (): void => {};
  // Stryker disable next-line ConditionalExpression: an entry under `undefined` is found only by a cancellation without a `requestId`, which the session never sends (its schema requires one); close clears it
  if (requestId !== undefined) {
    link.byId.set(requestId, controller);
    release = () => {
      if (link.byId.get(requestId) === controller) link.byId.delete(requestId);
    };
  }
  const forget = (): void => {
    link.inFlight.delete(controller);
    release();
  };
  const session = link.session;
  const sentSession = session.id;
  let response: Response;
  let headers: Headers | undefined;
  try {
    headers = await session.headers(message, 'POST');
    const doFetch = link.fetch; // called unbound: a page's fetch refuses any other `this`
    response = await doFetch(link.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(message),
      signal: controller.signal,
    });
  } catch (error) {
    forget();
    if (error instanceof McpLocalError) throw error;
    // A kept-alive connection the server closed just as it was reused fails the POST before any
    // answer: sent again once, on a new connection (as browsers do for a reused socket).
    if (!resent && !controller.signal.aborted && !link.closed && connectionReset(error)) {
      link.report({
        type: 'post-resent',
        message: `The connection was reset before any answer to ${describeMessage(message)}; sent it again once.`,
        cause: reasonText(error),
      });
      return post(link, message, replayed, true);
    }
    throw new McpLocalError(
      'TRANSPORT_ERROR',
      `POST for ${describeMessage(message)} failed: ${failureText(error)}${headers === undefined ? '' : corsNote(error, link.url, headers)}`,
      { cause: error },
    );
  }
  session.takeId(response, request?.method === 'initialize');
  if (!response.ok) {
    forget();
    return refused(link, message, response, sentSession, replayed);
  }
  // The server answered in this session: a later 404 in it may be renewed again.
  if (sentSession !== undefined && sentSession === session.id) link.renewal.unanswered = false;
  if (request === undefined) {
    forget();
    await response.body?.cancel().catch(() => {});
    if ('method' in message && message.method === 'notifications/initialized') link.openListening();
    return;
  }
  return accepted(link, request, response, controller, forget);
}

/** A POST answered with an error status: a renewal and the message again, an answer, or a throw. */
async function refused(
  link: PostLink,
  message: JsonRpcMessage,
  response: Response,
  sentSession: string | undefined,
  replayed: boolean,
): Promise<void> {
  const text = await errorBody(response, link.maxBytes);
  const request = 'method' in message && 'id' in message ? message : undefined;
  const modern = link.session.modern;
  // MCP 2025-03-26..2025-11-25: a 404 to a message carrying the session id, whatever its body,
  // means the session has ended.
  if (
    response.status === 404 &&
    sentSession !== undefined &&
    !modern &&
    request?.method !== 'initialize'
  ) {
    const refusal = new HttpError(
      response.status,
      response.statusText,
      text,
      describeMessage(message),
    );
    await link.renewal.expire(sentSession, replayed, refusal);
    // The renewal told the new session itself that the client is initialised.
    if ((message as { method?: unknown }).method === 'notifications/initialized') return;
    return post(link, message, true);
  }
  // A JSON-RPC error in the body answers the request itself (2026: 400 + -32022, 404 + -32601; an
  // id-less error body answers the request this POST carried).
  let parsed: { id?: unknown; error?: unknown } | null | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON: an HTTP error.
  }
  // `null` is JSON too (a number or a string has no `error`).
  if (parsed !== undefined && parsed !== null && isErrorObject(parsed.error)) {
    if (parsed.id !== undefined && parsed.id !== null) {
      link.deliver(parsed, undefined);
      return;
    }
    if (request !== undefined) {
      link.deliver({ ...parsed, jsonrpc: '2.0', id: request.id }, undefined);
      return;
    }
  }
  throw new HttpError(
    response.status,
    response.statusText,
    text,
    describeMessage(message),
    undefined,
    link.session.hiddenId && sentSession === undefined && !modern ? HIDDEN_SESSION_NOTE : undefined,
  );
}

/** A request's 2xx answer: its JSON body or SSE stream is read on after `send()` returns. */
function accepted(
  link: PostLink,
  request: JsonRpcRequest,
  response: Response,
  controller: AbortController,
  forget: () => void,
): Promise<void> | undefined {
  const stream = newStream(request.id, `request ${JSON.stringify(request.id)} (${request.method})`);
  const body = response.body;
  if (response.status === 202 || body === null) {
    forget();
    link.lose(
      request.id,
      new HttpError(response.status, response.statusText, '', `${stream.what}, with no body`),
    );
    return;
  }
  if (!isSse(response) && !isJson(response)) {
    forget();
    return unreadable(link, request.id, response, body, stream.what);
  }
  const consume = isSse(response)
    ? consumeSse(link, request.id, body, stream, controller)
    : consumeJson(link, request.id, response, stream);
  void consume
    .catch((error: unknown) => {
      if (controller.signal.aborted || link.closed) return;
      link.lose(
        request.id,
        new McpLocalError(
          'TRANSPORT_ERROR',
          `Reading the answer to ${stream.what} failed: ${failureText(error)}`,
          { cause: error },
        ),
      );
    })
    .finally(forget);
  return undefined;
}

/** A request answered 2xx with neither JSON nor an event stream: it fails at once. */
async function unreadable(
  link: PostLink,
  id: Id,
  response: Response,
  body: ReadableStream<Uint8Array>,
  what: string,
): Promise<void> {
  await body.cancel().catch(() => {});
  link.lose(
    id,
    new HttpError(
      response.status,
      response.statusText,
      '',
      what,
      response.headers.get('content-type') ?? '',
    ),
  );
}

/** A request's SSE answer: read it, resume it if it breaks, or lose the request at once. */
async function consumeSse(
  link: PostLink,
  id: Id,
  body: ReadableStream<Uint8Array>,
  stream: StreamState,
  controller: AbortController,
): Promise<void> {
  let failure: unknown;
  try {
    await readStream(link, body, stream);
  } catch (error) {
    failure = error;
  }
  if (stream.answered || controller.signal.aborted || link.closed) return;
  if (isTooLarge(failure)) {
    link.lose(id, failure);
    return;
  }
  // MCP 2025-03-26..2025-11-25: a broken stream is resumed with GET + Last-Event-ID; a 2026
  // stream is never resumed (the request is lost, and the server has cancelled it).
  if (!link.session.modern && stream.lastEventId !== undefined && link.policy.maxRetries > 0) {
    const outcome = await follow(
      link,
      stream,
      controller.signal,
      true,
      failure === undefined ? undefined : asError(failure),
    );
    if (outcome.kind === 'answered' || outcome.kind === 'aborted') return;
    link.lose(
      id,
      outcome.kind === 'too-large'
        ? outcome.cause
        : unresumable(stream, outcome, link.policy.maxRetries),
    );
    return;
  }
  link.lose(
    id,
    unresumable(
      stream,
      { kind: 'ended', cause: failure === undefined ? undefined : asError(failure) },
      link.policy.maxRetries,
    ),
  );
}

/** A request's JSON answer: deliver it, or lose the request at once if it is not there. */
async function consumeJson(
  link: PostLink,
  id: Id,
  response: Response,
  stream: StreamState,
): Promise<void> {
  let text: string;
  try {
    text = await readCappedText(response.body, link.maxBytes, () =>
      jsonTooLarge(stream.what, link.maxBytes),
    );
  } catch (error) {
    if (isTooLarge(error)) {
      link.lose(id, error);
      return;
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    link.lose(
      id,
      new McpLocalError(
        'INVALID_JSON',
        `The JSON answer to ${stream.what} is not JSON: ${text.slice(0, 120)}`,
        { cause },
      ),
    );
    return;
  }
  link.deliver(parsed, stream);
  if (!stream.answered) {
    link.lose(
      id,
      new McpLocalError(
        'TRANSPORT_ERROR',
        `The JSON answer to ${stream.what} held no response to it.`,
      ),
    );
  }
}
