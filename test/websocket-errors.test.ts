import { describe, expect, it } from 'vitest';
import {
  describeCloseCode,
  McpLocalError,
  WebSocketClosedError,
  WebSocketConnectError,
  WebSocketSubprotocolError,
} from '../src/index.js';

/**
 * The WebSocket errors in words, built directly: what each close code means (RFC 6455 §7.4.1, the
 * IANA registry, and the ranges of §7.4.2), and the messages of a socket that closed unasked or
 * did not get the `mcp` subprotocol. The transports that raise them are in websocket.test.ts.
 */

const url = new URL('wss://user:secret@example.com:8443/mcp?token=abc#frag');

describe('describeCloseCode', () => {
  it.each([
    [1000, 'normal closure'],
    [1001, 'the server is going away'],
    [1002, 'protocol error'],
    [1003, 'unsupported data'],
    [1005, 'no status code was given'],
    [1006, 'the connection dropped without a close frame'],
    [1007, 'invalid frame payload data'],
    [1008, 'policy violation'],
    [1009, 'a message was too big'],
    [1010, 'a required extension was not negotiated'],
    [1011, 'the server hit an internal error'],
    [1012, 'the service is restarting'],
    [1013, 'try again later'],
    [1014, 'bad gateway'],
    [1015, 'TLS handshake failure'],
  ])('says what the standard close code %i means: %s', (code, meaning) => {
    expect(describeCloseCode(code)).toBe(meaning);
  });

  it.each([3000, 3001, 3999])('calls %i, in 3000–3999, a registered close code', (code) => {
    expect(describeCloseCode(code)).toBe('a registered close code');
  });

  it.each([4000, 4001, 4999])('calls %i, in 4000–4999, an application close code', (code) => {
    expect(describeCloseCode(code)).toBe('an application close code');
  });

  it.each([0, 999, 1004, 1016, 2999, 5000, 65535])(
    'calls %i, reserved or outside the ranges, an unknown close code',
    (code) => {
      expect(describeCloseCode(code)).toBe('an unknown close code');
    },
  );
});

describe('WebSocketClosedError', () => {
  it('says the WebSocket closed, with the code, its meaning and the server’s reason', () => {
    const error = new WebSocketClosedError(1011, 'database down');
    expect(error).toBeInstanceOf(McpLocalError);
    expect(error).toMatchObject({
      name: 'WebSocketClosedError',
      code: 'TRANSPORT_ERROR',
      closeCode: 1011,
      closeReason: 'database down',
    });
    expect(error.message).toBe(
      'The WebSocket closed with code 1011 (the server hit an internal error): database down.',
    );
  });

  it('ends with one full stop when the reason has its own', () => {
    const error = new WebSocketClosedError(1001, 'Restarting. ');
    expect(error.message).toBe(
      'The WebSocket closed with code 1001 (the server is going away): Restarting.',
    );
    expect(error.closeReason).toBe('Restarting. ');
  });

  it('gives no reason part when the server gave no reason', () => {
    const error = new WebSocketClosedError(1006, '');
    expect(error.message).toBe(
      'The WebSocket closed with code 1006 (the connection dropped without a close frame).',
    );
    expect(error.closeReason).toBe('');
  });

  it('says the client closed it when the client did, over what the server sent', () => {
    const error = new WebSocketClosedError(1009, '', { byClient: true });
    expect(error.message).toBe(
      'The client closed the WebSocket with code 1009 (a message was too big).',
    );
  });

  it('says the WebSocket closed when byClient is false', () => {
    const error = new WebSocketClosedError(4001, 'kicked', { byClient: false });
    expect(error.message).toBe(
      'The WebSocket closed with code 4001 (an application close code): kicked.',
    );
  });

  it('keeps the cause it is given', () => {
    const cause = new Error('socket hang up');
    const error = new WebSocketClosedError(1006, '', { cause, byClient: false });
    expect(error.cause).toBe(cause);
  });

  it('has no cause property when it was given none', () => {
    expect(Object.hasOwn(new WebSocketClosedError(1000, ''), 'cause')).toBe(false);
    expect(Object.hasOwn(new WebSocketClosedError(1007, '', { byClient: true }), 'cause')).toBe(
      false,
    );
  });
});

describe('WebSocketSubprotocolError', () => {
  it('says the server selected another subprotocol, and which, without the URL’s secrets', () => {
    const error = new WebSocketSubprotocolError(url, 'chat');
    expect(error).toBeInstanceOf(WebSocketConnectError);
    expect(error).toMatchObject({
      name: 'WebSocketSubprotocolError',
      code: 'TRANSPORT_ERROR',
      url: 'wss://example.com:8443/mcp',
      selected: 'chat',
    });
    expect(error.message).toBe(
      'Could not open a WebSocket to wss://example.com:8443/mcp: the server must select the WebSocket subprotocol "mcp", and it selected "chat". Is this an MCP WebSocket endpoint?',
    );
  });

  it('says the server selected none when it selected no subprotocol', () => {
    const error = new WebSocketSubprotocolError(url, '');
    expect(error.selected).toBe('');
    expect(error.message).toBe(
      'Could not open a WebSocket to wss://example.com:8443/mcp: the server must select the WebSocket subprotocol "mcp", and it selected none. Is this an MCP WebSocket endpoint?',
    );
  });

  it('says the server did not select it when the WebSocket implementation does not tell what it selected', () => {
    const cause = new Error('Server sent no subprotocol');
    const error = new WebSocketSubprotocolError(url, undefined, { cause });
    expect(error.selected).toBeUndefined();
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'Could not open a WebSocket to wss://example.com:8443/mcp: the server must select the WebSocket subprotocol "mcp", and it did not select it. Is this an MCP WebSocket endpoint?',
    );
  });
});
