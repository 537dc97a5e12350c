import type { RequestEvent } from '../../machines/request.js';
import type { OutboundRequest } from './actors.js';
import type { ActionImpl } from './compiled-machine.js';
import type { Deadlines } from './deadlines.js';
import { sendFailure, transportEnded, type Outbox } from './outbox.js';
import type { Reporter } from './reporting.js';
import type { RequestTable } from './request-table.js';
import type { Progress } from './types.js';
import {
  ConnectionClosedError,
  RequestCancelledError,
  RequestTimeoutError,
  reasonText,
} from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport } from '../wire/transport.js';

/**
 * What an outbound request does, as the request machine (machines/request.ts) names it: write
 * its message and start its deadlines, pass progress on, restart its idle time, cancel it on the
 * wire, settle the caller's promise, and let it go. Bound once per dispatcher; each action
 * receives the request actor, which carries everything of its call.
 */

/** What the request actions act on. */
export interface RequestActionParts {
  readonly transport: Transport;
  readonly table: Pick<RequestTable, 'release'>;
  readonly deadlines: Pick<Deadlines, 'start' | 'restartIdle' | 'settled'>;
  readonly reporter: Pick<Reporter, 'wrote' | 'drive' | 'callback'>;
  readonly outbox: Pick<Outbox, 'write'>;
}

type Actions = Record<string, ActionImpl<OutboundRequest, RequestEvent>>;

/** The request machine's actions, over one dispatcher's parts. */
export function requestActions(parts: RequestActionParts): Actions {
  const { transport, table, deadlines, reporter, outbox } = parts;
  return {
    write: (req) => {
      const message = req.message as JsonRpcMessage;
      req.message = undefined;
      deadlines.start(req);
      reporter.wrote(req, message);
      // A transport that has ended settles the request with its close report (and its reason),
      // which follows; the request's timeout still bounds the wait.
      try {
        const sent = transport.send(message);
        if (sent !== undefined) {
          sent.then(undefined, (error: unknown) => {
            if (!transportEnded(error)) {
              reporter.drive(req, { type: 'sendFailed', error: sendFailure(req.ref, error) });
            }
          });
        }
      } catch (error) {
        // Never step an actor from inside its own transition.
        if (!transportEnded(error)) {
          queueMicrotask(() =>
            reporter.drive(req, { type: 'sendFailed', error: sendFailure(req.ref, error) }),
          );
        }
      }
    },
    reportProgress: (req, event) => {
      const onProgress = req.onProgress;
      if (onProgress === undefined) return;
      const progress = (event as Extract<RequestEvent, { type: 'progress' }>).progress as Progress;
      reporter.callback(`progress callback of ${req.method}`, () => onProgress(progress));
    },
    restartIdleTimer: (req) => deadlines.restartIdle(req),
    sendCancelled: (req, event) =>
      outbox.write(
        {
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: req.requestId, reason: cancelReason(req, event) },
        },
        `notifications/cancelled for ${req.method} (id ${req.requestId})`,
      ),
    ...settleActions,
    release: (req) => {
      table.release(req);
      deadlines.settled();
    },
  };
}

/** The reason a `notifications/cancelled` gives: the machine sends one on a timeout or an abort only. */
function cancelReason(req: OutboundRequest, event: RequestEvent): string {
  return event.type === 'timeout'
    ? `Request timed out after ${event.kind === 'idle' ? req.timeout : req.maxTotalTimeout} ms`
    : reasonText((event as Extract<RequestEvent, { type: 'abort' }>).reason);
}

/** The actions that settle the caller's promise: they need nothing but the request and the event. */
const settleActions: Actions = {
  resolve: (req, event) => {
    const result = (event as Extract<RequestEvent, { type: 'result' }>).result;
    const settle = req.settle;
    if (settle === undefined) {
      req.resolve(result);
      return;
    }
    // The caller's own step (validation) runs at resolve time: no second promise per call.
    try {
      req.resolve(settle(result, req.method, req.params, req.options));
    } catch (error) {
      req.reject(error);
    }
  },
  rejectWithError: (req, event) => {
    req.reject((event as Extract<RequestEvent, { type: 'error' }>).error);
  },
  rejectTimedOut: (req, event) => {
    const kind = (event as Extract<RequestEvent, { type: 'timeout' }>).kind;
    req.reject(
      new RequestTimeoutError(req.ref, kind === 'idle' ? req.timeout : req.maxTotalTimeout, kind),
    );
  },
  rejectCancelled: (req, event) => {
    req.reject(
      new RequestCancelledError(
        req.ref,
        (event as Extract<RequestEvent, { type: 'abort' }>).reason,
      ),
    );
  },
  rejectClosed: (req, event) => {
    req.reject(
      new ConnectionClosedError(req.ref, {
        cause: (event as Extract<RequestEvent, { type: 'closed' }>).reason,
      }),
    );
  },
};
