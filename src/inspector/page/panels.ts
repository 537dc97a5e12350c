/**
 * The inspector page's tables, drawn from a session's view: the requests in flight or settled,
 * one entry of the message log, and the facts of the authorization's (non-secret) context.
 */
import type { LogEntry } from './log.js';
import { ago, el, text } from './dom.js';
import type { RequestRow } from './sessions.js';
import type { Sanitized } from '../sanitize.js';

/** A request's progress: a bar when the total is known, else the count; and its message. */
function progressOf(p: RequestRow['progress']): HTMLElement | string {
  if (p === undefined) return '';
  if (p.total !== undefined && p.total > 0) {
    return el(
      'span',
      {},
      el(
        'span',
        { class: 'bar' },
        el('span', { style: `width:${Math.min(100, (100 * p.progress) / p.total)}%` }),
      ),
      ` ${p.progress}/${p.total}${p.message === undefined ? '' : ` ${p.message}`}`,
    );
  }
  return `${p.progress}${p.message === undefined ? '' : ` ${p.message}`}`;
}

/** The requests in flight (`settled` false: their time so far) or settled (the time they took). */
export function requestTable(
  rows: readonly RequestRow[],
  now: number,
  settled: boolean,
): HTMLElement {
  if (rows.length === 0) return el('div', { class: 'empty' }, settled ? 'none yet' : 'none');
  const table = el(
    'table',
    {},
    el(
      'tr',
      {},
      ...['', 'id', 'method', 'state', settled ? 'took' : 'elapsed', 'progress'].map((h) =>
        el('th', {}, h),
      ),
    ),
  );
  for (const r of rows) {
    table.append(
      el(
        'tr',
        { class: `request ${settled ? 'settled' : 'inflight'}`, 'data-actor': r.actor },
        el('td', {}, r.direction === 'out' ? '→' : '←'),
        el('td', {}, r.id),
        el('td', { class: 'method' }, r.method),
        el('td', { class: `outcome-${r.state}` }, r.state),
        el('td', {}, ago((r.ended ?? now) - r.started)),
        el('td', {}, progressOf(r.progress)),
      ),
    );
  }
  return table;
}

/** One entry of the log, expanded to its JSON when `open`. */
export function drawLogEntry(e: LogEntry, t0: number, open: boolean): HTMLElement {
  const row = el(
    'div',
    { class: `log-entry ${e.direction}`, 'data-n': String(e.n), 'data-method': e.method },
    el(
      'span',
      { class: 'dir' },
      e.direction === 'in'
        ? '←'
        : e.direction === 'out'
          ? '→'
          : e.direction === 'exception'
            ? '!'
            : '·',
    ),
    `+${ago(e.t - t0)}  ${e.summary}`,
  );
  if (open) row.append(el('pre', {}, JSON.stringify(e.body, null, 2)));
  return row;
}

/** The authorization's context, as the page shows it (it holds nothing secret). */
export function authorizationFacts(c: Record<string, Sanitized>): HTMLElement {
  const shown = (v: Sanitized | undefined): string =>
    v === undefined || v === null || v === '' ? '—' : text(v);
  const error = c['error'] as Record<string, Sanitized> | undefined;
  const rows: [string, string, string][] = [
    ['grant', 'grant', shown(c['grant'])],
    ['issuer', 'issuer', shown(c['issuer'])],
    ['resource', 'resource', shown(c['resource'])],
    ['scope', 'scope', shown(c['scope'])],
    ['generation', 'token generation', shown(c['generation'])],
    ['refreshable', 'refreshable', shown(c['refreshable'])],
    [
      'error',
      'last error',
      error === undefined || error === null || typeof error !== 'object'
        ? '—'
        : `${text(error['reason'] ?? error['name'] ?? 'error')}: ${text(error['message'] ?? '')}`,
    ],
  ];
  return el(
    'table',
    { class: 'facts' },
    ...rows.map(([key, label, value]) =>
      el(
        'tr',
        { 'data-key': key },
        el('th', {}, label),
        el('td', key === 'error' && value !== '—' ? { class: 'error' } : {}, value),
      ),
    ),
  );
}
