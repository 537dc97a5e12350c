/**
 * The server's notifications in `mcp-actors shell`: printed above the prompt as they arrive
 * (progress and acknowledgements aside), a list change refreshing the completions; and on a
 * 2026-07-28 server, the `subscriptions/listen` stream that brings the list changes.
 */
import { clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline';
import type { ClientSession } from '../index.js';
import type { Subscription, SubscriptionFilter } from '../session/subscriptions.js';
import { oneLine } from './exit.js';
import { formatNotification } from './format.js';
import type { CatalogKind } from './shell-catalog.js';

/** What the notifications that change a list refresh of the completions. */
const LIST_CHANGED: Readonly<Record<string, CatalogKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

/** Notifications not printed: progress is the progress bar; an acknowledgement is no news. */
const QUIET = new Set(['notifications/progress', 'notifications/subscriptions/acknowledged']);

/** The printer of the shell's notifications: refreshes a list that changed, prints the rest. */
export function notificationPrinter(
  refresh: (kind: CatalogKind) => void,
  print: (text: string) => void,
): (method: string, params: unknown) => void {
  return (method, params) => {
    const kind = LIST_CHANGED[method];
    if (kind !== undefined) refresh(kind);
    if (QUIET.has(method)) return;
    print(formatNotification(method, params, new Date()));
  };
}

/**
 * Writes whole lines above the prompt of `rl` on `stderr`, then the prompt and the input typed
 * so far again.
 */
export function printAbovePrompt(rl: Interface, stderr: NodeJS.WritableStream, text: string): void {
  const rows = rl.getCursorPos().rows;
  moveCursor(stderr, 0, -rows);
  cursorTo(stderr, 0);
  clearScreenDown(stderr);
  // The line editor redraws from `rows` lines above the cursor: leave it that many.
  stderr.write(`${text.replace(/\n$/, '')}\n${'\n'.repeat(rows)}`);
  rl.prompt(true);
}

/**
 * For a 2026-07-28 server, a subscription to the list changes it offers (its notifications reach
 * the session's printer; the stream is only drained); undefined when it offers none, or refuses.
 */
export async function subscribeListChanges(
  session: ClientSession,
  verbose: (text: string) => void,
): Promise<Subscription | undefined> {
  const caps = session.serverCapabilities;
  const changed = (kind: string): boolean =>
    (caps?.[kind] as { listChanged?: unknown } | undefined)?.listChanged === true;
  const filter: SubscriptionFilter = {
    ...(changed('tools') ? { toolsListChanged: true } : {}),
    ...(changed('prompts') ? { promptsListChanged: true } : {}),
    ...(changed('resources') ? { resourcesListChanged: true } : {}),
  };
  if (Object.keys(filter).length === 0) return undefined;
  try {
    const subscription = await session.listen(filter);
    void (async () => {
      for await (const n of subscription) void n;
    })().catch(() => {});
    return subscription;
  } catch (error) {
    verbose(`mcp-actors: no subscription to list changes: ${oneLine(error)}`);
    return undefined;
  }
}
