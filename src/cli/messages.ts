/**
 * What the session reports, routed: the server's notifications to the command that prints them
 * (`listen`, the shell), or held for `listen` until it starts printing; the server's log messages
 * as notes (with `--log-level` or `--verbose`); everything else as a `--verbose` line.
 */
import type { SessionMessage } from '../index.js';
import { formatNotification } from './format.js';

/** A printer of notifications. */
export type NotificationPrinter = (method: string, params: unknown) => void;

/** Where the server's notifications go: a printer, when a command has set one. */
export class NotificationRoute {
  #printer: NotificationPrinter | undefined;
  readonly #held: [method: string, params: unknown][] = [];
  readonly #hold: boolean;

  /** `hold`: keep what arrives before a printer is set (for `listen`, while connecting). */
  constructor(hold: boolean) {
    this.#hold = hold;
  }

  /**
   * Sends every notification to `printer` from now on, those held first (undefined: to nobody,
   * back to the log lines).
   */
  printTo(printer: NotificationPrinter | undefined): void {
    this.#printer = printer;
    if (printer !== undefined)
      for (const [method, params] of this.#held.splice(0)) printer(method, params);
  }

  /** Takes one notification; false when nobody prints it (or holds it). */
  deliver(method: string, params: unknown): boolean {
    if (this.#printer !== undefined) {
      this.#printer(method, params);
      return true;
    }
    if (this.#hold) {
      this.#held.push([method, params]);
      return true;
    }
    return false;
  }
}

/** The lines the messages that nobody prints become. */
export interface MessageLog {
  /** Whether the server's log messages are printed (`--log-level` or `--verbose`). */
  readonly serverLog: boolean;
  note(text: string): void;
  verbose(text: string): void;
}

/** Routes what the session reports: to the notification route, or to the log. */
export function routeMessage(m: SessionMessage, route: NotificationRoute, log: MessageLog): void {
  if (m.type === 'notification') {
    const { method, params } = m.notification;
    if (route.deliver(method, params)) return;
    if (method === 'notifications/message') {
      if (log.serverLog) {
        log.note(
          `server log: ${formatNotification(method, params, new Date()).replace(/^\S+\s+\S+\s+/, '')}`,
        );
      }
      return;
    }
    log.verbose(`notification: ${method}`);
  } else if (m.type === 'exception') {
    log.verbose(`stream exception: ${m.error.message}`);
  } else {
    log.verbose(
      `transport: ${(m.event as { message?: string }).message ?? JSON.stringify(m.event)}`,
    );
  }
}
