import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../src/node/index.js';

/**
 * `createNodeFetch` against real HTTP servers on 127.0.0.1: what it sends, kept-alive connections,
 * streamed bodies, aborts before and during the body, the redirect modes and their header rules,
 * compressed bodies, and failures shaped as `fetch`'s.
 */

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Received, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server on 127.0.0.1 answering with `handler`; counts the connections it accepted. */
async function serve(handler: Handler): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () =>
      handler({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }, res),
    );
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, connections: () => connections };
}

describe('createNodeFetch', () => {
  it('sends the method, headers and body, and answers a Response with status, headers and text', async () => {
    const seen: Received[] = [];
    const { origin } = await serve((req, res) => {
      seen.push(req);
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-one': 'a' });
      res.end(JSON.stringify({ echoed: req.body }));
    });
    const fetch = createNodeFetch();
    const response = await fetch(`${origin}/mcp`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', 'X-Two': 'b' },
      body: '{"é":1}',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${origin}/mcp`);
    expect(response.headers.get('x-one')).toBe('a');
    expect(await response.json()).toEqual({ echoed: '{"é":1}' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/mcp',
      headers: { 'content-type': 'application/json', 'x-two': 'b', 'content-length': '8' },
    });
  });

  it('gives a string body the content type fetch gives it, and a form its own', async () => {
    const seen: Received[] = [];
    const { origin } = await serve((req, res) => {
      seen.push(req);
      res.end();
    });
    const fetch = createNodeFetch();
    await (await fetch(origin, { method: 'POST', body: 'text' })).text();
    await (await fetch(origin, { method: 'POST', body: new URLSearchParams({ a: 'b c' }) })).text();
    await (await fetch(origin, { method: 'POST', body: new Uint8Array([1, 2, 3]) })).text();
    expect(seen.map((r) => [r.headers['content-type'], r.body])).toEqual([
      ['text/plain;charset=UTF-8', 'text'],
      ['application/x-www-form-urlencoded;charset=UTF-8', 'a=b+c'],
      [undefined, '\u0001\u0002\u0003'],
    ]);
  });

  it('keeps the connection alive: sequential requests go over one connection', async () => {
    const { origin, connections } = await serve((_req, res) => res.end('ok'));
    const fetch = createNodeFetch();
    for (let i = 0; i < 5; i++) {
      expect(await (await fetch(origin, { method: 'POST', body: String(i) })).text()).toBe('ok');
    }
    expect(connections()).toBe(1);
  });

  it('streams the body: the first event is read before the server ends the response', async () => {
    let finish: (() => void) | undefined;
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: last\n\n');
    });
    const response = await createNodeFetch()(origin);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    finish?.();
    const rest: string[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      rest.push(new TextDecoder().decode(next.value));
    }
    expect(rest.join('')).toBe('data: last\n\n');
  });

  it('rejects with the abort reason when aborted before the answer, and closes the connection', async () => {
    expect.assertions(3);
    let closed: Promise<void> | undefined;
    let arrived: (() => void) | undefined;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    const { origin } = await serve((_req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      arrived?.(); // and never answers
    });
    const controller = new AbortController();
    const pending = createNodeFetch()(origin, { signal: controller.signal });
    await requested;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(closed).resolves.toBeUndefined();
    // A signal already aborted sends nothing.
    await expect(createNodeFetch()(origin, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('errors the body with the abort reason when aborted while it is read', async () => {
    expect.assertions(2);
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n'); // and never ends
    });
    const controller = new AbortController();
    const response = await createNodeFetch()(origin, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort(new Error('stop now'));
    await expect(reader.read()).rejects.toMatchObject({ message: 'stop now' });
  });

  it('errors the body as terminated when the server closes the connection mid-body', async () => {
    expect.assertions(1);
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });
    const response = await createNodeFetch()(origin);
    await expect(response.text()).rejects.toMatchObject({ name: 'TypeError' });
  });

  it('fails as fetch does when nothing listens: TypeError "fetch failed", the socket error as cause', async () => {
    expect.assertions(1);
    const { origin } = await serve((_req, res) => res.end());
    const server = servers.pop() as Server;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(createNodeFetch()(origin)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('follows redirects as fetch does: 307 keeps the POST, 303 becomes a GET without the body', async () => {
    const seen: Received[] = [];
    const { origin } = await serve((req, res) => {
      seen.push(req);
      if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(303, { location: '/c' }).end();
      else res.end(`${req.method} ${req.body}`);
    });
    const response = await createNodeFetch()(`${origin}/a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await response.text()).toBe('GET ');
    expect(response.url).toBe(`${origin}/c`);
    expect(response.redirected).toBe(true);
    expect(seen.map((r) => [r.method, r.url, r.body, r.headers['content-type']])).toEqual([
      ['POST', '/a', '{}', 'application/json'],
      ['POST', '/b', '{}', 'application/json'],
      ['GET', '/c', '', undefined],
    ]);
  });

  it('does not carry Authorization to another origin, and keeps it on the same one', async () => {
    const seen: Received[] = [];
    const other = await serve((req, res) => {
      seen.push(req);
      res.end('other');
    });
    const { origin } = await serve((req, res) => {
      seen.push(req);
      if (req.url === '/same') res.writeHead(308, { location: '/away' }).end();
      else if (req.url === '/away') res.writeHead(308, { location: `${other.origin}/x` }).end();
    });
    const response = await createNodeFetch()(`${origin}/same`, {
      headers: { authorization: 'Bearer secret', 'x-kept': '1' },
    });
    expect(await response.text()).toBe('other');
    expect(seen.map((r) => [r.url, r.headers.authorization, r.headers['x-kept']])).toEqual([
      ['/same', 'Bearer secret', '1'],
      ['/away', 'Bearer secret', '1'],
      ['/x', undefined, '1'],
    ]);
  });

  it('answers the redirect itself with redirect: manual, and fails with redirect: error or a loop', async () => {
    expect.assertions(4);
    const { origin } = await serve((req, res) => {
      res.writeHead(302, { location: req.url === '/loop' ? '/loop' : '/elsewhere' }).end();
    });
    const fetch = createNodeFetch();
    const manual = await fetch(`${origin}/x`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/elsewhere');
    await expect(fetch(`${origin}/x`, { redirect: 'error' })).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
    await expect(fetch(`${origin}/loop`)).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { message: 'redirect count exceeded' },
    });
  });

  it('decodes a gzip body, and answers no body for 204 and HEAD', async () => {
    const { origin } = await serve((req, res) => {
      if (req.url === '/zip') {
        res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('unzipped text'));
      } else if (req.url === '/none') res.writeHead(204).end();
      else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? '' : 'hello');
    });
    const fetch = createNodeFetch();
    expect(await (await fetch(`${origin}/zip`)).text()).toBe('unzipped text');
    const none = await fetch(`${origin}/none`, { method: 'DELETE' });
    expect([none.status, none.body]).toEqual([204, null]);
    const head = await fetch(`${origin}/head`, { method: 'HEAD' });
    expect([head.status, head.body, head.headers.get('content-length')]).toEqual([200, null, '5']);
  });

  it('leaves what it does not send itself to the global fetch (a Request object)', async () => {
    const { origin } = await serve((req, res) => res.end(`${req.method} ${req.body}`));
    const response = await createNodeFetch()(
      new Request(`${origin}/r`, { method: 'PUT', body: 'via Request' }),
    );
    expect(await response.text()).toBe('PUT via Request');
  });
});
