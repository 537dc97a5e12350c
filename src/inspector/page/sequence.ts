/**
 * The exchange between the client and the server, as the sequence view shows it: each JSON-RPC
 * message named by its method and id (a response by its request's, with the time it took).
 * Bounded: the last SEQUENCE_KEPT messages of a session are kept, the last SEQUENCE_SHOWN drawn
 * (sequence-view.ts). No DOM here.
 */
import type { InspectorRecord } from '../records.js';
import type { Sanitized } from '../sanitize.js';

export const SEQUENCE_KEPT = 500;
export const SEQUENCE_SHOWN = 80;

/** A message of the exchange. */
export interface SequenceMessage {
  /** Its number in the session (from 1). */
  readonly n: number;
  readonly t: number;
  /** `out`: client to server; `in`: server to client. */
  readonly direction: 'in' | 'out';
  readonly kind: 'request' | 'notification' | 'result' | 'error';
  /** The method (a response's is its request's, when the request was seen). */
  readonly method: string;
  readonly id: string | undefined;
  /** What the arrow says: `tools/call echo #3`, `result #3 of tools/call · 12 ms`. */
  readonly label: string;
}

interface SessionSequence {
  readonly messages: SequenceMessage[];
  count: number;
  /** Requests awaiting their response, by direction and id: method and time. */
  readonly pending: Map<string, { method: string; t: number }>;
  /** The time of the session's first message: the times shown count from it. */
  start: number;
}

const str = (v: Sanitized | undefined): string =>
  typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);

function ms(d: number): string {
  return d < 1000 ? `${Math.round(d)} ms` : `${(d / 1000).toFixed(2)} s`;
}

/** What a message's params add to its arrow: a tool's name, a progress, the request cancelled. */
function paramsHint(method: string, params: Record<string, Sanitized> | null | undefined): string {
  if (params === undefined || params === null || typeof params !== 'object') return '';
  if (typeof params['name'] === 'string') return ` ${params['name']}`;
  if (typeof params['uri'] === 'string') return ` ${params['uri'].slice(0, 60)}`;
  if (method === 'notifications/progress' && params['progress'] !== undefined) {
    const total = params['total'] === undefined ? '' : `/${str(params['total'])}`;
    return ` ${str(params['progress'])}${total}`;
  }
  if (method === 'notifications/cancelled' && params['requestId'] !== undefined) {
    return ` of #${str(params['requestId'])}`;
  }
  return '';
}

/** The messages of every session, fed with records. */
export class Sequences {
  readonly #sessions = new Map<string, SessionSequence>();

  reset(): void {
    this.#sessions.clear();
  }

  /** The messages kept for `session`, oldest first, and how many there were in all. */
  of(session: string | undefined): {
    messages: readonly SequenceMessage[];
    count: number;
    start: number;
  } {
    const s = session === undefined ? undefined : this.#sessions.get(session);
    return { messages: s?.messages ?? [], count: s?.count ?? 0, start: s?.start ?? 0 };
  }

  apply(r: InspectorRecord): void {
    if (r.kind !== 'message') return;
    let s = this.#sessions.get(r.session);
    if (s === undefined) {
      s = { messages: [], count: 0, pending: new Map(), start: r.t };
      this.#sessions.set(r.session, s);
    }
    const m = (r.message ?? {}) as Record<string, Sanitized>;
    const hasId = m['id'] !== undefined && m['id'] !== null;
    const id = hasId ? str(m['id']) : undefined;
    let kind: SequenceMessage['kind'];
    let method: string;
    let label: string;
    if (typeof m['method'] === 'string') {
      method = m['method'];
      kind = hasId ? 'request' : 'notification';
      const params = m['params'] as Record<string, Sanitized> | null | undefined;
      label = `${method}${paramsHint(method, params)}${id === undefined ? '' : ` #${id}`}`;
      if (id !== undefined) {
        s.pending.set(`${r.direction} ${id}`, { method, t: r.t });
        // Unanswered requests are forgotten past a bound (a server may never answer).
        if (s.pending.size > SEQUENCE_KEPT) {
          const oldest = s.pending.keys().next().value;
          if (oldest !== undefined) s.pending.delete(oldest);
        }
      }
    } else {
      kind = m['error'] !== undefined ? 'error' : 'result';
      const key = `${r.direction === 'in' ? 'out' : 'in'} ${id ?? ''}`;
      const request = id === undefined ? undefined : s.pending.get(key);
      if (request !== undefined) s.pending.delete(key);
      method = request?.method ?? '';
      const of = request === undefined ? '' : ` of ${request.method}`;
      const took = request === undefined ? '' : ` · ${ms(r.t - request.t)}`;
      const e = m['error'] as Record<string, Sanitized> | undefined;
      const what = kind === 'error' && e !== undefined ? `error ${str(e['code'])}` : 'result';
      label = `${what}${id === undefined ? '' : ` #${id}`}${of}${took}`;
    }
    s.count++;
    s.messages.push({ n: s.count, t: r.t, direction: r.direction, kind, method, id, label });
    if (s.messages.length > SEQUENCE_KEPT) s.messages.splice(0, s.messages.length - SEQUENCE_KEPT);
  }
}
