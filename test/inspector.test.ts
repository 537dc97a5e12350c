import { request as httpRequest } from 'node:http';
import { WebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorizationMachine,
  connectionMachine,
  dispatcherMachine,
  groupServerMachine,
  inboundRequestMachine,
  requestMachine,
  sessionGroupMachine,
  stdioProcessMachine,
} from '../machines/index.js';
import { createClientSession, createInMemoryTransportPair } from '../src/index.js';
import { LiveActors } from '../src/inspector/live-actors.js';
import { describeMachine, type StateShape } from '../src/inspector/machine-shape.js';
import {
  RecordBuilder,
  type InspectorFrame,
  type InspectorRecord,
} from '../src/inspector/records.js';
import { sanitize } from '../src/inspector/sanitize.js';
import { startInspector, type Inspector } from '../src/node/inspector.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';

let inspector: Inspector | undefined;
afterEach(async () => {
  await inspector?.close();
  inspector = undefined;
});

describe('sanitize', () => {
  it('redacts secret-looking keys at any depth, whatever their case', () => {
    expect(
      sanitize({
        headers: { Authorization: 'Bearer abc', 'X-Api-Key': 'k', accept: 'json' },
        params: { arguments: { access_token: 't', password: 'p', text: 'shown' } },
        clientSecret: 's',
        cookie: 'c',
        empty: null,
      }),
    ).toEqual({
      headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]', accept: 'json' },
      params: { arguments: { access_token: '[redacted]', password: '[redacted]', text: 'shown' } },
      clientSecret: '[redacted]',
      cookie: '[redacted]',
      empty: null,
    });
  });

  /** Keys whose values are hidden, in the spellings met in headers, bodies, configs and forms. */
  const hidden = [
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'proxy-authorization',
    'Proxy-Authorization',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
    'dpop',
    'DPoP',
    'token',
    'access_token',
    'accessToken',
    'AccessToken',
    'ACCESS_TOKEN',
    'access-token',
    'refresh_token',
    'refreshToken',
    'id_token',
    'idToken',
    'registration_access_token',
    'subject_token',
    'client_secret',
    'clientSecret',
    'CLIENT_SECRET',
    'secret',
    'password',
    'Password',
    'passwd',
    'db_password',
    'api_key',
    'apiKey',
    'API_KEY',
    'api-key',
    'x-api-key',
    'X-API-Key',
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'GITHUB_TOKEN',
    'slackBotToken',
    'x-auth-token',
    'ID_TOKEN',
    'Refresh-Token',
    'Client_Secret',
    'PASSWORD',
    'Cookies',
    'private_key',
    'code_verifier',
    'codeVerifier',
    'client_assertion',
  ];
  /** Keys that only look like them: protocol fields and ordinary words. */
  const shown = [
    'progressToken',
    'progress_token',
    'maxTokens',
    'max_tokens',
    'tokens',
    'inputTokens',
    'outputTokens',
    'tokenCount',
    'nextPageToken',
    'pageToken',
    'next_token',
    'continuationToken',
    'tokenizer',
    'secretary',
    'passwordHint',
    'keywords',
    'apiVersion',
    'authorizationServers',
    'authorization_endpoint',
    'token_endpoint',
    'cookieConsent',
    'credentialType',
    'code',
    'cursor',
    'nextCursor',
  ];
  /** `key` under a value at the top, in an object, in an array and deep down. */
  const placed = (key: string) => ({
    [key]: 'v',
    params: { _meta: { [key]: 'v' }, arguments: { list: [{ [key]: 'v' }] } },
    deep: { a: { b: { c: { d: { [key]: 'v' } } } } },
  });

  it.each(hidden)('hides the value of %s, at any depth', (key) => {
    const out = sanitize(placed(key));
    expect(out).toEqual({
      [key]: '[redacted]',
      params: { _meta: { [key]: '[redacted]' }, arguments: { list: [{ [key]: '[redacted]' }] } },
      deep: { a: { b: { c: { d: { [key]: '[redacted]' } } } } },
    });
  });

  it.each(shown)('shows the value of %s, at any depth', (key) => {
    expect(sanitize(placed(key))).toEqual(placed(key));
  });

  it('hides the value of a [name, value] pair named for a credential (headers as fetch takes them)', () => {
    const headers = [
      ['Authorization', 'Bearer abc'],
      ['cookie', 'sid=1'],
      ['X-API-Key', 'k-1'],
      ['accept', 'application/json'],
    ];
    expect(sanitize({ request: { headers } })).toEqual({
      request: {
        headers: [
          ['Authorization', '[redacted]'],
          ['cookie', '[redacted]'],
          ['X-API-Key', '[redacted]'],
          ['accept', 'application/json'],
        ],
      },
    });
    // A pair of words is not a header: only a credential's name hides what follows it.
    expect(sanitize(['progressToken', 'p-1'])).toEqual(['progressToken', 'p-1']);
  });

  it('shows what a sampling request and a progress notification carry', () => {
    const sampling = {
      jsonrpc: '2.0',
      id: 4,
      method: 'sampling/createMessage',
      params: {
        _meta: { progressToken: 'p-1' },
        maxTokens: 256,
        messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
      },
    };
    expect(sanitize(sampling)).toEqual(sampling);
    const progress = {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 7, progress: 1, total: 2 },
    };
    expect(sanitize(progress)).toEqual(progress);
  });

  it('judges a key the same however many other keys it has met (the verdicts kept are bounded)', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`field${i}`, i]));
    for (let round = 0; round < 2; round++) {
      const shown = sanitize({ ...many, apiKey: 'k', text: 'shown' }, { maxItems: 6000 }) as Record<
        string,
        unknown
      >;
      expect([shown['apiKey'], shown['text'], shown['field4999']]).toEqual([
        '[redacted]',
        'shown',
        4999,
      ]);
    }
  });

  it('scrubs credentials quoted in strings of any length, and leaves plain strings as they are', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl';
    expect(
      sanitize([
        `token ${jwt}`,
        'Authorization: Bearer abcdefghijklmnop1234',
        'see ?code=xyz',
        'Basic words but no credential here',
        'tools/call',
      ]),
    ).toEqual([
      'token [redacted]',
      'Authorization: Bearer [redacted]',
      'see ?code=[redacted]',
      'Basic words but no credential here',
      'tools/call',
    ]);
  });

  it('bounds strings, arrays, keys and depth, cuts cycles and drops functions', () => {
    const cyclic: Record<string, unknown> = { name: 'loop', fn: () => 1 };
    cyclic['self'] = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { down: deep };
    const out = sanitize(
      { long: 'x'.repeat(50), list: [1, 2, 3, 4, 5, 6, 7], cyclic, deep, bytes: new Uint8Array(9) },
      { maxString: 10, maxItems: 5, maxDepth: 6 },
    ) as Record<string, unknown>;
    expect(out['long']).toBe('xxxxxxxxxx… (40 more characters)');
    expect(out['list']).toEqual([1, 2, 3, 4, 5, '… (2 more items)']);
    expect(out['cyclic']).toEqual({ name: 'loop', self: '[circular]' });
    expect(JSON.stringify(out['deep'])).toContain('"[…]"');
    expect(out['bytes']).toBe('[9 bytes]');
  });

  it('shows errors by name, message, code and cause', () => {
    const error = Object.assign(new Error('outer', { cause: new TypeError('inner') }), {
      code: 'TRANSPORT_ERROR',
    });
    expect(sanitize(error)).toEqual({
      name: 'Error',
      message: 'outer',
      code: 'TRANSPORT_ERROR',
      cause: { name: 'TypeError', message: 'inner' },
    });
  });
});

describe('describeMachine', () => {
  it('gives the page each state’s description, for its tooltip', () => {
    const described = (shape: StateShape): string[] => [
      ...(shape.description !== undefined && shape.description.length > 0 ? [shape.id] : []),
      ...shape.states.flatMap(described),
    ];
    const machines = [
      connectionMachine,
      dispatcherMachine,
      inboundRequestMachine,
      requestMachine,
      stdioProcessMachine,
      authorizationMachine,
      groupServerMachine,
      sessionGroupMachine,
    ];
    expect(Object.fromEntries(machines.map((m) => [m.id, described(describeMachine(m))]))).toEqual({
      connection: [
        'connection.initializing.choosing',
        'connection.initializing.probing',
        'connection.initializing.discovering',
        'connection.initializing.handshaking',
        'connection.initializing.adopting',
      ],
      dispatcher: ['dispatcher.idle', 'dispatcher.closed'],
      inboundRequest: [],
      request: ['request.created', 'request.inFlight'],
      stdioProcess: [
        'stdioProcess.outputEnded',
        'stdioProcess.endingInput',
        'stdioProcess.terminating',
        'stdioProcess.killing',
      ],
      authorization: [
        'authorization.idle',
        'authorization.discovering',
        'authorization.registering',
        'authorization.authorizing',
        'authorization.exchanging',
        'authorization.authorized',
        'authorization.refreshing',
        'authorization.steppingUp',
        'authorization.failed',
      ],
      groupServer: [
        'groupServer.connecting',
        'groupServer.ready',
        'groupServer.reconnecting',
        'groupServer.failed',
        'groupServer.closing',
      ],
      sessionGroup: ['sessionGroup.open', 'sessionGroup.closing'],
    });
  });

  it('draws the connection machine from its definition: states, initial states and transitions', () => {
    const shape = describeMachine(connectionMachine);
    expect(shape.id).toBe('connection');
    expect(shape.initial).toBe('connection.preconnect');
    const keys = shape.states.map((s) => s.key);
    expect(keys).toEqual(['preconnect', 'initializing', 'ready', 'closing', 'closed']);
    const initializing = shape.states.find((s) => s.key === 'initializing');
    expect(initializing?.states.map((s) => s.key)).toContain('handshaking');
    const probing = initializing?.states.find((s) => s.key === 'probing');
    expect(probing?.transitions).toContainEqual({
      event: 'xstate.done.actor.probe',
      targets: ['connection.ready'],
      guard: 'probeFoundModern',
    });
    const preconnect = shape.states.find((s) => s.key === 'preconnect');
    expect(preconnect?.transitions).toContainEqual({
      event: 'connect',
      targets: ['connection.initializing'],
    });
  });

  it('keeps the eventless transitions, with their guards and parameters', () => {
    const initializing = describeMachine(connectionMachine).states.find(
      (s) => s.key === 'initializing',
    );
    const choosing = initializing?.states.find((s) => s.key === 'choosing');
    expect(choosing?.transitions).toEqual([
      {
        event: '(always)',
        targets: ['connection.initializing.adopting'],
        guard: 'modeIs(pinned)',
      },
      {
        event: '(always)',
        targets: ['connection.initializing.discovering'],
        guard: 'modeIs(modern)',
      },
      { event: '(always)', targets: ['connection.initializing.probing'], guard: 'modeIs(auto)' },
      { event: '(always)', targets: ['connection.initializing.handshaking'] },
    ]);
  });
});

describe('RecordBuilder', () => {
  it('turns a session’s inspection into actor, snapshot, message and event records', async () => {
    const records: InspectorRecord[] = [];
    let t = 1000;
    const builder = new RecordBuilder('s1', () => t++);
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, {
      handlers: { 'tools/call': () => ({ content: [] }), 'tools/hang': () => NO_RESPONSE },
    });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: (e: InspectionEvent) => records.push(...builder.records(e)),
    });
    await session.connect();
    await session.request('tools/call', { name: 'x', arguments: { token: 'hidden' } });
    await session.close();

    expect(records.every((r) => r.session === 's1')).toBe(true);
    const connection = records.filter((r) => r.kind === 'snapshot' && r.actor === 'connection');
    expect(connection.map((r) => (r.kind === 'snapshot' ? r.value : null))).toEqual(
      expect.arrayContaining(['preconnect', { initializing: 'handshaking' }, 'ready', 'closed']),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: 'actor',
        actor: 'request:1',
        parent: 'dispatcher',
        machine: 'request',
      }),
    );
    const messages = records.filter((r) => r.kind === 'message');
    expect(messages.map((m) => (m.kind === 'message' ? m.direction : ''))).toEqual([
      'out', // initialize
      'in',
      'out', // notifications/initialized
      'out', // tools/call
      'in',
    ]);
    const call = messages[3];
    expect(call?.kind === 'message' && call.message).toMatchObject({
      method: 'tools/call',
      params: { arguments: { token: '[redacted]' } },
    });
    expect(JSON.stringify(records)).not.toContain('hidden');
    // The result event of the request is recorded by its type: its content is the response's
    // message record already (messages[4]).
    const events = records.filter((r) => r.kind === 'event' && r.actor === 'request:1');
    expect(events.map((r) => (r.kind === 'event' ? r.event : null))).toEqual([
      { type: 'send' },
      { type: 'result' },
    ]);
    expect(messages[4]?.kind === 'message' && messages[4].message).toMatchObject({
      result: { content: [] },
    });
  });
});

describe('LiveActors', () => {
  const actor = (name: string, parent?: string): InspectorRecord => ({
    kind: 'actor',
    session: 's1',
    t: 0,
    actor: name,
    parent,
    machine: parent === undefined ? 'connection' : 'request',
  });
  const snapshot = (name: string, value: string, status = 'active', n = 0): InspectorRecord => ({
    kind: 'snapshot',
    session: 's1',
    t: n,
    actor: name,
    value,
    status,
    event: 'e',
    context: null,
  });
  const values = (records: readonly InspectorRecord[], name: string) =>
    records.flatMap((r) => (r.kind === 'snapshot' && r.actor === name ? [r.value] : []));

  it('keeps the start, the path and the latest snapshot of each live actor, in the order made', () => {
    const live = new LiveActors();
    live.add(actor('connection'));
    live.add(snapshot('connection', 'preconnect'));
    live.add(actor('request:1', 'dispatcher'));
    live.add(snapshot('request:1', 'inFlight'));
    live.add(snapshot('connection', 'ready', 'active', 1));
    live.add(snapshot('connection', 'ready', 'active', 2)); // same state, newer context
    live.add({ kind: 'message', session: 's1', t: 0, direction: 'in', message: null });
    expect(live.count).toBe(7);
    expect(live.before(7)).toEqual([
      actor('connection'),
      snapshot('connection', 'preconnect'),
      actor('request:1', 'dispatcher'),
      snapshot('request:1', 'inFlight'),
      snapshot('connection', 'ready', 'active', 1),
      snapshot('connection', 'ready', 'active', 2),
    ]);
    // Only what a history starting at a record no longer holds.
    expect(live.before(2)).toEqual([actor('connection'), snapshot('connection', 'preconnect')]);
  });

  it('forgets an actor that ended, but keeps the roots of a session to show how it ended', () => {
    const live = new LiveActors();
    live.add(actor('connection'));
    live.add(actor('request:1', 'dispatcher'));
    live.add(actor('request:2', 'dispatcher'));
    live.add(snapshot('request:1', 'succeeded', 'done'));
    live.add(snapshot('request:2', 'cancelled', 'stopped'));
    live.add(snapshot('connection', 'closed', 'done'));
    expect(live.before(live.count)).toEqual([
      actor('connection'),
      snapshot('connection', 'closed', 'done'),
    ]);
  });

  it('bounds the path of each actor and the number of actors it keeps', () => {
    const live = new LiveActors();
    live.add(actor('connection'));
    for (let i = 0; i < 150; i++) live.add(snapshot('connection', i % 2 ? 'a' : 'b', 'active', i));
    for (let i = 0; i < 1100; i++) live.add(actor(`request:${i}`, 'dispatcher'));
    const kept = live.before(live.count);
    const path = values(kept, 'connection');
    expect(path).toHaveLength(100);
    expect(kept.filter((r) => r.kind === 'snapshot' && r.actor === 'connection').at(-1)?.t).toBe(
      149,
    );
    const requests = kept.filter((r) => r.kind === 'actor' && r.actor.startsWith('request:'));
    expect(requests).toHaveLength(999); // with the connection, 1 000 actors
    expect(requests[0]).toMatchObject({ actor: 'request:101' });
    expect(kept[0]).toEqual(actor('connection'));
  });
});

/** An HTTP GET with a chosen Host header (fetch does not let one set it). */
function get(
  url: string,
  host?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens the events socket; resolves with it and its first frame. */
function openPage(
  insp: Inspector,
  options: { origin?: string } = {},
): Promise<{
  socket: WebSocket;
  hello: Extract<InspectorFrame, { type: 'hello' }>;
  frames: InspectorFrame[];
}> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${insp.url.replace('http', 'ws')}events`, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    const frames: InspectorFrame[] = [];
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as InspectorFrame;
      if (frame.type === 'hello') resolve({ socket, hello: frame, frames });
      else frames.push(frame);
    });
    socket.on('error', reject);
  });
}

describe('the inspector server', () => {
  it('serves the page and its script on 127.0.0.1 only, with a policy that loads nothing from elsewhere', async () => {
    inspector = await startInspector();
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(inspector.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/page.js"></script>');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    const script = await get(`${inspector.url}page.js`);
    expect(script.status).toBe(200);
    expect(script.body.length).toBeGreaterThan(1000);
    expect((await get(`${inspector.url}nothing`)).status).toBe(404);
    // DNS rebinding: a request naming another host is refused.
    expect((await get(inspector.url, 'evil.example:80')).status).toBe(403);
  });

  it('refuses a socket from another origin', async () => {
    expect.assertions(1);
    inspector = await startInspector();
    await expect(openPage(inspector, { origin: 'http://evil.example' })).rejects.toMatchObject({
      message: expect.stringContaining('403'),
    });
  });

  it('sends a page the machines, the sessions and what happened before it opened, then live records', async () => {
    inspector = await startInspector();
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, { handlers: { 'tools/call': () => ({ content: [] }) } });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: inspector.observer('first'),
    });
    await session.connect();
    const { socket, hello, frames } = await openPage(inspector);
    expect(Object.keys(hello.machines)).toEqual([
      'connection',
      'dispatcher',
      'request',
      'inboundRequest',
      'stdioProcess',
      'authorization',
    ]);
    expect(hello.sessions).toEqual([{ id: 's1', label: 'first' }]);
    expect(hello.records.some((r) => r.kind === 'snapshot' && r.value === 'ready')).toBe(true);
    expect(hello.dropped).toBe(0);
    await session.request('tools/call', { name: 'later' });
    await session.close();
    await expect
      .poll(() =>
        frames.some(
          (f) =>
            f.type === 'records' &&
            f.records.some(
              (r) => r.kind === 'snapshot' && r.actor === 'connection' && r.value === 'closed',
            ),
        ),
      )
      .toBe(true);
    expect(inspector.pages).toBe(1);
    socket.close();
  });

  it('keeps only the last `history` records for late pages, and says how many it forgot', async () => {
    inspector = await startInspector({ history: 10 });
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, { handlers: { 'tools/call': () => ({ content: [] }) } });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: inspector.observer(),
    });
    await session.connect();
    for (let i = 0; i < 5; i++) await session.request('tools/call', { name: `n${i}` });
    await session.close();
    const { socket, hello } = await openPage(inspector);
    expect(hello.records).toHaveLength(10);
    expect(hello.dropped).toBeGreaterThan(50);
    // The newest are kept: the connection closing.
    expect(hello.records).toContainEqual(
      expect.objectContaining({ kind: 'snapshot', actor: 'connection', value: 'closed' }),
    );
    socket.close();
  });

  it('still shows a page opened after the history dropped them where each live actor is and the path it took', async () => {
    inspector = await startInspector(); // the default history, 5 000 records
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, {
      handlers: { 'tools/call': () => ({ content: [] }), 'tools/hang': () => NO_RESPONSE },
    });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: inspector.observer('busy'),
    });
    await session.connect();
    const hanging = session.request('tools/hang', {}).catch((e: unknown) => e);
    // More calls than the history holds the records of.
    for (let i = 0; i < 800; i++) await session.request('tools/call', { name: `n${i}` });
    const { socket, hello } = await openPage(inspector);
    // The history alone has lost the connection's and the hanging request's records...
    expect(hello.dropped).toBeGreaterThan(0);
    const mentions = (records: readonly InspectorRecord[], actor: string) =>
      records.some((r) => (r.kind === 'actor' || r.kind === 'snapshot') && r.actor === actor);
    expect(mentions(hello.records, 'connection')).toBe(false);
    expect(mentions(hello.records, 'request:1')).toBe(false);
    // ...but not what the page needs of them: their start, the path taken and where they are.
    const steps = (actor: string) =>
      hello.live.flatMap((r) => (r.kind === 'snapshot' && r.actor === actor ? [r.value] : []));
    expect(hello.live).toContainEqual(
      expect.objectContaining({ kind: 'actor', actor: 'connection', machine: 'connection' }),
    );
    expect(steps('connection')).toEqual(['preconnect', { initializing: 'handshaking' }, 'ready']);
    expect(hello.live).toContainEqual(
      expect.objectContaining({ kind: 'actor', actor: 'request:1', machine: 'request' }),
    );
    expect(steps('request:1').at(-1)).toBe('inFlight');
    expect(hello.live).toContainEqual(
      expect.objectContaining({ kind: 'snapshot', actor: 'request:1', status: 'active' }),
    );
    // Of the settled requests, nothing is kept beside the history.
    expect(mentions(hello.live, 'request:2')).toBe(false);
    expect(hello.live.length).toBeLessThan(20);
    // In the order they happened, all before the history.
    const times = hello.live.map((r) => r.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1) ?? Infinity).toBeLessThanOrEqual(hello.records[0]?.t ?? -Infinity);
    await session.close();
    await expect(hanging).resolves.toMatchObject({ code: 'CONNECTION_CLOSED' });
    socket.close();
  }, 30_000);

  it('bounds what waits between two sends: a burst beyond `history` is counted as dropped, not queued', async () => {
    inspector = await startInspector({ history: 10 });
    const { socket, frames } = await openPage(inspector);
    const observe = inspector.observer('burst');
    const actorRef = { id: 'request:1', sessionId: 'x:1' };
    // 50 records in one turn of the event loop, before the server can send any.
    for (let i = 0; i < 50; i++) {
      observe({
        type: '@xstate.event',
        rootId: 'x:0',
        actorRef,
        sourceRef: undefined,
        event: { type: 'progress', progress: { progress: i } },
      } as unknown as InspectionEvent);
    }
    await expect.poll(() => frames.find((f) => f.type === 'records')).toBeDefined();
    const frame = frames.find((f) => f.type === 'records');
    expect(frame).toMatchObject({ type: 'records', dropped: 40 });
    expect(frame?.type === 'records' && frame.records).toHaveLength(10);
    socket.close();
  });

  it('skips a page that stops reading once its socket holds more than maxBufferedBytes, and tells it how many it missed', async () => {
    inspector = await startInspector({ maxBufferedBytes: 1024 * 1024 });
    const { socket, frames } = await openPage(inspector);
    // The page stops reading: what the server sends piles up in the sockets' buffers.
    const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const observe = inspector.observer('flood');
    const actorRef = { id: 'request:1', sessionId: 'x:1' };
    const pad = 'p'.repeat(4000);
    // 40 batches of 1,000 records of about 4 kB: far more than loopback buffers hold.
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 1000; i++) {
        observe({
          type: '@xstate.event',
          rootId: 'x:0',
          actorRef,
          sourceRef: undefined,
          event: { type: 'progress', progress: { progress: i, message: pad } },
        } as unknown as InspectionEvent);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    tcp.resume();
    await expect
      .poll(() => frames.some((f) => f.type === 'records' && f.dropped > 0), { timeout: 15_000 })
      .toBe(true);
    const received = frames.reduce((n, f) => n + (f.type === 'records' ? f.records.length : 0), 0);
    const dropped = frames.reduce((n, f) => n + (f.type === 'records' ? f.dropped : 0), 0);
    expect(received).toBeLessThan(40_000);
    expect(received + dropped).toBeLessThanOrEqual(40_000);
    socket.close();
  });

  it('closes its pages and itself, twice without harm', async () => {
    const insp = await startInspector();
    const { socket } = await openPage(insp);
    const closed = new Promise<number>((resolve) =>
      socket.on('close', (code: number) => resolve(code)),
    );
    await insp.close();
    await insp.close();
    await expect(closed).resolves.toBeGreaterThan(0);
    await expect(get(insp.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
