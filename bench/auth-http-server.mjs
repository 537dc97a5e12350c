// The server process of W6a (authorization on the hot path): a minimal OAuth authorization server
// and a minimal protected MCP server (Streamable HTTP, JSON answers), both on 127.0.0.1, each on
// its own free port, in this one process. Started by bench/auth-workload.mjs; prints
// `auth-bench listening as=<port> mcp=<port>` on stdout once both listen; ends on SIGTERM or when
// its stdin closes.
//
// Authorization server (origin http://127.0.0.1:<as>):
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata (its authorization_endpoint
//                 is listed because the SDKs' schemas require one, but is not served)
//   POST /token   client_credentials only, client_secret_basic (bench / bench-secret); answers a
//                 fixed opaque token, expires_in 3600: token_type DPoP (and the DPoP token) when
//                 the request carries a DPoP header, else Bearer (and the bearer token)
//   GET  /stats   counters (tokens issued, 401s, authorized requests), read by the bench
//
// MCP server (origin http://127.0.0.1:<mcp>): one handler for two endpoints,
//   /mcp        protected: `Authorization: Bearer <bearer token>`, or `Authorization: DPoP <DPoP
//               token>` with a DPoP header, else 401 with
//               `WWW-Authenticate: Bearer resource_metadata="…/.well-known/oauth-protected-resource/mcp"`
//   /open/mcp   the same handler without the authorization check (the no-auth variant)
//   GET /.well-known/oauth-protected-resource/mcp   RFC 9728 metadata of /mcp
// The DPoP proof is NOT verified (no signature, htm/htu/ath/iat/jti checks): the server only
// checks the scheme and that a DPoP header with three dot-separated parts is there. What is
// measured is the client's cost of making the proof, not the server's of checking it.
//
// MCP: initialize (echoes the requested protocolVersion, issues an Mcp-Session-Id),
// notifications (202), ping, tools/list (one tool, echo), tools/call echo → `Echo: <message>`,
// as application/json (no SSE); GET (the standalone stream) 405; DELETE 200.

import http from 'node:http';
import { randomUUID } from 'node:crypto';

const CLIENT_ID = 'bench';
const CLIENT_SECRET = 'bench-secret';
const BEARER_TOKEN = 'bench-bearer-3f6c1a0e9d2b4c7a8e5f';
const DPOP_TOKEN = 'bench-dpop-7b2e9c4d1a6f8e3b0c5d';
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

const stats = {
  tokens: { bearer: 0, dpop: 0 },
  tokenRefused: 0,
  unauthorized: 0,
  authorized: { bearer: 0, dpop: 0 },
  open: 0,
};

const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString()),
    );
    req.on('error', reject);
  });

const json = (res, status, body, headers) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

// ------------------------------------------------------------------------------------------------
// The authorization server.

let asOrigin;
let mcpOrigin;

const authorizationServer = http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') {
    json(res, 200, {
      issuer: asOrigin,
      // Not served (the bench uses client_credentials only), but the SDKs' metadata schemas
      // require it.
      authorization_endpoint: `${asOrigin}/authorize`,
      token_endpoint: `${asOrigin}/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      dpop_signing_alg_values_supported: ['ES256'],
      response_types_supported: ['code'],
    });
    return;
  }
  if (req.method === 'GET' && path === '/stats') {
    json(res, 200, stats);
    return;
  }
  if (req.method === 'POST' && path === '/token') {
    const form = new URLSearchParams(await readBody(req));
    if (req.headers.authorization !== BASIC) {
      stats.tokenRefused++;
      json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="bench"' });
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      stats.tokenRefused++;
      json(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const resource = form.get('resource');
    if (resource !== null && resource !== `${mcpOrigin}/mcp`) {
      stats.tokenRefused++;
      json(res, 400, { error: 'invalid_target' });
      return;
    }
    const dpop = typeof req.headers.dpop === 'string';
    stats.tokens[dpop ? 'dpop' : 'bearer']++;
    json(
      res,
      200,
      {
        access_token: dpop ? DPOP_TOKEN : BEARER_TOKEN,
        token_type: dpop ? 'DPoP' : 'Bearer',
        expires_in: 3600,
      },
      { 'cache-control': 'no-store' },
    );
    return;
  }
  json(res, 404, { error: 'not_found' });
});

// ------------------------------------------------------------------------------------------------
// The MCP server.

const echoTool = {
  name: 'echo',
  description: 'Echoes back the input',
  inputSchema: {
    type: 'object',
    properties: { message: { type: 'string' } },
    required: ['message'],
  },
};

/** The `Authorization` check of /mcp: which kind of token was presented, or undefined. */
function authorizedAs(req) {
  const value = req.headers.authorization;
  if (value === undefined) return undefined;
  if (value === `Bearer ${BEARER_TOKEN}`) return 'bearer';
  if (value === `DPoP ${DPOP_TOKEN}`) {
    const proof = req.headers.dpop;
    // Presence and shape only; the proof is not verified (see the top of this file).
    if (typeof proof === 'string' && proof.split('.').length === 3) return 'dpop';
  }
  return undefined;
}

function answer(m) {
  switch (m.method) {
    case 'initialize':
      return {
        protocolVersion: m.params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'bench-auth', version: '1.0.0' },
      };
    case 'ping':
      return {};
    case 'tools/list':
      return { tools: [echoTool] };
    case 'tools/call':
      if (m.params?.name !== 'echo') return undefined;
      return { content: [{ type: 'text', text: `Echo: ${m.params.arguments?.message}` }] };
    default:
      return undefined;
  }
}

const mcpServer = http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/.well-known/oauth-protected-resource/mcp') {
    json(res, 200, {
      resource: `${mcpOrigin}/mcp`,
      authorization_servers: [asOrigin],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256'],
    });
    return;
  }
  if (path === '/mcp') {
    const as = authorizedAs(req);
    if (as === undefined) {
      stats.unauthorized++;
      req.resume();
      json(
        res,
        401,
        { error: 'invalid_token' },
        {
          'www-authenticate': `Bearer resource_metadata="${mcpOrigin}/.well-known/oauth-protected-resource/mcp"`,
        },
      );
      return;
    }
    stats.authorized[as]++;
  } else if (path === '/open/mcp') {
    stats.open++;
  } else {
    req.resume();
    json(res, 404, { error: 'not_found' });
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(405, { allow: 'POST, DELETE', 'content-length': 0 });
    res.end();
    return;
  }
  if (req.method === 'DELETE') {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST, DELETE', 'content-length': 0 });
    res.end();
    return;
  }
  let m;
  try {
    m = JSON.parse(await readBody(req));
  } catch {
    json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    return;
  }
  if (m.id === undefined) {
    // A notification (or a response): accepted, no body.
    res.writeHead(202, { 'content-length': 0 });
    res.end();
    return;
  }
  const result = answer(m);
  const headers = m.method === 'initialize' ? { 'mcp-session-id': randomUUID() } : undefined;
  if (result === undefined) {
    json(
      res,
      200,
      { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } },
      headers,
    );
  } else {
    json(res, 200, { jsonrpc: '2.0', id: m.id, result }, headers);
  }
});

// ------------------------------------------------------------------------------------------------

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

const [asPort, mcpPort] = await Promise.all([listen(authorizationServer), listen(mcpServer)]);
asOrigin = `http://127.0.0.1:${asPort}`;
mcpOrigin = `http://127.0.0.1:${mcpPort}`;

const stop = () => {
  authorizationServer.close();
  mcpServer.close();
  authorizationServer.closeAllConnections();
  mcpServer.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
process.stdout.write(`auth-bench listening as=${asPort} mcp=${mcpPort}\n`);
