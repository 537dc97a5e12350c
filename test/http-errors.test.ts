import { afterEach, describe, expect, it } from 'vitest';
import { McpLocalError, StreamError } from '../src/errors/errors.js';
import {
  describeMessage,
  HttpError,
  isTooLarge,
  jsonTooLarge,
  SessionExpiredError,
  transportClosed,
} from '../src/transports/http/errors.js';
import {
  closeServers,
  initialize,
  legacySession,
  recordingDelay,
  serve,
  sse,
} from './support/scripted-http.js';

/**
 * The errors of the HTTP transports and their texts: `HttpError` for each kind of answer,
 * `SessionExpiredError`, and the shared sentences (a message named, a closed transport, a JSON
 * answer past the cap).
 */

afterEach(async () => {
  await closeServers();
});

describe('HttpError', () => {
  it('says the status, what it answered and the start of the body, trimmed, and keeps the body whole', () => {
    const body = '\n  Log in first.  \n';
    const error = new HttpError(401, 'Unauthorized', body, 'tools/list');
    expect(error).toBeInstanceOf(McpLocalError);
    expect(error).toMatchObject({
      name: 'HttpError',
      code: 'TRANSPORT_ERROR',
      message: 'HTTP 401 Unauthorized for tools/list: Log in first.',
      status: 401,
      body,
      contentType: undefined,
    });
  });

  it('quotes at most 200 characters of a long body', () => {
    const error = new HttpError(500, 'Internal Server Error', ` ${'x'.repeat(300)}`, 'ping');
    expect(error.message).toBe(`HTTP 500 Internal Server Error for ping: ${'x'.repeat(200)}.`);
  });

  it('quotes nothing of a body of blanks', () => {
    const error = new HttpError(502, 'Bad Gateway', ' \n\t ', 'ping');
    expect(error.message).toBe('HTTP 502 Bad Gateway for ping.');
  });

  it('names the Content-Type of an answer that was neither JSON nor an event stream', () => {
    const error = new HttpError(200, 'OK', '', 'request 1 (tools/list)', 'text/html');
    expect(error).toMatchObject({
      message:
        'HTTP 200 for request 1 (tools/list) came with Content-Type "text/html", neither application/json nor text/event-stream.',
      contentType: 'text/html',
    });
  });

  it('says that a 204 or 205 answer had no body, whatever its Content-Type', () => {
    expect(
      new HttpError(204, 'No Content', '', 'GET request 3 (tools/call)', 'text/event-stream')
        .message,
    ).toBe('HTTP 204 No Content for GET request 3 (tools/call), with no body.');
    expect(new HttpError(205, 'Reset Content', '', 'GET request 3 (tools/call)', '').message).toBe(
      'HTTP 205 Reset Content for GET request 3 (tools/call), with no body.',
    );
  });

  it('adds the note after the text', () => {
    const error = new HttpError(400, 'Bad Request', '', 'tools/list', undefined, 'Check the id.');
    expect(error.message).toBe('HTTP 400 Bad Request for tools/list. Check the id.');
  });

  it('fails a request whose stream a resume answered 204 with the event-stream type, saying it had no body', async () => {
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        return void res.writeHead(204, { 'content-type': 'text/event-stream' }).end();
      }
      sse(res).end('id: q-0\nretry: 10\ndata: \n\n');
    });
    const { delay } = recordingDelay();
    const { session } = await legacySession(url, { delay, reconnect: { maxRetries: 2 } });
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^The response stream of request (\d+) \(tools\/call\) ended before its response: 2 attempts to resume it failed, the last with HTTP 204 No Content for GET request \1 \(tools\/call\), with no body/u,
      ) as unknown,
      cause: { status: 204, body: '' },
    });
    expect((error as Error).message).not.toContain('Content-Type');
    await session.close();
  });
});

describe('SessionExpiredError', () => {
  it('keeps why, the session id and the cause, and advises a new session', () => {
    const cause = new Error('initialize refused');
    const error = new SessionExpiredError(
      'renewal-failed',
      'session-1',
      'The session ended.',
      cause,
    );
    expect(error).toMatchObject({
      name: 'SessionExpiredError',
      code: 'TRANSPORT_ERROR',
      reason: 'renewal-failed',
      sessionId: 'session-1',
      message: 'The session ended. Create a new session to reconnect.',
      hint: { text: 'Create a new session to reconnect.' },
      cause,
    });
  });

  it('has no cause when given none', () => {
    const error = new SessionExpiredError('renewal-off', 'session-1', 'The session ended.');
    expect('cause' in error).toBe(false);
  });
});

describe('the shared sentences', () => {
  it('names a request or a notification by its method, and a response as such', () => {
    expect(describeMessage({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBe('tools/list');
    expect(describeMessage({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe(
      'notifications/initialized',
    );
    expect(describeMessage({ jsonrpc: '2.0', id: 1, result: {} })).toBe('a response');
  });

  it('says that the transport is closed', () => {
    expect(transportClosed()).toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The HTTP transport is closed.',
    });
  });

  it('says which JSON answer passed the cap, with the advice to raise it', () => {
    const error = jsonTooLarge('request 4 (tools/list)', 1024);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      message:
        "The JSON answer to request 4 (tools/list) passed 1024 bytes (maxMessageBytes); it was not read further. Raise maxMessageBytes if the server's messages are this large.",
      hint: { option: 'maxMessageBytes' },
    });
  });

  it('tells an answer past the cap from other stream errors', () => {
    expect(isTooLarge(jsonTooLarge('ping', 1))).toBe(true);
    expect(isTooLarge(new StreamError('INVALID_JSON', 'not JSON'))).toBe(false);
    expect(isTooLarge(new Error('too large'))).toBe(false);
  });
});
