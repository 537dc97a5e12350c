/**
 * The `listen` command: prints the server's notifications until Ctrl-C, `--limit`, or the server
 * ending them. On a 2026-07-28 server, over a `subscriptions/listen` stream (list changes, and
 * the updates of each `--resource`); on a legacy-era server, the notifications it sends on its
 * own, after `resources/subscribe` for each `--resource` when it offers that.
 */
import type { ClientSession } from '../index.js';
import { McpError } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { META_SUBSCRIPTION_ID } from '../session/meta.js';
import type { SubscriptionFilter } from '../session/subscriptions.js';
import { EXIT } from './exit.js';
import { formatNotification } from './format.js';
import type { NotificationPrinter } from './messages.js';
import type { CommandRun } from './run-state.js';

/** The printer of `listen`, and when it has printed `--limit` notifications, and Ctrl-C. */
interface Printer {
  readonly print: NotificationPrinter;
  readonly limitReached: Promise<void>;
  readonly interrupted: Promise<void>;
}

function printerOf(run: CommandRun): Printer {
  const { options } = run;
  const limit = options.limit ?? Infinity;
  let count = 0;
  let reachedLimit!: () => void;
  const limitReached = new Promise<void>((resolve) => {
    reachedLimit = resolve;
  });
  const print = (method: string, params: unknown): void => {
    if (count >= limit) return;
    count++;
    if (options.json) run.out(JSON.stringify({ method, params: params ?? {} }));
    else run.out(formatNotification(method, params, new Date()));
    if (count >= limit) reachedLimit();
  };
  const interrupted = new Promise<void>((resolve) => {
    if (run.interrupt.signal.aborted) resolve();
    run.interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return { print, limitReached, interrupted };
}

/** Prints notifications until Ctrl-C, `--limit`, or the server ending the stream. */
export function listen(run: CommandRun, session: ClientSession): Promise<number> {
  const printer = printerOf(run);
  return session.era === 'modern'
    ? listenModern(run, session, printer)
    : listenLegacy(run, session, printer);
}

/** What a 2026-07-28 server is asked to send: the list changes it offers, and `--resource`s. */
function filterOf(run: CommandRun, session: ClientSession): SubscriptionFilter {
  const caps = session.serverCapabilities ?? {};
  const changed = (name: string): boolean =>
    typeof caps[name] === 'object' &&
    (caps[name] as { listChanged?: unknown }).listChanged === true;
  const resources = run.options.resources;
  return {
    ...(changed('tools') ? { toolsListChanged: true } : {}),
    ...(changed('prompts') ? { promptsListChanged: true } : {}),
    ...(changed('resources') ? { resourcesListChanged: true } : {}),
    ...(resources.length === 0 ? {} : { resourceSubscriptions: resources }),
  };
}

/** On a 2026-07-28 server: a `subscriptions/listen` stream. */
async function listenModern(
  run: CommandRun,
  session: ClientSession,
  { print, limitReached, interrupted }: Printer,
): Promise<number> {
  const filter = filterOf(run, session);
  // Other notifications (log messages) print as they come; the stream's own below.
  run.notifications.printTo((method, params) => {
    const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    if (meta?.[META_SUBSCRIPTION_ID] !== undefined) return;
    if (method === 'notifications/message') print(method, params);
  });
  const controller = new AbortController();
  const stop = (): void => controller.abort('the user stopped listening');
  run.interrupt.signal.addEventListener('abort', stop, { once: true });
  const sub = await session.listen(filter, { signal: controller.signal });
  const honoured = Object.entries(sub.honoured ?? {})
    .filter(([, v]) => v === true || (Array.isArray(v) && v.length > 0))
    .map(([k, v]) => (Array.isArray(v) ? `${k} (${v.join(', ')})` : k));
  run.note(
    `mcp-actors: listening (subscriptions/listen: ${honoured.length === 0 ? 'nothing honoured' : honoured.join(', ')}); Ctrl-C to stop.`,
  );
  if (sub.refused.length > 0) run.note(`mcp-actors: the server refused: ${sub.refused.join(', ')}`);
  const pump = (async () => {
    for await (const n of sub) {
      if (n.method === 'notifications/subscriptions/acknowledged') continue;
      print(n.method, n.params);
    }
  })();
  await Promise.race([pump, limitReached, interrupted]);
  await sub.close();
  const end = await sub.ended;
  run.interrupt.signal.removeEventListener('abort', stop);
  if (end.by === 'error') throw end.error;
  if (end.by === 'server' || end.by === 'server-cancelled') {
    run.note(
      `mcp-actors: the server ended the subscription${end.by === 'server-cancelled' ? ' (cancelled)' : ''}.`,
    );
  }
  return EXIT.ok;
}

/** On a legacy-era server: what it sends on its own, and `resources/subscribe`. */
async function listenLegacy(
  run: CommandRun,
  session: ClientSession,
  { print, limitReached, interrupted }: Printer,
): Promise<number> {
  run.note(
    `mcp-actors: subscriptions/listen is a 2026-07-28 method; this server speaks ${session.protocolVersion ?? '?'} (legacy era). ` +
      'Printing the notifications it sends on its own instead; Ctrl-C to stop.',
  );
  run.notifications.printTo(print);
  await subscribeResources(run, session);
  const closed = new Promise<unknown>((resolve) => {
    const check = (state: string): void => {
      if (state === 'closing' || state === 'closed') resolve(session.error);
    };
    check(session.state);
    session.onStateChange(check);
  });
  const ended = await Promise.race([
    limitReached.then(() => 'limit' as const),
    interrupted.then(() => 'interrupt' as const),
    closed.then((error) => ({ error })),
  ]);
  if (typeof ended === 'object') {
    throw new McpError(
      'CONNECTION_CLOSED',
      `The server closed the connection${ended.error instanceof Error ? `: ${clause(ended.error.message)}` : ''}.`,
      { cause: ended.error },
    );
  }
  return EXIT.ok;
}

/** `resources/subscribe` for each `--resource`, when the server offers it. */
async function subscribeResources(run: CommandRun, session: ClientSession): Promise<void> {
  const resources = session.serverCapabilities?.resources as { subscribe?: unknown } | undefined;
  for (const uri of run.options.resources) {
    if (resources?.subscribe !== true) {
      run.note(
        `mcp-actors: the server does not offer resource subscriptions; not subscribed to ${uri}.`,
      );
      break;
    }
    const r = run.requestOptions('resources/subscribe');
    try {
      await session.subscribeResource(uri, r.options);
    } finally {
      r.done();
    }
  }
}
