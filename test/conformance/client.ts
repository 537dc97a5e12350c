/**
 * The client that the official MCP conformance runner (`@modelcontextprotocol/conformance`)
 * drives: one process per scenario, started as `<command> <server-url>` with the scenario's name in
 * `MCP_CONFORMANCE_SCENARIO`, the revision under test in `MCP_CONFORMANCE_PROTOCOL_VERSION` and,
 * for some scenarios, extra data as JSON in `MCP_CONFORMANCE_CONTEXT`.
 *
 * It uses only the library's public API: `createStreamableHttpTransport` and
 * `createClientSession`. The era follows the revision asked for: handshake revisions (up to
 * 2025-11-25) run `mode: 'legacy'` (initialize), 2026-07-28 runs `mode: 'modern'`
 * (server/discover and per-request `_meta`). It does what each scenario asks and nothing to hide
 * a shortcoming of the library: when the library cannot do something, the scenario fails.
 *
 * Exit code 0 when every step succeeded, 1 otherwise (the error goes to stderr).
 *
 *   npm run test:conformance          runs the whole suite (scripts/conformance.ts)
 */
import {
  AuthorizationError,
  createClientSession,
  createOAuthClient,
  createStreamableHttpTransport,
  idJagAssertion,
  isModernVersion,
  type AuthorizationFailure,
  type ClientSession,
  type ElicitationHandler,
  type ElicitRequestFormParams,
  type ElicitResult,
  type OAuthClientOptions,
  type UserAgent,
} from '../../src/index.js';

type Json = Record<string, unknown>;

/**
 * How long one call may take before the scenario gives up. The runner starts every scenario of a
 * leg at once, so on a small machine a local answer can take seconds; scripts/conformance.ts
 * gives the runner a 60 s limit per scenario.
 */
const CALL_TIMEOUT_MS = 45_000;

const log = (line: string): void => {
  const ms = Math.round(performance.now());
  process.stderr.write(`[conformance-client] ${line} (+${ms} ms)\n`);
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs once, before the next elicitation is answered (a scenario acting between input rounds). */
let beforeElicitationAnswer: (() => Promise<void>) | undefined;

/**
 * The elicitation answer of a user who accepts every field's default: each property of
 * `requestedSchema` that has a `default` gets it (SEP-1034); a boolean without one is confirmed.
 */
const acceptWithDefaults: ElicitationHandler<ElicitRequestFormParams> = async (params) => {
  const hook = beforeElicitationAnswer;
  beforeElicitationAnswer = undefined;
  if (hook !== undefined) await hook();
  const content: NonNullable<ElicitResult['content']> = {};
  for (const [name, property] of Object.entries(params.requestedSchema.properties)) {
    if (!isObject(property)) continue;
    const given = property['default'];
    if (typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean') {
      content[name] = given;
    } else if (Array.isArray(given) && given.every((v) => typeof v === 'string')) {
      content[name] = given;
    } else if (property['type'] === 'boolean') content[name] = true;
  }
  return { action: 'accept', content };
};

/** A placeholder argument for a property schema, by its `type`. */
function placeholder(property: unknown): unknown {
  const type = isObject(property) ? property['type'] : undefined;
  switch (type) {
    case 'string':
      return 'conformance';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      return {};
  }
}

/** Arguments that satisfy the `required` list of a tool's `inputSchema`, with placeholders. */
function argumentsFor(inputSchema: unknown): Json {
  if (!isObject(inputSchema)) return {};
  const properties = isObject(inputSchema['properties']) ? inputSchema['properties'] : {};
  const required = Array.isArray(inputSchema['required']) ? inputSchema['required'] : [];
  const args: Json = {};
  for (const name of required) {
    if (typeof name === 'string') args[name] = placeholder(properties[name]);
  }
  return args;
}

interface ToolCallContext {
  readonly name: string;
  readonly arguments?: Json;
}

function contextToolCalls(context: Json): ToolCallContext[] {
  const calls = context['toolCalls'];
  if (!Array.isArray(calls)) return [];
  return calls.filter(
    (c): c is ToolCallContext =>
      isObject(c) &&
      typeof c['name'] === 'string' &&
      (c['arguments'] === undefined || isObject(c['arguments'])),
  );
}

/** An error and its causes, one per line. */
function describe(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    lines.push(e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n  caused by ');
}

type Scenario = (session: ClientSession, context: Json) => Promise<void>;

const call = { timeout: CALL_TIMEOUT_MS };

/** Lists the tools and calls the first one with placeholder arguments: the default behaviour. */
const listAndCallFirst: Scenario = async (session) => {
  const { tools } = await session.listTools(undefined, call);
  log(`tools: ${tools.map((t) => t.name).join(', ') || '(none)'}`);
  const first = tools[0];
  if (first !== undefined) {
    await session.callTool(first.name, argumentsFor(first.inputSchema), call);
  }
};

const scenarios: Record<string, Scenario> = {
  initialize: async (session) => {
    const { tools } = await session.listTools(undefined, call);
    log(`tools: ${tools.length}`);
  },

  tools_call: async (session) => {
    await session.listTools(undefined, call);
    const result = await session.callTool('add_numbers', { a: 5, b: 3 }, call);
    log(`add_numbers: ${JSON.stringify(result.content)}`);
  },

  'elicitation-sep1034-client-defaults': async (session) => {
    await session.listTools(undefined, call);
    const result = await session.callTool('test_client_elicitation_defaults', {}, call);
    log(`result: ${JSON.stringify(result.content)}`);
  },

  'sse-retry': async (session) => {
    await session.listTools(undefined, call);
    // The server closes the call's SSE stream before answering; the answer comes on the stream
    // the client reopens (GET with Last-Event-ID, after the `retry` delay).
    const result = await session.callTool('test_reconnection', {}, call);
    log(`result: ${JSON.stringify(result.content)}`);
  },

  'request-metadata': async (session) => {
    // The first request is refused with -32022; negotiation retries with a supported version.
    const { tools } = await session.listTools(undefined, call);
    log(`tools: ${tools.length}`);
  },

  'sep-2322-client-request-state': async (session) => {
    await session.listTools(undefined, call);
    // Between the two rounds of test_mrtr_echo_state, an unrelated call must carry neither the
    // input responses nor the request state of that flow.
    beforeElicitationAnswer = async () => {
      const unrelated = await session.callTool('test_mrtr_unrelated', {}, call);
      log(`test_mrtr_unrelated: ${JSON.stringify(unrelated.content)}`);
    };
    const echoed = await session.callTool('test_mrtr_echo_state', {}, call);
    log(`test_mrtr_echo_state: ${JSON.stringify(echoed.content)}`);
    const noState = await session.callTool('test_mrtr_no_state', {}, call);
    log(`test_mrtr_no_state: ${JSON.stringify(noState.content)}`);
    const plain = await session.callTool('test_mrtr_no_result_type', {}, call);
    log(`test_mrtr_no_result_type: ${JSON.stringify(plain.content)}`);
  },

  'http-standard-headers': async (session) => {
    const { tools } = await session.listTools(undefined, call);
    for (const tool of tools) {
      await session.callTool(tool.name, argumentsFor(tool.inputSchema), call);
    }
    const { resources } = await session.listResources(undefined, call);
    for (const resource of resources) await session.readResource(resource.uri, call);
    const { prompts } = await session.listPrompts(undefined, call);
    for (const prompt of prompts) await session.getPrompt(prompt.name, undefined, call);
  },

  'http-custom-headers': async (session, context) => {
    await session.listTools(undefined, call);
    for (const c of contextToolCalls(context)) {
      await session.callTool(c.name, c.arguments ?? {}, call);
    }
  },

  'http-invalid-tool-headers': async (session) => {
    // Tools with invalid x-mcp-header annotations must be left out of the listing (MCP 2026-07-28
    // Streamable HTTP); every tool that remains is called. The session runs with its defaults for
    // an HTTP transport: the library is the one to exclude them.
    const { tools } = await session.listTools(undefined, call);
    log(`tools kept: ${tools.map((t) => t.name).join(', ')}`);
    for (const tool of tools) {
      await session.callTool(tool.name, argumentsFor(tool.inputSchema), call);
    }
  },

  'json-schema-ref-no-deref': async (session) => {
    const { tools } = await session.listTools(undefined, call);
    log(`tools: ${tools.map((t) => t.name).join(', ')}`);
  },

  'json-schema-2020-12-preservation': async (session) => {
    const { tools } = await session.listTools(undefined, call);
    const focal = tools.find((t) => t.name === 'json_schema_2020_12_tool');
    if (focal === undefined) throw new Error('json_schema_2020_12_tool was not listed');
    await session.callTool('json_schema_echo', { schema: focal.inputSchema }, call);
  },
};

/** Where the scenarios' authorization servers send the user back; nothing listens there. */
const REDIRECT_URI = 'http://localhost:3000/callback';

/**
 * The user of the scenarios' authorization servers: the authorize endpoint answers at once with a
 * redirect to the redirect URI, which is read from `Location` and not followed.
 */
const headlessUser: UserAgent = async ({ url, signal }) => {
  const response = await fetch(url, { redirect: 'manual', signal });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (location === null) {
    throw new Error(`the authorization endpoint answered ${response.status} with no redirect`);
  }
  return new URL(location, url);
};

function text(context: Json, key: string): string {
  const value = context[key];
  if (typeof value !== 'string') throw new Error(`MCP_CONFORMANCE_CONTEXT has no ${key}`);
  return value;
}

/** The OAuth configuration of an `auth/*` scenario (from its context where it has one). */
function oauthFor(scenario: string, context: Json): OAuthClientOptions {
  const codeGrant = {
    type: 'authorization_code',
    redirectUri: REDIRECT_URI,
    userAgent: headlessUser,
  } as const;
  switch (scenario) {
    case 'auth/pre-registration':
      return {
        grant: codeGrant,
        client: {
          clientId: text(context, 'client_id'),
          clientSecret: text(context, 'client_secret'),
          issuer: text(context, 'issuer'),
        },
      };
    case 'auth/client-credentials-jwt':
      return {
        grant: { type: 'client_credentials' },
        client: {
          clientId: text(context, 'client_id'),
          privateKey: text(context, 'private_key_pem'),
          signingAlgorithm:
            typeof context['signing_algorithm'] === 'string'
              ? context['signing_algorithm']
              : 'ES256',
        },
      };
    case 'auth/client-credentials-basic':
      return {
        grant: { type: 'client_credentials' },
        client: {
          clientId: text(context, 'client_id'),
          clientSecret: text(context, 'client_secret'),
        },
      };
    case 'auth/enterprise-managed-authorization':
      return {
        grant: {
          type: 'jwt_bearer',
          assertion: idJagAssertion({
            tokenEndpoint: text(context, 'idp_token_endpoint'),
            issuer: text(context, 'idp_issuer'),
            idToken: text(context, 'idp_id_token'),
            clientId: text(context, 'idp_client_id'),
          }),
        },
        client: {
          clientId: text(context, 'client_id'),
          clientSecret: text(context, 'client_secret'),
        },
      };
    case 'auth/wif-jwt-bearer': {
      const assertion = text(context, 'valid_jwt');
      return {
        grant: { type: 'jwt_bearer', assertion: () => assertion },
        client: { clientId: text(context, 'client_id'), authMethod: 'none' },
      };
    }
    default:
      return {
        grant: codeGrant,
        clientMetadataUrl: 'https://conformance-test.local/client-metadata.json',
        clientName: 'mcp-actors-conformance',
      };
  }
}

/**
 * The scenarios whose server is built to be refused: the client must stop, with the library's
 * error for that reason, before sending what the check looks for.
 */
const REFUSALS: Readonly<Record<string, AuthorizationFailure>> = {
  'auth/resource-mismatch': 'resource-mismatch',
  'auth/iss-supported-missing': 'iss-missing',
  'auth/iss-wrong-issuer': 'iss-mismatch',
  'auth/iss-unexpected': 'iss-mismatch',
  'auth/iss-normalized': 'iss-mismatch',
  'auth/metadata-issuer-mismatch': 'issuer-mismatch',
  'auth/scope-retry-limit': 'insufficient-scope',
};

async function main(): Promise<number> {
  const url = process.argv[2];
  const scenario = process.env['MCP_CONFORMANCE_SCENARIO'] ?? '';
  const protocolVersion = process.env['MCP_CONFORMANCE_PROTOCOL_VERSION'] ?? '2025-11-25';
  let context: Json = {};
  try {
    const parsed: unknown = JSON.parse(process.env['MCP_CONFORMANCE_CONTEXT'] ?? '{}');
    if (isObject(parsed)) context = parsed;
  } catch {
    log('MCP_CONFORMANCE_CONTEXT is not JSON; ignored');
  }
  if (url === undefined) {
    log('usage: client.ts <server-url> (scenario in MCP_CONFORMANCE_SCENARIO)');
    return 2;
  }
  const modern = isModernVersion(protocolVersion);
  log(`scenario ${scenario || '(none)'}, ${protocolVersion} (${modern ? 'modern' : 'legacy'})`);

  const oauth = scenario.startsWith('auth/')
    ? createOAuthClient(oauthFor(scenario, context))
    : undefined;
  const session = createClientSession({
    transport: createStreamableHttpTransport({
      url,
      ...(oauth === undefined ? {} : { auth: oauth }),
    }),
    clientInfo: { name: 'mcp-actors-conformance', version: '0.1.0' },
    mode: modern ? 'modern' : 'legacy',
    protocolVersion,
    requestTimeout: CALL_TIMEOUT_MS,
    roots: { list: () => [{ uri: `file://${process.cwd()}`, name: 'cwd' }] },
    sampling: () => ({
      role: 'assistant',
      content: { type: 'text', text: 'conformance' },
      model: 'none',
    }),
    elicitation: { form: acceptWithDefaults },
    messageHandler: (m) => {
      if (m.type === 'exception') log(`stream exception: ${m.error.message}`);
    },
    onDiagnostic: (d) => log(`diagnostic ${d.code}: ${d.message}`),
  });

  try {
    log('connecting');
    const negotiated = await session.connect();
    log(`negotiated ${negotiated.era} ${negotiated.protocolVersion}`);
    await (scenarios[scenario] ?? listAndCallFirst)(session, context);
    log('done');
    return 0;
  } catch (error) {
    const refusal = REFUSALS[scenario];
    if (refusal !== undefined && error instanceof AuthorizationError && error.reason === refusal) {
      log(`refused as the scenario expects (${refusal}): ${error.message}`);
      log('done');
      return 0;
    }
    log(`failed: ${describe(error)}`);
    return 1;
  } finally {
    await session.close().catch((error: unknown) => log(`close failed: ${String(error)}`));
  }
}

// Exit explicitly: a stream the library left open must not keep the scenario running.
process.exit(await main());
