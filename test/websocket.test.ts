import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport as SdkTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WsWebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { z } from 'zod';
import {
  ConnectionClosedError,
  createClientSession,
  createWebSocketTransport,
  InvalidArgumentError,
  StreamError,
  WebSocketClosedError,
  WebSocketConnectError,
  WebSocketSubprotocolError,
  type ClientSession,
  type Clock,
  type ConnectionState,
  type JsonRpcMessage,
  type SessionMessage,
  type TransportHandlers,
  type WebSocketConstructor,
} from '../src/index.js';
import { createNodeWebSocketTransport } from '../src/node/index.js';

/**
 * The WebSocket transports against a real `ws` server on 127.0.0.1: a hand-written MCP responder
 * (both eras), the official SDK's McpServer behind a small server-side transport, and scripted
 * faults (binary and non-JSON frames, close codes, refused upgrades, a wrong subprotocol). Every
 * wait is on an event or a promise.
 */

// ---------------------------------------------------------------------------------------------
// The server side.

interface Frame {
  readonly binary: boolean;
  readonly text: string;
}

/** One connection as the server sees it. */
interface Peer {
  readonly socket: WsWebSocket;
  readonly request: IncomingMessage;
  readonly frames: Frame[];
  /** Settles with the close code and reason the server saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

interface Listening {
  readonly url: string;
  readonly server: WebSocketServer;
  readonly peers: Peer[];
  /** Resolves with the next connection (or the one already made and not yet taken). */
  nextPeer(): Promise<Peer>;
}

const servers: WebSocketServer[] = [];
const netServers: Server[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const server of netServers.splice(0)) {
    await new Promise<void>((resolve) =>
      server.listening ? server.close(() => resolve()) : resolve(),
    );
  }
});

/** A ws server on 127.0.0.1 with the `mcp` subprotocol (unless options say otherwise). */
async function listen(
  onConnection: (peer: Peer) => void,
  options: Omit<ServerOptions, 'host' | 'port'> = {},
): Promise<Listening> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => (offered.has('mcp') ? 'mcp' : false),
    ...options,
  });
  servers.push(server);
  const peers: Peer[] = [];
  const waiting: ((peer: Peer) => void)[] = [];
  let taken = 0;
  server.on('connection', (socket, request) => {
    const frames: Frame[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    socket.on('message', (data, isBinary) => {
      frames.push({ binary: isBinary, text: isBinary ? '' : rawText(data) });
    });
    const peer: Peer = { socket, request, frames, closed };
    peers.push(peer);
    onConnection(peer);
    const next = waiting.shift();
    if (next !== undefined) {
      taken++;
      next(peer);
    }
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/mcp`,
    server,
    peers,
    nextPeer: () =>
      new Promise<Peer>((resolve) => {
        const ready = peers[taken];
        if (ready !== undefined) {
          taken++;
          resolve(ready);
        } else waiting.push(resolve);
      }),
  };
}

function rawText(data: WsWebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

const STAMP = 'io.modelcontextprotocol/protocolVersion';

/**
 * A hand-written MCP responder, both eras. Tools: `echo` (progress when asked, then its text),
 * `noise` (a binary frame and a non-JSON frame before its answer), `hang` (no answer), `crash`
 * (closes the connection with 1011).
 */
function responder(peer: Peer): void {
  const send = (message: unknown): void => peer.socket.send(JSON.stringify(message));
  peer.socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const rpc = JSON.parse(rawText(data)) as {
      id?: string | number;
      method?: string;
      params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
    };
    if (rpc.id === undefined || rpc.method === undefined) return;
    const modern = typeof rpc.params?._meta?.[STAMP] === 'string';
    const reply = (result: Record<string, unknown>): void =>
      send({
        jsonrpc: '2.0',
        id: rpc.id,
        result: modern ? { resultType: 'complete', ...result } : result,
      });
    switch (rpc.method) {
      case 'initialize':
        reply({
          protocolVersion: rpc.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'ws-responder', version: '1.0.0' },
        });
        return;
      case 'server/discover':
        reply({
          supportedVersions: ['2026-07-28'],
          capabilities: { tools: {} },
          ttlMs: 0,
          cacheScope: 'public',
          _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'ws-responder', version: '2' } },
        });
        return;
      case 'tools/list':
        reply({
          tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
          ...(modern ? { ttlMs: 0, cacheScope: 'public' } : {}),
        });
        return;
      case 'tools/call': {
        const name = rpc.params?.name;
        const token = rpc.params?._meta?.progressToken;
        if (name === 'hang') return;
        if (name === 'crash') {
          peer.socket.close(1011, 'database down');
          return;
        }
        if (name === 'noise') {
          peer.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
          peer.socket.send('this is not json');
        }
        if (token !== undefined) {
          for (const progress of [1, 2]) {
            send({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken: token, progress, total: 2 },
            });
          }
        }
        const text = (rpc.params?.arguments as { text?: string } | undefined)?.text ?? '';
        reply({ content: [{ type: 'text', text }] });
        return;
      }
      default:
        send({
          jsonrpc: '2.0',
          id: rpc.id,
          error: { code: -32601, message: `Method not found: ${rpc.method}` },
        });
    }
  });
}

/** The official SDK's server, over one server-side ws connection. */
class SdkServerTransport implements SdkTransport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  readonly #socket: WsWebSocket;
  constructor(socket: WsWebSocket) {
    this.#socket = socket;
  }
  start(): Promise<void> {
    this.#socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onmessage?.(JSON.parse(rawText(data)) as JSONRPCMessage);
    });
    this.#socket.on('close', () => this.onclose?.());
    this.#socket.on('error', (error) => this.onerror?.(error));
    return Promise.resolve();
  }
  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve()));
    });
  }
  close(): Promise<void> {
    this.#socket.close(1000);
    return Promise.resolve();
  }
}

function sdkServer(peer: Peer): void {
  const server = new McpServer({ name: 'sdk-over-ws', version: '1.32.2' });
  server.registerTool(
    'echo',
    { description: 'Answers its text, with progress', inputSchema: { text: z.string() } },
    async ({ text }, extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        for (const progress of [1, 2]) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress, total: 2 },
          });
        }
      }
      return { content: [{ type: 'text', text: `echo: ${text}` }] };
    },
  );
  void server.connect(new SdkServerTransport(peer.socket));
}

// ---------------------------------------------------------------------------------------------
// Client-side helpers.

/** Resolves once the session is in `state` (at once if it already is). */
function reached(session: ClientSession, state: ConnectionState): Promise<void> {
  return new Promise((resolve) => {
    if (session.state === state) {
      resolve();
      return;
    }
    const stop = session.onStateChange((s) => {
      if (s === state) {
        stop();
        resolve();
      }
    });
  });
}

/** Handlers that record what a transport reports. */
function recorder(): TransportHandlers & {
  messages: unknown[];
  errors: Error[];
  closes: (Error | undefined)[];
  closedOnce: Promise<Error | undefined>;
} {
  const messages: unknown[] = [];
  const errors: Error[] = [];
  const closes: (Error | undefined)[] = [];
  let done: (reason: Error | undefined) => void = () => {};
  const closedOnce = new Promise<Error | undefined>((resolve) => {
    done = resolve;
  });
  return {
    messages,
    errors,
    closes,
    closedOnce,
    message: (m) => messages.push(m),
    error: (e) => errors.push(e),
    closed: (reason) => {
      closes.push(reason);
      done(reason);
    },
  };
}

/** A port with nothing listening on it: one a server just gave back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  netServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a function threw (undefined if it returned). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const ping: JsonRpcMessage = { jsonrpc: '2.0', id: 1, method: 'ping' };

/** Every frame the client wrote was text holding exactly one JSON-RPC message, unframed. */
function expectOneMessagePerTextFrame(frames: readonly Frame[]): void {
  expect(frames.length).toBeGreaterThan(0);
  for (const frame of frames) {
    expect(frame.binary).toBe(false);
    expect(frame.text.endsWith('\n')).toBe(false);
    const parsed: unknown = JSON.parse(frame.text);
    expect(Array.isArray(parsed)).toBe(false);
    expect(parsed).toMatchObject({ jsonrpc: '2.0' });
  }
}

// ---------------------------------------------------------------------------------------------

describe('WebSocket transport (ws, mcp-actors/node): sessions', () => {
  it('runs a legacy session against the official SDK server: mcp subprotocol, headers, tools, progress, clean close', async () => {
    const { url, nextPeer } = await listen(sdkServer);
    const transport = createNodeWebSocketTransport({ url, headers: { 'x-app': 'test' } });
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    const peer = await nextPeer();
    expect(peer.request.headers['sec-websocket-protocol']).toBe('mcp');
    expect(peer.request.headers['x-app']).toBe('test');
    expect(transport.protocol).toBe('mcp');
    expect(peer.socket.protocol).toBe('mcp');
    expect(session.serverInfo).toMatchObject({ name: 'sdk-over-ws' });

    const { tools } = await session.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo']);
    const progress: number[] = [];
    await expect(
      session.callTool('echo', { text: 'hi' }, { onProgress: (p) => progress.push(p.progress) }),
    ).resolves.toMatchObject({ content: [{ type: 'text', text: 'echo: hi' }] });
    expect(progress).toEqual([1, 2]);

    await session.close();
    expect(transport.state).toBe('closed');
    await expect(peer.closed).resolves.toMatchObject({ code: 1000 });
    expectOneMessagePerTextFrame(peer.frames);
    expect(peer.frames.map((f) => (JSON.parse(f.text) as { method?: string }).method)).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/list',
      'tools/call',
    ]);
  });

  it('runs a 2026-07-28 session (modern mode): discover, tools, progress, clean close', async () => {
    const { url, nextPeer } = await listen(responder);
    const transport = createNodeWebSocketTransport({ url });
    const session = createClientSession({ transport, mode: 'modern' });
    await expect(session.connect()).resolves.toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    const peer = await nextPeer();
    await expect(session.listTools()).resolves.toMatchObject({ tools: [{ name: 'echo' }] });
    const progress: number[] = [];
    await expect(
      session.callTool('echo', { text: 'now' }, { onProgress: (p) => progress.push(p.progress) }),
    ).resolves.toMatchObject({ content: [{ text: 'now' }] });
    expect(progress).toEqual([1, 2]);
    await session.close();
    await expect(peer.closed).resolves.toMatchObject({ code: 1000 });
    expectOneMessagePerTextFrame(peer.frames);
    const first = JSON.parse(peer.frames[0]?.text ?? '{}') as {
      method?: string;
      params?: { _meta?: Record<string, unknown> };
    };
    expect(first.method).toBe('server/discover');
    expect(first.params?._meta?.[STAMP]).toBe('2026-07-28');
  });

  it('offers extra subprotocols after mcp, and the server still selects mcp', async () => {
    const { url, nextPeer } = await listen(responder);
    const transport = createNodeWebSocketTransport({ url, protocols: ['token.abc', 'mcp'] });
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    const peer = await nextPeer();
    expect(peer.request.headers['sec-websocket-protocol']).toBe('mcp,token.abc');
    expect(transport.protocol).toBe('mcp');
    await session.close();
  });
});

describe('WebSocket transport: opening faults', () => {
  it('fails to connect with a typed error when the server selects another subprotocol, leaving nothing open', async () => {
    expect.assertions(5);
    const { url, nextPeer } = await listen(responder, { handleProtocols: () => 'chat' });
    const transport = createNodeWebSocketTransport({ url });
    const session = createClientSession({ transport, mode: 'legacy' });
    const peer = nextPeer();
    await expect(session.connect()).rejects.toMatchObject({
      name: 'WebSocketSubprotocolError',
      code: 'TRANSPORT_ERROR',
      selected: 'chat',
    });
    // The server had upgraded its side; the client's refusal closed it.
    await expect((await peer).closed).resolves.toMatchObject({ code: 1006 });
    await reached(session, 'closed');
    expect(session.state).toBe('closed');
    expect(transport.state).toBe('closed');
    await expect(session.close()).resolves.toBeUndefined();
  });

  it('fails to connect when the server selects no subprotocol', async () => {
    const { url } = await listen(responder, { handleProtocols: () => false });
    const transport = createNodeWebSocketTransport({ url });
    const error: unknown = await transport.start(recorder()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketSubprotocolError);
    expect(error).toMatchObject({ selected: '' });
    expect((error as Error).message).toMatch(/selected none/);
  });

  it('reports the HTTP status and body when the upgrade is refused, and connects with the credential', async () => {
    const { url } = await listen(responder, {
      verifyClient: (info, done) => {
        if (info.req.headers.authorization === 'Bearer good') done(true);
        else done(false, 401, 'missing token');
      },
    });
    const refused = createClientSession({
      transport: createNodeWebSocketTransport({ url }),
      mode: 'legacy',
    });
    const error: unknown = await refused.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketConnectError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', status: 401, body: 'missing token' });
    expect((error as Error).message).toMatch(/HTTP 401 Unauthorized: missing token/);
    await reached(refused, 'closed');

    const allowed = createClientSession({
      transport: createNodeWebSocketTransport({
        url,
        headers: { authorization: 'Bearer good' },
      }),
      mode: 'legacy',
    });
    await expect(allowed.connect()).resolves.toMatchObject({ era: 'legacy' });
    await allowed.close();
  });

  it('asks its authorizer for the handshake headers each time it opens, with both constructors', async () => {
    const { url } = await listen(responder, {
      verifyClient: (info, done) => {
        if (info.req.headers.authorization === 'Bearer fresh') done(true);
        else done(false, 401, 'missing token');
      },
    });
    const asked: string[] = [];
    const authorize = ({ url: target }: { url: URL }) => {
      asked.push(target.href);
      return Promise.resolve({ authorization: 'Bearer fresh' });
    };
    for (const transport of [
      createNodeWebSocketTransport({ url, authorize }),
      createWebSocketTransport({ url, WebSocket: WsWebSocket, authorize }),
    ]) {
      const session = createClientSession({ transport, mode: 'legacy' });
      await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
      await session.close();
    }
    expect(asked).toEqual([url, url]);
  });

  it('fails with a typed error when the connection is refused', async () => {
    const port = await closedPort();
    const transport = createNodeWebSocketTransport({ url: `ws://127.0.0.1:${port}/mcp` });
    const handlers = recorder();
    const error: unknown = await transport.start(handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketConnectError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', status: undefined });
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    // The transport is over, and says so once.
    expect(handlers.closes).toEqual([error]);
    expect(transport.state).toBe('closed');
    await expect(transport.close()).resolves.toBeUndefined();
    expect(handlers.closes).toHaveLength(1);
  });

  it('close() while the handshake is held open by the server fails start() and reports a clean close once', async () => {
    let verifying: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      verifying = resolve;
    });
    let answer: ((ok: boolean, status?: number) => void) | undefined;
    const { url } = await listen(responder, {
      // Answers only at the end: the handshake stays open until the client gives up.
      verifyClient: (_info, done) => {
        answer = done;
        verifying();
      },
    });
    const transport = createNodeWebSocketTransport({ url });
    const handlers = recorder();
    const started = transport.start(handlers);
    await held;
    expect(transport.state).toBe('connecting');
    const closing = transport.close();
    await expect(started).rejects.toMatchObject({
      name: 'WebSocketConnectError',
      message: expect.stringMatching(/closed while connecting/) as unknown,
    });
    await closing;
    expect(handlers.closes).toEqual([undefined]);
    answer?.(false, 503); // lets the server drop its half of the abandoned handshake
  });

  it('close() before the ws module has loaded makes no socket at all', async () => {
    const { url, peers } = await listen(responder);
    const transport = createNodeWebSocketTransport({ url });
    const handlers = recorder();
    const started = transport.start(handlers);
    await transport.close();
    await expect(started).rejects.toBeInstanceOf(WebSocketConnectError);
    expect(handlers.closes).toEqual([undefined]);
    expect(peers).toHaveLength(0);
  });
});

describe('WebSocket transport: stream exceptions and closes', () => {
  it('reports a binary frame and a non-JSON frame to the message handler, and the session goes on', async () => {
    const { url } = await listen(responder);
    const exceptions: Error[] = [];
    let seenBoth: () => void = () => {};
    const both = new Promise<void>((resolve) => {
      seenBoth = resolve;
    });
    const session = createClientSession({
      transport: createNodeWebSocketTransport({ url }),
      mode: 'legacy',
      messageHandler: (m: SessionMessage) => {
        if (m.type !== 'exception') return;
        exceptions.push(m.error);
        if (exceptions.length === 2) seenBoth();
      },
    });
    await session.connect();
    await expect(session.callTool('noise', { text: 'after' })).resolves.toMatchObject({
      content: [{ text: 'after' }],
    });
    await both;
    expect(exceptions[0]).toBeInstanceOf(StreamError);
    expect(exceptions[0]).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(exceptions[0]?.message).toMatch(/binary frame arrived \(4 bytes\)/);
    expect(exceptions[1]).toMatchObject({ code: 'INVALID_JSON' });
    expect(exceptions[1]?.message).toMatch(/this is not json/);
    expect(session.state).toBe('ready');
    await expect(session.listTools()).resolves.toMatchObject({ tools: [{ name: 'echo' }] });
    await session.close();
  });

  it('rejects a pending request with the close code when the server closes with 1011, and the session ends', async () => {
    const { url } = await listen(responder);
    const session = createClientSession({
      transport: createNodeWebSocketTransport({ url }),
      mode: 'legacy',
    });
    await session.connect();
    const pending = session.callTool('hang');
    const error: unknown = await session.callTool('crash').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toBeInstanceOf(WebSocketClosedError);
    expect((error as Error).cause).toMatchObject({
      code: 'TRANSPORT_ERROR',
      closeCode: 1011,
      closeReason: 'database down',
    });
    await expect(pending).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: { closeCode: 1011 },
    });
    await reached(session, 'closed');
    await expect(session.listTools()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it.each([
    [1001, 'going away'],
    [1002, 'protocol error'],
    [1003, 'unsupported data'],
    [1007, 'invalid frame payload data'],
    [1008, 'policy violation'],
    [1011, 'internal error'],
    [1013, 'try again later'],
    [4001, 'application close code'],
  ])('maps a server close with %i to a WebSocketClosedError (%s)', async (code, meaning) => {
    const { url, nextPeer } = await listen(() => {});
    const transport = createNodeWebSocketTransport({ url });
    const handlers = recorder();
    await transport.start(handlers);
    (await nextPeer()).socket.close(code, 'bye');
    const reason = await handlers.closedOnce;
    expect(reason).toBeInstanceOf(WebSocketClosedError);
    expect(reason).toMatchObject({ closeCode: code, closeReason: 'bye' });
    expect(reason?.message).toContain(meaning);
    expect(handlers.closes).toHaveLength(1);
  });

  it('maps a dropped connection to 1006 and a server close with 1000 to a clean end', async () => {
    const { url, nextPeer } = await listen(() => {});
    const dropped = createNodeWebSocketTransport({ url });
    const droppedHandlers = recorder();
    await dropped.start(droppedHandlers);
    (await nextPeer()).socket.terminate();
    await expect(droppedHandlers.closedOnce).resolves.toMatchObject({ closeCode: 1006 });

    const clean = createNodeWebSocketTransport({ url });
    const cleanHandlers = recorder();
    await clean.start(cleanHandlers);
    (await nextPeer()).socket.close(1000);
    await expect(cleanHandlers.closedOnce).resolves.toBeUndefined();
    expect(cleanHandlers.closes).toEqual([undefined]);
  });

  it('closes a message larger than maxMessageBytes with 1009', async () => {
    const { url, nextPeer } = await listen(() => {});
    const transport = createNodeWebSocketTransport({ url, maxMessageBytes: 1024 });
    const handlers = recorder();
    await transport.start(handlers);
    (await nextPeer()).socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'x'.repeat(2000) }));
    await expect(handlers.closedOnce).resolves.toMatchObject({ closeCode: 1009 });
    expect(handlers.messages).toEqual([]);
  });

  it('close() sends 1000, resolves once closed, is safe twice, and reports closed exactly once', async () => {
    const { url, nextPeer } = await listen(() => {});
    const transport = createNodeWebSocketTransport({ url });
    const handlers = recorder();
    expect(thrown(() => transport.send(ping))).toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('not started') as unknown,
    });
    await transport.start(handlers);
    const peer = await nextPeer();
    await transport.send(ping);
    const first = transport.close();
    const second = transport.close();
    await Promise.all([first, second]);
    expect(transport.state).toBe('closed');
    expect(handlers.closes).toEqual([undefined]);
    await expect(peer.closed).resolves.toMatchObject({ code: 1000 });
    await transport.close();
    expect(handlers.closes).toEqual([undefined]);
    expect(thrown(() => transport.send(ping))).toBeInstanceOf(ConnectionClosedError);
    expect(peer.frames.map((f) => f.text)).toEqual([JSON.stringify(ping)]);
  });
  it('works through its methods taken apart from it (a transport wrapped as a plain object)', async () => {
    const { url, nextPeer } = await listen(() => {});
    const { start, send, close } = createNodeWebSocketTransport({ url });
    const handlers = recorder();
    await start(handlers);
    const peer = await nextPeer();
    await send(ping);
    await close();
    expect(handlers.closes).toEqual([undefined]);
    await expect(peer.closed).resolves.toMatchObject({ code: 1000 });
    expect(peer.frames.map((f) => f.text)).toEqual([JSON.stringify(ping)]);
  });
});

describe('createWebSocketTransport (runtime-neutral)', () => {
  it('runs a session over an injected constructor (ws), negotiating 2026 in auto mode', async () => {
    const { url, nextPeer } = await listen(responder);
    const transport = createWebSocketTransport({ url, WebSocket: WsWebSocket });
    const session = createClientSession({ transport });
    await expect(session.connect()).resolves.toMatchObject({ era: 'modern' });
    const peer = await nextPeer();
    expect(peer.request.headers['sec-websocket-protocol']).toBe('mcp');
    expect(transport.protocol).toBe('mcp');
    const progress: number[] = [];
    await expect(
      session.callTool('echo', { text: 'x' }, { onProgress: (p) => progress.push(p.progress) }),
    ).resolves.toMatchObject({ content: [{ text: 'x' }] });
    expect(progress).toEqual([1, 2]);
    await session.close();
    await expect(peer.closed).resolves.toMatchObject({ code: 1000 });
    expectOneMessagePerTextFrame(peer.frames);
  });

  it('uses the global WebSocket by default, and passes headers only to a given constructor', async () => {
    const { url, nextPeer } = await listen(responder);
    vi.stubGlobal('WebSocket', WsWebSocket);
    const session = createClientSession({
      transport: createWebSocketTransport({ url }),
      mode: 'legacy',
    });
    await session.connect();
    expect((await nextPeer()).request.headers['sec-websocket-protocol']).toBe('mcp');
    await session.close();

    expect(() => createWebSocketTransport({ url, headers: { authorization: 'x' } })).toThrow(
      InvalidArgumentError,
    );
    const withHeaders = createWebSocketTransport({
      url,
      WebSocket: WsWebSocket,
      headers: { authorization: 'Bearer t' },
    });
    await withHeaders.start(recorder());
    expect((await nextPeer()).request.headers.authorization).toBe('Bearer t');
    await withHeaders.close();
  });

  // Node ≥ 22 (and other runtimes) have a standard WebSocket of their own; on Node 20 the global
  // is ws's, which speaks the same API: either way the transport finds it with none given.
  it('runs over the global WebSocket when none is given: session, binary frame, server close with 1011', async () => {
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
      vi.stubGlobal('WebSocket', WsWebSocket);
    }
    const { url, nextPeer } = await listen(responder);
    const exceptions: Error[] = [];
    const transport = createWebSocketTransport({ url });
    const session = createClientSession({
      transport,
      mode: 'legacy',
      messageHandler: (m) => {
        if (m.type === 'exception') exceptions.push(m.error);
      },
    });
    await session.connect();
    expect(transport.protocol).toBe('mcp');
    await expect(session.callTool('noise', { text: 'ok' })).resolves.toMatchObject({
      content: [{ text: 'ok' }],
    });
    expect(exceptions.map((e) => (e as StreamError).code)).toEqual([
      'INVALID_MESSAGE',
      'INVALID_JSON',
    ]);
    await expect(session.callTool('crash')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: { closeCode: 1011, closeReason: 'database down' },
    });
    await expect((await nextPeer()).closed).resolves.toMatchObject({ code: 1011 });
  });

  it('throws a typed error when the runtime has no WebSocket and none is given', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => createWebSocketTransport({ url: 'ws://127.0.0.1:1/mcp' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createWebSocketTransport({ url: 'ws://127.0.0.1:1/mcp' })).toThrow(
      /no global WebSocket/,
    );
  });

  it('checks the URL: ws, wss, http or https, no fragment', () => {
    for (const bad of ['ftp://127.0.0.1/mcp', 'ws://127.0.0.1/mcp#x', 'not a url']) {
      expect(() => createWebSocketTransport({ url: bad, WebSocket: WsWebSocket })).toThrow(
        InvalidArgumentError,
      );
    }
  });

  it('says why a URL is refused, showing it without credentials or query', () => {
    const refusal = (url: string): unknown =>
      thrown(() => createWebSocketTransport({ url, WebSocket: WsWebSocket }));
    expect(refusal('not a url')).toMatchObject({
      name: 'InvalidArgumentError',
      message: 'Not a URL: "not a url".',
    });
    expect(refusal('ftp://user:secret@127.0.0.1/mcp?token=x')).toMatchObject({
      name: 'InvalidArgumentError',
      message: 'A WebSocket URL starts with ws: or wss:, not ftp: (ftp://127.0.0.1/mcp).',
    });
    expect(refusal('ws://127.0.0.1/mcp#part')).toMatchObject({
      name: 'InvalidArgumentError',
      message: 'A WebSocket URL has no fragment (ws://127.0.0.1/mcp#part).',
    });
  });

  it('refuses headers or an authorizer without a WebSocket constructor, the standard one cannot send them', () => {
    vi.stubGlobal('WebSocket', WsWebSocket);
    const url = 'ws://127.0.0.1:1/mcp';
    for (const options of [
      { url, headers: { authorization: 'Bearer t' } },
      { url, authorize: () => ({ authorization: 'Bearer t' }) },
    ]) {
      const error = thrown(() => createWebSocketTransport(options));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/^The standard WebSocket cannot send headers\./);
    }
  });

  it('gives the constructor a third argument only when there are handshake headers', async () => {
    const calls: unknown[][] = [];
    /** A WebSocket constructor that records its arguments and fails at once. */
    class Recording {
      constructor(...args: unknown[]) {
        calls.push(args);
        throw new Error('recorded');
      }
    }
    const WebSocket = Recording as unknown as WebSocketConstructor;
    const url = 'ws://127.0.0.1:1/mcp';
    for (const transport of [
      createWebSocketTransport({ url, WebSocket }),
      createWebSocketTransport({ url, WebSocket, headers: { 'x-app': 'test' } }),
      createWebSocketTransport({
        url,
        WebSocket,
        authorize: () => ({ authorization: 'Bearer t' }),
      }),
    ]) {
      await expect(transport.start(recorder())).rejects.toBeInstanceOf(WebSocketConnectError);
    }
    expect(calls).toEqual([
      [url, ['mcp']],
      [url, ['mcp'], { headers: { 'x-app': 'test' } }],
      [url, ['mcp'], { headers: { authorization: 'Bearer t' } }],
    ]);
  });

  it('dials ws:// for an http:// URL and wss:// for an https:// one, path and query kept', async () => {
    expect.assertions(3);
    const dialed: string[] = [];
    /** A WebSocket constructor that records the URL it is given and fails at once. */
    class Recording {
      constructor(url: string) {
        dialed.push(url);
        throw new Error('recorded');
      }
    }
    for (const url of ['http://127.0.0.1:8080/mcp?x=1', 'https://example.com/mcp']) {
      const transport = createWebSocketTransport({
        url,
        WebSocket: Recording as unknown as WebSocketConstructor,
      });
      await transport.start(recorder()).catch(() => {});
    }
    expect(dialed).toEqual(['ws://127.0.0.1:8080/mcp?x=1', 'wss://example.com/mcp']);
    // And a real server answers at the mapped address.
    const { url } = await listen(responder);
    const transport = createWebSocketTransport({
      url: url.replace(/^ws:/, 'http:'),
      WebSocket: WsWebSocket,
    });
    await expect(transport.start(recorder())).resolves.toBeUndefined();
    await transport.close();
    expect(transport.state).toBe('closed');
  });

  it('with ws injected, a refused subprotocol is still a WebSocketSubprotocolError', async () => {
    const { url } = await listen(responder, { handleProtocols: () => 'chat' });
    const transport = createWebSocketTransport({ url, WebSocket: WsWebSocket });
    await expect(transport.start(recorder())).rejects.toMatchObject({
      name: 'WebSocketSubprotocolError',
      selected: undefined,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// A scripted socket, for what a real server cannot make a standard client do.

class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  protocol = '';
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly closeCalls: (number | undefined)[] = [];
  readonly protocols: string[];
  readonly #listeners = new Map<string, ((event: unknown) => void)[]>();
  constructor(_url: string, protocols: string[]) {
    this.protocols = protocols;
    FakeSocket.made.push(this);
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    const list = this.#listeners.get(type) ?? [];
    list.push(listener);
    this.#listeners.set(type, list);
  }
  emit(type: string, event: unknown): void {
    for (const l of this.#listeners.get(type) ?? []) l(event);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closeCalls.push(code);
    this.readyState = 2;
  }
  open(protocol: string): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.emit('open', {});
  }
  closed(code: number, reason = ''): void {
    this.readyState = 3;
    this.emit('close', { code, reason });
  }
}

/** A clock whose timers run only when the test says. */
function manualClock(): Clock & { pending: (() => void)[]; tick(): void } {
  const pending: (() => void)[] = [];
  return {
    pending,
    now: () => 0,
    setTimeout: (callback) => {
      pending.push(callback);
      return pending.length;
    },
    clearTimeout: () => {},
    tick() {
      for (const callback of pending.splice(0)) callback();
    },
  };
}

/** Lets queued promise callbacks run (no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function fakeOpen(options: { maxBufferedBytes?: number; clock?: Clock } = {}): Promise<{
  socket: FakeSocket;
  transport: ReturnType<typeof createWebSocketTransport>;
  handlers: ReturnType<typeof recorder>;
  started: Promise<void>;
}> {
  FakeSocket.made = [];
  const transport = createWebSocketTransport({
    url: 'wss://example.test/mcp',
    WebSocket: FakeSocket satisfies WebSocketConstructor,
    ...options,
  });
  const handlers = recorder();
  const started = Promise.resolve(transport.start(handlers));
  await settle();
  const socket = FakeSocket.made[0];
  if (socket === undefined) throw new Error('no socket was made');
  return { socket, transport, handlers, started };
}

describe('createWebSocketTransport over a scripted socket', () => {
  it('refuses a connection that opened without mcp (a client that does not check), and closes it', async () => {
    const { socket, transport, handlers, started } = await fakeOpen();
    expect(socket.protocols).toEqual(['mcp']);
    socket.open('graphql-ws');
    await expect(started).rejects.toMatchObject({
      name: 'WebSocketSubprotocolError',
      selected: 'graphql-ws',
    });
    expect(socket.closeCalls).toEqual([1000]);
    expect(transport.state).toBe('closing');
    socket.emit('message', { data: '{"jsonrpc":"2.0","method":"late"}' });
    const closing = transport.close();
    socket.closed(1000);
    await closing;
    expect(handlers.messages).toEqual([]);
    expect(handlers.closes).toHaveLength(1);
    expect(handlers.closes[0]).toBeInstanceOf(WebSocketSubprotocolError);
  });

  it('settles writes above maxBufferedBytes once the buffer drains, with one shared check', async () => {
    const clock = manualClock();
    const { socket, transport, started } = await fakeOpen({ maxBufferedBytes: 100, clock });
    socket.open('mcp');
    await started;
    socket.bufferedAmount = 500;
    let settled = 0;
    const a = Promise.resolve(transport.send(ping)).then(() => settled++);
    const b = Promise.resolve(transport.send({ ...ping, id: 2 })).then(() => settled++);
    await settle();
    expect(socket.sent).toHaveLength(2);
    expect(settled).toBe(0);
    expect(clock.pending).toHaveLength(1);
    clock.tick(); // still full: checks again later
    await settle();
    expect(settled).toBe(0);
    socket.bufferedAmount = 50;
    clock.tick();
    await Promise.all([a, b]);
    expect(settled).toBe(2);
    expect(socket.sent.map((s) => JSON.parse(s) as unknown)).toEqual([ping, { ...ping, id: 2 }]);
  });

  it('rejects a write waiting on the buffer when the connection ends', async () => {
    expect.assertions(1);
    const clock = manualClock();
    const { socket, transport, started } = await fakeOpen({ maxBufferedBytes: 0, clock });
    socket.open('mcp');
    await started;
    socket.bufferedAmount = 10;
    const write = Promise.resolve(transport.send(ping));
    socket.closed(1006);
    clock.tick();
    await expect(write).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('describes a failed opening from the error event when the socket says no more', async () => {
    const { socket, started, handlers } = await fakeOpen();
    socket.emit('error', { message: 'getaddrinfo ENOTFOUND example.test' });
    socket.closed(1006);
    await expect(started).rejects.toMatchObject({
      name: 'WebSocketConnectError',
      url: 'wss://example.test/mcp',
      message: expect.stringContaining('ENOTFOUND') as unknown,
    });
    expect(handlers.closes).toHaveLength(1);
  });
});
