import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientSession, createOAuthClient, createSseTransport } from '../src/index.js';
import { startAuthorizationServer, type AuthorizationServer } from './support/oauth-server.js';

/**
 * The OAuth client over HTTP+SSE (2024-11-05): the official SDK's SSE server behind a bearer
 * check. The GET that opens the stream meets the 401, the authorization runs, and the stream and
 * every POST to the endpoint carry the token.
 */

const service = {
  client_id: 'sse-service',
  client_secret: 'sse-service-secret',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
} as const;

let authServer: AuthorizationServer;
let server: Server;
let sseUrl: string;
/** Every request the SSE server saw: method, path, and the Authorization scheme. */
const seen: { method: string; path: string; scheme: string | undefined }[] = [];

beforeAll(async () => {
  authServer = await startAuthorizationServer({ clients: [service] });
  const jwks = createRemoteJWKSet(new URL('/jwks', authServer.url));
  const transports = new Map<string, SSEServerTransport>();
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1');
    const header = req.headers.authorization ?? '';
    seen.push({ method: req.method ?? '', path: path.pathname, scheme: header.split(' ')[0] });
    const metadataUrl = `${origin()}/.well-known/oauth-protected-resource/sse`;
    if (path.pathname === '/.well-known/oauth-protected-resource/sse') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource: sseUrl, authorization_servers: [authServer.issuer] }));
      return;
    }
    const refuse = (): void => {
      res.writeHead(401, {
        'www-authenticate': `Bearer resource_metadata="${metadataUrl}", scope="mcp:read"`,
      });
      res.end();
    };
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (token === undefined) return refuse();
    jwtVerify(token, jwks, { issuer: authServer.issuer, audience: sseUrl }).then(
      () => {
        if (req.method === 'GET' && path.pathname === '/sse') {
          const transport = new SSEServerTransport('/messages', res);
          transports.set(transport.sessionId, transport);
          const mcp = new McpServer({ name: 'protected-sse', version: '1.0.0' });
          mcp.registerTool('ping-tool', { description: 'Answers pong' }, () => ({
            content: [{ type: 'text', text: 'pong' }],
          }));
          void mcp.connect(transport);
        } else if (req.method === 'POST' && path.pathname === '/messages') {
          const transport = transports.get(path.searchParams.get('sessionId') ?? '');
          if (transport === undefined) res.writeHead(404).end();
          else transport.handlePostMessage(req, res).catch(() => {});
        } else {
          res.writeHead(404).end();
        }
      },
      () => refuse(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sseUrl = `${origin()}/sse`;
});

function origin(): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await authServer?.close();
});

describe('OAuth over HTTP+SSE', () => {
  it('authorizes on the stream’s 401, then the stream and every POST carry the token', async () => {
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: service.client_id, clientSecret: service.client_secret },
    });
    const session = createClientSession({
      transport: createSseTransport({ url: sseUrl, auth: oauth }),
      mode: 'legacy',
    });
    try {
      await session.connect();
      const result = await session.callTool('ping-tool', {});
      expect(result.content).toEqual([{ type: 'text', text: 'pong' }]);
    } finally {
      await session.close();
      oauth.stop();
    }

    const streams = seen.filter((r) => r.method === 'GET' && r.path === '/sse');
    expect(streams.map((r) => r.scheme ?? '')).toEqual(['', 'Bearer']);
    const posts = seen.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(3); // initialize, initialized, tools/call
    expect(posts.every((r) => r.scheme === 'Bearer')).toBe(true);
    const tokens = authServer.requests.filter((r) => r.route === 'token');
    expect(tokens.map((r) => r.params?.['resource'])).toEqual([sseUrl]);
  });
});
