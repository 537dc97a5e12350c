/**
 * The session assembled: its pieces built from the options (in the order the options are checked,
 * so that the first wrong option is the one reported) and wired to each other through their small
 * interfaces. `ClientSession` holds the pieces and delegates to them; nothing here runs per call.
 */
import { Dispatcher } from '../core/dispatcher.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { InvalidArgumentError } from '../errors/errors.js';
import type { Transport } from '../wire/transport.js';
import { ResponseCache } from './cache.js';
import { CallbackRouter } from './callbacks.js';
import { Calls } from './calls.js';
import type { Revision } from '../protocol/revisions.js';
import { RevisionChecks } from './checks.js';
import { Lifecycle } from './lifecycle.js';
import { ListenStreams } from './listens.js';
import { modernStamp } from './meta.js';
import { NotificationRouter } from './notifications.js';
import { ServerRequests } from './serving.js';
import { settingsOf } from './support.js';
import { ToolCatalog } from './tools.js';
import type { ClientSessionOptions } from './types.js';

/** The pieces of one session. */
export interface SessionParts {
  readonly dispatcher: Dispatcher;
  /** The connection actor, connect() and close(). */
  readonly life: Lifecycle;
  /** Revision gating and result checks. */
  readonly checks: RevisionChecks;
  /** The outbound call path. */
  readonly calls: Calls;
  /** The tools of the latest listing. */
  readonly tools: ToolCatalog;
  /** The open 2026 listen streams. */
  readonly listens: ListenStreams;
  /** What the server tells the client. */
  readonly notifications: NotificationRouter;
  /** What the server asks of the client. */
  readonly serving: ServerRequests;
}

/** Builds and wires the pieces of a session; throws `InvalidArgumentError` on a wrong option. */
export function assembleSession(options: ClientSessionOptions): SessionParts {
  const dispatcher = dispatcherOf(options);
  const report = (diagnostic: Diagnostic): void => dispatcher.report(diagnostic);
  const transport = dispatcher.transport;
  const tools = new ToolCatalog(
    options.checkHeaderAnnotations ?? transport.useToolSchemas !== undefined,
    report,
  );
  // 2026 Streamable HTTP mirrors annotated tool arguments into Mcp-Param-* headers.
  transport.useToolSchemas?.(tools.get);
  const checks = new RevisionChecks(report);
  const callbacks = new CallbackRouter(options, checks.answer);
  const cache =
    options.cache === false
      ? undefined
      : (options.cache ??
        new ResponseCache(options.clock === undefined ? {} : { clock: options.clock }));
  const settings = {
    ...settingsOf(options, dispatcher.requestTimeout, async (revision, method, r) => {
      await checks.loading;
      return checks.result(revision, method, r);
    }),
    prepare: (revision: Revision) => checks.prepare(revision),
  };
  const calls: Calls = new Calls({
    dispatcher,
    checks,
    tools,
    cache,
    credential: options.credential ?? '',
    answer: (method, params, extra) => callbacks.run(method, params, extra),
    // Called only once the session is built: a send asks the lifecycle why it is refused.
    refuse: (what): Error => life.refusal(what),
  });
  const listens: ListenStreams = new ListenStreams(dispatcher, calls.page);
  const notifications: NotificationRouter = new NotificationRouter({
    report,
    screen: (n) => checks.screenNotification(n),
    streams: listens,
    elicitationComplete: (id) => callbacks.elicitationComplete(id),
    cache,
    options,
  });
  const serving = new ServerRequests(options.requestHandlers, checks, callbacks);
  const life: Lifecycle = new Lifecycle({
    options,
    dispatcher,
    settings,
    schemas: checks.loading,
    cache,
    routes: {
      request: serving.serve,
      screenRequest: (method) => checks.screenRequest(method),
      notification: notifications.route,
      exception: (error) => notifications.relay({ type: 'exception', error }),
      transportEvent: (event) => notifications.relay({ type: 'transport', event }),
    },
    entered: (state, sends, negotiated) => {
      calls.enter(sends);
      if (state !== 'ready' || negotiated === undefined) return;
      if (negotiated.era === 'modern') {
        calls.stampWith(modernStamp(negotiated.protocolVersion, settings));
      }
      checks.adopt(negotiated.protocolVersion);
    },
  });
  return { dispatcher, life, checks, calls, tools, listens, notifications, serving };
}

/** The session's dispatcher: the one given (not started yet), or one over the transport given. */
function dispatcherOf(options: ClientSessionOptions): Dispatcher {
  if ((options.transport === undefined) === (options.dispatcher === undefined)) {
    throw new InvalidArgumentError(
      'Give a session either `transport` or `dispatcher`, not both and not neither.',
    );
  }
  if (options.dispatcher !== undefined && options.dispatcher.state !== 'idle') {
    throw new InvalidArgumentError(
      `The dispatcher given to a session must not be started yet (it is ${options.dispatcher.state}); the session starts it in connect().`,
    );
  }
  const dispatcher = options.dispatcher ?? new Dispatcher(options.transport as Transport, options);
  // A dispatcher built beforehand has its own listeners; the session's is added to them.
  if (options.dispatcher !== undefined && options.onDiagnostic !== undefined) {
    options.dispatcher.onDiagnostic(options.onDiagnostic);
  }
  return dispatcher;
}
