import {
  createInMemoryTransportPair,
  JsonRpcError,
  type GroupEvent,
  type ServerSpec,
  type ServerStatus,
  type SessionGroup,
} from '../../src/index.js';
import {
  NO_RESPONSE,
  startScriptedServer,
  type ScriptedCallContext,
  type ScriptedHandler,
  type ScriptedServer,
} from '../../src/testing/index.js';

const SUB = 'io.modelcontextprotocol/subscriptionId';

export interface FakeOptions {
  readonly tools?: string[];
  readonly prompts?: string[];
  readonly resources?: string[];
  readonly templates?: string[];
  /** A 2026-07-28 server (the session connects in `modern` mode). */
  readonly modern?: boolean;
  /** How `initialize` (or `server/discover`) is answered; default: as the scripted server does. */
  readonly connect?: 'ok' | 'hang' | 'fail';
  /** Entries per listing page. Default 1, so every listing has several pages. */
  readonly pageSize?: number;
}

/** A scripted MCP server a group can connect to again and again: each transport is a new server. */
export interface Fake {
  readonly spec: ServerSpec;
  /** Every server started, one per connection attempt. */
  readonly servers: ScriptedServer[];
  /** What it offers; change it, then tell the client. */
  readonly offer: { tools: string[]; prompts: string[]; resources: string[]; templates: string[] };
  /** How the next connection attempts are answered. */
  connect: 'ok' | 'hang' | 'fail';
  /** The latest server. */
  latest(): ScriptedServer;
  /** Sends a list change: a plain notification (legacy) or on the open listen stream (2026). */
  listChanged(kind: 'tools' | 'prompts' | 'resources'): void;
  /** The calls the servers received, as `method name`. */
  readonly calls: string[];
}

export function fake(options: FakeOptions = {}): Fake {
  const modern = options.modern === true;
  const size = options.pageSize ?? 1;
  const complete = modern ? { resultType: 'complete', ttlMs: 0, cacheScope: 'public' } : {};
  const servers: ScriptedServer[] = [];
  const streams: ScriptedCallContext[] = [];
  const calls: string[] = [];
  const offer = {
    tools: options.tools ?? [],
    prompts: options.prompts ?? [],
    resources: options.resources ?? [],
    templates: options.templates ?? [],
  };
  const capabilities = {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { listChanged: true },
  };
  const page =
    <T>(key: string, items: () => T[]): ScriptedHandler =>
    (params) => {
      const start = Number(params?.cursor ?? 0);
      const all = items();
      return {
        [key]: all.slice(start, start + size),
        ...(start + size < all.length ? { nextCursor: String(start + size) } : {}),
        ...complete,
      };
    };
  const connecting =
    (answer: () => unknown): ScriptedHandler =>
    () => {
      if (self.connect === 'hang') return NO_RESPONSE;
      if (self.connect === 'fail')
        throw new JsonRpcError({ code: -32603, message: 'the server is broken' });
      return answer();
    };
  const handlers: Record<string, ScriptedHandler> = {
    'tools/list': page('tools', () =>
      offer.tools.map((name) => ({ name, inputSchema: { type: 'object' } })),
    ),
    'prompts/list': page('prompts', () => offer.prompts.map((name) => ({ name }))),
    'resources/list': page('resources', () => offer.resources.map((uri) => ({ uri, name: uri }))),
    'resources/templates/list': page('resourceTemplates', () =>
      offer.templates.map((uriTemplate) => ({ uriTemplate, name: uriTemplate })),
    ),
    'tools/call': (params) => {
      calls.push(`tools/call ${String(params?.name)}`);
      return { content: [{ type: 'text', text: `called ${String(params?.name)}` }], ...complete };
    },
    'prompts/get': (params) => {
      calls.push(`prompts/get ${String(params?.name)}`);
      return { messages: [], ...complete };
    },
    'resources/read': (params) => {
      calls.push(`resources/read ${String(params?.uri)}`);
      return { contents: [{ uri: params?.uri, text: 'content' }], ...complete };
    },
  };
  if (modern) {
    handlers['server/discover'] = connecting(() => ({
      supportedVersions: ['2026-07-28'],
      capabilities,
      ...complete,
    }));
    handlers['subscriptions/listen'] = (params, ctx) => {
      streams.push(ctx);
      ctx.notify('notifications/subscriptions/acknowledged', {
        notifications: params?.notifications ?? {},
        _meta: { [SUB]: ctx.id },
      });
      return NO_RESPONSE;
    };
  } else {
    handlers['initialize'] = connecting(() => ({
      protocolVersion: '2025-11-25',
      capabilities,
      serverInfo: { name: 'fake', version: '1.0.0' },
    }));
  }
  const self: Fake = {
    spec: {
      transport: () => {
        const [client, server] = createInMemoryTransportPair();
        servers.push(startScriptedServer(server, { capabilities, handlers }));
        return client;
      },
      session: { mode: modern ? 'modern' : 'legacy' },
    },
    servers,
    offer,
    connect: options.connect ?? 'ok',
    calls,
    latest() {
      const last = servers.at(-1);
      if (last === undefined) throw new Error('no server started');
      return last;
    },
    listChanged(kind) {
      const method = `notifications/${kind}/list_changed`;
      const stream = streams.at(-1);
      if (modern && stream !== undefined) stream.notify(method, { _meta: { [SUB]: stream.id } });
      else self.latest().notify(method);
    },
  };
  return self;
}

/** The next event of the group that matches. */
export function next(
  group: SessionGroup,
  match: (event: GroupEvent) => boolean,
): Promise<GroupEvent> {
  return new Promise((resolve) => {
    const off = group.on((event) => {
      if (match(event)) {
        off();
        resolve(event);
      }
    });
  });
}

/** Resolves once the server has the status (at once if it has it now). */
export function status(
  group: SessionGroup,
  server: string,
  wanted: ServerStatus,
): Promise<unknown> {
  if (group.server(server)?.status === wanted) return Promise.resolve();
  return next(
    group,
    (e) => e.type === 'status' && e.server === server && e.state.status === wanted,
  );
}

/** Resolves once the aggregate's tool names satisfy `match`. */
export function toolsSatisfy(
  group: SessionGroup,
  match: (names: string[]) => boolean,
): Promise<unknown> {
  const names = () => group.tools().map((t) => t.name);
  if (match(names())) return Promise.resolve();
  return next(group, (e) => e.type === 'aggregate' && match(e.aggregate.tools.map((t) => t.name)));
}
