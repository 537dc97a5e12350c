/**
 * What the client really writes, validated against each revision's official schema.json: a live
 * session (the library itself, not hand-built samples) connects to a scripted server speaking the
 * revision, uses every client method the revision has, answers the server's requests, and every
 * message the server received must be a valid `JSONRPCMessage` of that revision (and, for requests,
 * a valid instance of the request's own type).
 */
import { describe, expect, it } from 'vitest';
import { loadSchemas } from '../src/index.js';
import { LEGACY_REVISIONS, type Revision } from '../src/protocol/revisions.js';
import { NO_RESPONSE } from '../src/testing/index.js';
import { connected, flush } from '../test/support/harness.js';
import { oracle } from './support/spec.js';

await loadSchemas();

/** Official request type names by method (the `*Request` types of the schema). */
const requestType: Record<string, string> = {
  initialize: 'InitializeRequest',
  ping: 'PingRequest',
  'server/discover': 'DiscoverRequest',
  'tools/list': 'ListToolsRequest',
  'tools/call': 'CallToolRequest',
  'prompts/list': 'ListPromptsRequest',
  'prompts/get': 'GetPromptRequest',
  'resources/list': 'ListResourcesRequest',
  'resources/templates/list': 'ListResourceTemplatesRequest',
  'resources/read': 'ReadResourceRequest',
  'resources/subscribe': 'SubscribeRequest',
  'resources/unsubscribe': 'UnsubscribeRequest',
  'completion/complete': 'CompleteRequest',
  'logging/setLevel': 'SetLevelRequest',
  'subscriptions/listen': 'SubscriptionsListenRequest',
};

const tool = { name: 'echo', inputSchema: { type: 'object' } };
const complete = { resultType: 'complete' };
const cacheable = { ...complete, ttlMs: 0, cacheScope: 'public' };

function handlers(modern: boolean) {
  const c = modern ? complete : {};
  const l = modern ? cacheable : {};
  return {
    'server/discover': () => ({
      ...cacheable,
      supportedVersions: ['2026-07-28'],
      capabilities: {
        tools: {},
        prompts: {},
        resources: { subscribe: true },
        completions: {},
        logging: {},
      },
    }),
    'tools/list': () => ({ ...l, tools: [tool] }),
    'tools/call': (p: Record<string, unknown> | undefined) =>
      modern && p?.requestState === undefined
        ? {
            resultType: 'input_required',
            inputRequests: { r: { method: 'roots/list', params: {} } },
            requestState: 'opaque',
          }
        : { ...c, content: [{ type: 'text', text: 'ok' }] },
    'prompts/list': () => ({ ...l, prompts: [{ name: 'p' }] }),
    'prompts/get': () => ({ ...c, messages: [] }),
    'resources/list': () => ({ ...l, resources: [{ uri: 'file:///a', name: 'a' }] }),
    'resources/templates/list': () => ({
      ...l,
      resourceTemplates: [{ uriTemplate: 'file:///{x}', name: 'x' }],
    }),
    'resources/read': () => ({ ...l, contents: [{ uri: 'file:///a', text: 'a' }] }),
    'resources/subscribe': () => ({}),
    'resources/unsubscribe': () => ({}),
    'completion/complete': () => ({ ...c, completion: { values: ['a'] } }),
    'logging/setLevel': () => ({}),
    'subscriptions/listen': (
      _p: unknown,
      ctx: { id: string | number; notify(m: string, p: Record<string, unknown>): void },
    ) => {
      ctx.notify('notifications/subscriptions/acknowledged', {
        notifications: { toolsListChanged: true },
        _meta: { 'io.modelcontextprotocol/subscriptionId': ctx.id },
      });
      return NO_RESPONSE;
    },
  };
}

async function liveWire(revision: Revision): Promise<unknown[]> {
  const modern = revision === '2026-07-28';
  const { session, server } = await connected(
    {
      mode: modern ? 'modern' : 'legacy',
      protocolVersion: revision,
      clientInfo: { name: 'live', version: '1.0.0' },
      roots: { list: () => [{ uri: 'file:///root', name: 'root' }] },
      sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' }),
      ...(revision >= '2025-06-18' ? { elicitation: { form: () => ({ action: 'decline' }) } } : {}),
    },
    { protocolVersion: revision, handlers: handlers(modern) },
  );
  await session.listAllTools();
  await session.callTool('echo', { text: 'x' }, { onProgress: () => {} });
  await session.listAllPrompts();
  await session.getPrompt('p', { a: 'b' });
  await session.listAllResources();
  await session.listAllResourceTemplates();
  await session.readResource('file:///a');
  await session.complete({
    ref: { type: 'ref/prompt', name: 'p' },
    argument: { name: 'a', value: 'b' },
  });
  const controller = new AbortController();
  const slow = session
    .request('tools/call', { name: 'slow' }, { signal: controller.signal })
    .catch(() => {});
  controller.abort('no longer needed');
  await slow;
  if (modern) {
    const sub = await session.listen({ toolsListChanged: true });
    await sub.close();
  } else {
    await session.ping();
    await session.subscribeResource('file:///a');
    await session.unsubscribeResource('file:///a');
    await session.setLoggingLevel('info');
    await session.sendRootsListChanged();
    // The client's answers to server requests are messages it writes too.
    await server.request('ping');
    await server.request('roots/list', {});
    await server.request('sampling/createMessage', {
      messages: [{ role: 'user', content: { type: 'text', text: 'q' } }],
      maxTokens: 5,
    });
    if (revision >= '2025-06-18') {
      await server.request('elicitation/create', {
        message: 'm',
        requestedSchema: { type: 'object', properties: {} },
      });
    }
    await server.request('nope/unknown').catch((e: unknown) => e);
  }
  await session.close();
  await flush();
  return server.received;
}

describe('the messages the client writes validate against the official schema of their revision', () => {
  for (const revision of [...LEGACY_REVISIONS, '2026-07-28'] as Revision[]) {
    it(revision, async () => {
      const wire = await liveWire(revision);
      const check = oracle(revision, false);
      const failures: string[] = [];
      const methods = new Set<string>();
      for (const message of wire) {
        const m = message as { method?: string };
        if (m.method !== undefined) methods.add(m.method);
        const asMessage = check.validator('JSONRPCMessage');
        if (!asMessage(message))
          failures.push(
            `${JSON.stringify(message)} is not a JSONRPCMessage: ${JSON.stringify(asMessage.errors?.slice(0, 2))}`,
          );
        const type = m.method === undefined ? undefined : requestType[m.method];
        if (type !== undefined && 'id' in (message as object)) {
          const own = check.validator(type);
          if (!own(message))
            failures.push(
              `${JSON.stringify(message)} is not a ${type}: ${JSON.stringify(own.errors?.slice(0, 2))}`,
            );
        }
      }
      expect(failures).toEqual([]);
      // The run covered what the revision has.
      const expected =
        revision === '2026-07-28'
          ? [
              'server/discover',
              'tools/call',
              'subscriptions/listen',
              'notifications/cancelled',
              'completion/complete',
            ]
          : [
              'initialize',
              'notifications/initialized',
              'ping',
              'logging/setLevel',
              'notifications/roots/list_changed',
              'notifications/cancelled',
              'resources/subscribe',
            ];
      for (const method of expected) expect(methods, method).toContain(method);
      expect(wire.length).toBeGreaterThan(10);
    });
  }
});
