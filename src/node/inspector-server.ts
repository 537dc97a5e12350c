/**
 * The inspector's HTTP server on 127.0.0.1: serves the page (`/`) and its bundled script
 * (`/page.js`), and accepts the pages' WebSockets on `/events`, handing each one to a callback
 * (the feed, inspector-feed.ts). Only this machine's names for the server are answered, and a
 * socket only from the page's own origin, so that a page elsewhere cannot read the records.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocket as WsSocket } from 'ws';

/** A listening inspector server. */
export interface PageServer {
  /** The port it listens on. */
  readonly port: number;
  /** Closes the sockets' server and the HTTP server. */
  close(): Promise<void>;
}

const page = (port: number): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mcp-actors inspector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
</head>
<body>
<div id="app" data-port="${port}">Loading…</div>
<script src="/page.js"></script>
</body>
</html>
`;

const portOf = (server: Server): number => (server.address() as AddressInfo | null)?.port ?? 0;

/** Only this machine's names for the server (a page on another origin cannot rebind to it). */
const hostAllowed = (host: string | undefined, port: number): boolean =>
  host === `127.0.0.1:${port}` || host === `localhost:${port}`;

/** Answers one HTTP request: the page, its script, or an error. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  script: string,
  port: number,
): Promise<void> {
  const headers = {
    'cache-control': 'no-store',
    // Nothing from elsewhere: the page's script, its styles and its socket are all this server's.
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    'x-content-type-options': 'nosniff',
  };
  if (!hostAllowed(req.headers.host, port)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden host');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', ...headers }).end();
  } else if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(page(port));
  } else if (url.pathname === '/page.js') {
    try {
      const body = await readFile(script);
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...headers });
      res.end(body);
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain', ...headers }).end('page script missing');
    }
  } else {
    res.writeHead(404, { 'content-type': 'text/plain', ...headers }).end('Not found');
  }
}

/** Whether an upgrade is a page's socket: `/events`, from this machine, from the page's origin. */
function socketAllowed(req: IncomingMessage, port: number): boolean {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const origin = req.headers.origin;
  const originAllowed =
    origin === undefined ||
    origin === `http://127.0.0.1:${port}` ||
    origin === `http://localhost:${port}`;
  return url.pathname === '/events' && hostAllowed(req.headers.host, port) && originAllowed;
}

/**
 * Listens on 127.0.0.1 (`port` 0: a free one), serving `script` as the page's script and
 * handing each page's socket to `onPage`.
 */
export async function listenForPages(
  port: number,
  script: string,
  onPage: (socket: WsSocket) => void,
): Promise<PageServer> {
  const { WebSocketServer } = await import('ws');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res, script, portOf(server));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (!socketAllowed(req, portOf(server))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, onPage);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    get port() {
      return portOf(server);
    },
    async close() {
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
