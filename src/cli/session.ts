/**
 * From checked command-line options to a transport and a session: the transport the target names,
 * the negotiation mode the protocol flag asks for, and the callbacks (roots, and the terminal
 * dialogs for sampling and elicitation).
 */
import {
  createClientSession,
  type ClientSession,
  type ClientSessionOptions,
  type CreateMessageResult,
  type ElicitResult,
  type Diagnostic,
  type HttpAuth,
  type SessionMessage,
  type Transport,
} from '../index.js';
import { commandLine } from '../node/command-line.js';
import {
  createServerTransport,
  describeServerTransport,
  transportPid,
  type ServerConfig,
} from '../node/server-transport.js';
import { isModern, type Revision } from '../protocol/revisions.js';
import { PACKAGE_VERSION } from '../session/types.js';
import type { CliOptions, ServerTarget } from './options.js';

/**
 * A terminal dialog: the server's params in, the user's answer out, as plain JSON built from what
 * the user typed (the session checks it against the revision's schema before it is sent).
 */
export type Dialog = (
  params: Readonly<Record<string, unknown>>,
  extra: { readonly signal: AbortSignal },
) => Promise<Record<string, unknown>>;

/** What the session's callbacks call into (the runner's terminal and output). */
export interface SessionHooks {
  /** Answers `elicitation/create` in form mode. */
  readonly elicitForm: Dialog;
  /** Answers `elicitation/create` in URL mode. */
  readonly elicitUrl: Dialog;
  /** Answers `sampling/createMessage`. */
  readonly sample: Dialog;
  /** Every notification, stream exception and transport event. */
  readonly message: (message: SessionMessage) => void;
  /** Every diagnostic. */
  readonly diagnostic: (diagnostic: Diagnostic) => void;
  /** The server's stderr (stdio), as text. */
  readonly serverStderr: (text: string) => void;
  /** An inspection observer, with --inspect. */
  readonly inspect?: ClientSessionOptions['inspect'];
  /** OAuth for an http(s) server. */
  readonly auth?: HttpAuth;
}

/** The transport for a target, and how to describe it once connected. */
export interface BuiltTransport {
  readonly transport: Transport;
  /** The transport in use, for `info` (the HTTP fallback decides on the first message). */
  describe(): string;
  /** The stdio server's process id, once spawned. */
  pid(): number | undefined;
}

/** Where the server is, for messages: its command line or its URL. */
export function targetText(target: ServerTarget): string {
  return target.kind === 'stdio' ? commandLine(target.command, target.args) : target.url.href;
}

/** The target as a server description (the same one an `mcpServers` entry becomes). */
export function targetConfig(target: ServerTarget): ServerConfig {
  switch (target.kind) {
    case 'stdio':
      return {
        type: 'stdio',
        command: target.command,
        args: target.args,
        env: target.env,
        ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
      };
    case 'http':
      return {
        type: target.transport === 'auto' ? 'http' : target.transport,
        url: target.url.href,
        headers: target.headers,
      };
    case 'websocket':
      return { type: 'ws', url: target.url.href, headers: target.headers };
  }
}

export function buildTransport(
  target: ServerTarget,
  serverStderr: (text: string) => void,
  auth?: HttpAuth,
  maxMessageBytes?: number,
): BuiltTransport {
  const config = targetConfig(target);
  const transport = createServerTransport(config, {
    stderr: serverStderr,
    ...(auth === undefined ? {} : { auth }),
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
  });
  return {
    transport,
    describe: () => describeServerTransport(config, transport),
    pid: () => transportPid(transport),
  };
}

/** The negotiation options for `--protocol-version` (none: probe). */
export function negotiationOptions(
  options: Pick<CliOptions, 'protocolVersion' | 'server'>,
): Pick<ClientSessionOptions, 'mode' | 'protocolVersion' | 'supportedProtocolVersions'> {
  const server = options.server;
  return negotiationFor(
    options.protocolVersion,
    server.kind === 'http' && server.transport === 'sse',
  );
}

/**
 * The negotiation options for a pinned revision, or none (probe); `sse`: the server is reached
 * over HTTP+SSE, whose servers predate server/discover (no probe: the handshake).
 */
export function negotiationFor(
  pinned: Revision | undefined,
  sse: boolean,
): Pick<ClientSessionOptions, 'mode' | 'protocolVersion' | 'supportedProtocolVersions'> {
  if (pinned === undefined) return sse ? { mode: 'legacy' } : { mode: 'auto' };
  return {
    mode: isModern(pinned) ? 'modern' : 'legacy',
    protocolVersion: pinned,
    supportedProtocolVersions: [pinned],
  };
}

export function buildSession(
  options: CliOptions,
  hooks: SessionHooks,
): { session: ClientSession; transport: BuiltTransport } {
  const transport = buildTransport(
    options.server,
    hooks.serverStderr,
    hooks.auth,
    options.maxMessageBytes,
  );
  const timeout = options.timeout;
  const roots = options.roots;
  const session = createClientSession({
    transport: transport.transport,
    clientInfo: { name: 'mcp-actors-cli', version: PACKAGE_VERSION },
    ...negotiationOptions(options),
    requestTimeout: timeout,
    initializeTimeout: timeout,
    probeTimeout: options.probeTimeout,
    ...(roots.length === 0
      ? {}
      : { roots: { list: () => roots.map((uri) => ({ uri })), listChanged: false } }),
    // The answers are checked by the session before they are sent (CallbackResultError).
    sampling: (params, extra) => hooks.sample(params, extra) as Promise<CreateMessageResult>,
    elicitation: {
      form: (params, extra) => hooks.elicitForm(params, extra) as Promise<ElicitResult>,
      url: (params, extra) => hooks.elicitUrl(params, extra) as Promise<ElicitResult>,
    },
    messageHandler: hooks.message,
    onDiagnostic: hooks.diagnostic,
    ...(hooks.inspect === undefined ? {} : { inspect: hooks.inspect }),
  });
  return { session, transport };
}
