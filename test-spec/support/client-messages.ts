/** A representative set of the messages a client writes, per revision. */
import type { Revision } from '../../src/protocol/revisions.js';
import type { JsonObject } from './spec.js';

export interface ClientMessage {
  readonly label: string;
  /** The official type the whole message is an instance of (envelope types validate it all). */
  readonly type: string;
  /** For responses: the official type of `result`. */
  readonly resultType?: string;
  /** The method table entry the params (or result) belong to. */
  readonly table?: 'clientRequests' | 'clientNotifications' | 'serverRequests';
  readonly method?: string;
  readonly message: JsonObject;
}

const clientInfo = { name: 'mcp-actors', version: '0.1.0' };

function capabilities(revision: Revision): JsonObject {
  if (revision === '2026-07-28') {
    return {
      roots: {},
      sampling: { tools: {} },
      elicitation: { form: {}, url: {} },
      extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } },
    };
  }
  if (revision === '2025-11-25') {
    return {
      roots: { listChanged: true },
      sampling: { tools: {} },
      elicitation: { form: {}, url: {} },
    };
  }
  if (revision === '2025-06-18') {
    return { roots: { listChanged: true }, sampling: {}, elicitation: {} };
  }
  return { roots: { listChanged: true }, sampling: {} };
}

export function clientMessages(revision: Revision): ClientMessage[] {
  const modern = revision === '2026-07-28';
  let nextId = 1;
  const id = () => nextId++;
  /** 2026 requests carry the protocol fields in `params._meta`; legacy ones may carry a token. */
  const params = (members: JsonObject, progressToken?: string): JsonObject => {
    if (modern) {
      return {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': revision,
          'io.modelcontextprotocol/clientCapabilities': capabilities(revision),
          'io.modelcontextprotocol/clientInfo': clientInfo,
          ...(progressToken === undefined ? {} : { progressToken }),
        },
        ...members,
      };
    }
    return progressToken === undefined ? members : { _meta: { progressToken }, ...members };
  };
  const request = (
    label: string,
    type: string,
    method: string,
    members?: JsonObject,
    progressToken?: string,
  ): ClientMessage => {
    const p = members === undefined && !modern ? undefined : params(members ?? {}, progressToken);
    return {
      label,
      type,
      table: 'clientRequests',
      method,
      message: { jsonrpc: '2.0', id: id(), method, ...(p === undefined ? {} : { params: p }) },
    };
  };
  const notification = (
    label: string,
    type: string,
    method: string,
    p?: JsonObject,
  ): ClientMessage => ({
    label,
    type,
    table: 'clientNotifications',
    method,
    message: { jsonrpc: '2.0', method, ...(p === undefined ? {} : { params: p }) },
  });
  const response = (
    label: string,
    resultType: string,
    method: string,
    result: JsonObject,
  ): ClientMessage => ({
    label,
    type: revision >= '2025-11-25' ? 'JSONRPCResultResponse' : 'JSONRPCResponse',
    resultType,
    table: 'serverRequests',
    method,
    message: { jsonrpc: '2.0', id: `server-${id()}`, result },
  });

  const out: ClientMessage[] = [];

  if (!modern) {
    out.push(
      request('initialize', 'InitializeRequest', 'initialize', {
        protocolVersion: revision,
        capabilities: capabilities(revision),
        clientInfo,
      }),
      notification('initialized', 'InitializedNotification', 'notifications/initialized'),
      request('ping', 'PingRequest', 'ping'),
    );
  } else {
    out.push(request('server/discover', 'DiscoverRequest', 'server/discover'));
  }
  out.push(
    request('tools/list', 'ListToolsRequest', 'tools/list'),
    request('tools/list with a cursor', 'ListToolsRequest', 'tools/list', { cursor: 'page-2' }),
    request(
      'tools/call',
      'CallToolRequest',
      'tools/call',
      { name: 'get_weather', arguments: { city: 'Paris', days: 3, detailed: true } },
      'progress-1',
    ),
    request('prompts/list', 'ListPromptsRequest', 'prompts/list'),
    request('prompts/get', 'GetPromptRequest', 'prompts/get', {
      name: 'code_review',
      arguments: { language: 'python' },
    }),
    request('resources/list', 'ListResourcesRequest', 'resources/list'),
    request('resources/templates/list', 'ListResourceTemplatesRequest', 'resources/templates/list'),
    request('resources/read', 'ReadResourceRequest', 'resources/read', {
      uri: 'file:///project/README.md',
    }),
    request('completion/complete', 'CompleteRequest', 'completion/complete', {
      ref: { type: 'ref/prompt', name: 'code_review' },
      argument: { name: 'language', value: 'py' },
      ...(revision >= '2025-06-18' ? { context: { arguments: { framework: 'flask' } } } : {}),
    }),
    request('completion/complete on a template', 'CompleteRequest', 'completion/complete', {
      // `ResourceReference` until 2025-03-26, `ResourceTemplateReference` later: same shape.
      ref: { type: 'ref/resource', uri: 'file:///{path}' },
      argument: { name: 'path', value: 'src/' },
    }),
    notification('cancelled', 'CancelledNotification', 'notifications/cancelled', {
      requestId: 3,
      reason: 'The user cancelled the request',
    }),
  );

  if (!modern) {
    out.push(
      request('resources/subscribe', 'SubscribeRequest', 'resources/subscribe', {
        uri: 'file:///project/README.md',
      }),
      request('resources/unsubscribe', 'UnsubscribeRequest', 'resources/unsubscribe', {
        uri: 'file:///project/README.md',
      }),
      request('logging/setLevel', 'SetLevelRequest', 'logging/setLevel', { level: 'warning' }),
      notification('progress', 'ProgressNotification', 'notifications/progress', {
        progressToken: 'server-token',
        progress: 0.5,
        total: 1,
        ...(revision >= '2025-03-26' ? { message: 'Sampling the model' } : {}),
      }),
      notification(
        'roots list changed',
        'RootsListChangedNotification',
        'notifications/roots/list_changed',
      ),
      response('empty result for ping', 'EmptyResult', 'ping', {}),
      response('sampling result', 'CreateMessageResult', 'sampling/createMessage', {
        role: 'assistant',
        content: { type: 'text', text: 'Paris.' },
        model: 'example-model',
        stopReason: 'endTurn',
      }),
      response('roots result', 'ListRootsResult', 'roots/list', {
        roots: [{ uri: 'file:///home/user/project', name: 'Project' }],
      }),
    );
    if (revision >= '2025-06-18') {
      out.push(
        response('elicitation result', 'ElicitResult', 'elicitation/create', {
          action: 'accept',
          content: { name: 'octocat', age: 30, subscribe: true },
        }),
        response('declined elicitation', 'ElicitResult', 'elicitation/create', {
          action: 'decline',
        }),
      );
    }
    if (revision >= '2025-11-25') {
      out.push(
        response('sampling result with tool use', 'CreateMessageResult', 'sampling/createMessage', {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call-1', name: 'get_weather', input: { city: 'Paris' } },
          ],
          model: 'example-model',
          stopReason: 'toolUse',
        }),
      );
    }
  } else {
    out.push(
      request('subscriptions/listen', 'SubscriptionsListenRequest', 'subscriptions/listen', {
        notifications: {
          toolsListChanged: true,
          promptsListChanged: true,
          resourcesListChanged: true,
          resourceSubscriptions: ['file:///project/config.json'],
        },
      }),
      {
        label: 'tools/call with a log level and trace context',
        type: 'CallToolRequest',
        table: 'clientRequests',
        method: 'tools/call',
        message: {
          jsonrpc: '2.0',
          id: id(),
          method: 'tools/call',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': revision,
              'io.modelcontextprotocol/clientCapabilities': {},
              'io.modelcontextprotocol/logLevel': 'info',
              traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            },
            name: 'build',
          },
        },
      },
      request('tools/call retry with input responses', 'CallToolRequest', 'tools/call', {
        name: 'create_issue',
        arguments: { title: 'Bug' },
        inputResponses: {
          github_login: { action: 'accept', content: { name: 'octocat' } },
          summary: {
            role: 'assistant',
            content: { type: 'text', text: 'A short summary.' },
            model: 'example-model',
          },
          workspace: { roots: [{ uri: 'file:///home/user/project' }] },
        },
        requestState: 'eyJzdGVwIjoyfQ',
      }),
      request('prompts/get retry with request state only', 'GetPromptRequest', 'prompts/get', {
        name: 'code_review',
        requestState: 'opaque-state',
      }),
      request('resources/read retry', 'ReadResourceRequest', 'resources/read', {
        uri: 'file:///project/secret.txt',
        inputResponses: { consent: { action: 'decline' } },
        requestState: 's-1',
      }),
    );
  }
  return out;
}
