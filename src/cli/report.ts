/**
 * The report of a failure: one line on stderr that says what failed and what to do (interrupted,
 * timed out, authorization needed or refused, could not connect, the server's error), the cause
 * chain with `--verbose`, the error document with `--json`; and the exit code that goes with it
 * (exit.ts).
 */
import {
  AuthorizationError,
  ConnectionClosedError,
  RequestCancelledError,
} from '../errors/errors.js';
import { clause, sentence } from '../errors/sentences.js';
import { ConnectTimeoutError } from '../session/negotiation-errors.js';
import {
  authFailureIn,
  causeChain,
  errorDocument,
  EXIT,
  exitCodeOf,
  oneLine,
  tellError,
  type AdviceContext,
} from './exit.js';
import { nobodyToAskText } from './oauth.js';
import type { Run } from './run-state.js';
import { targetText } from './session.js';

/** The method and id an error message names: `(tools/call, id 3)`. */
function requestRef(message: string): { method: string; id: string } | undefined {
  const m = /\(([^,()]+), id ([^)]+)\)/.exec(message);
  return m === null ? undefined : { method: m[1] ?? '?', id: m[2] ?? '?' };
}

/** The system error code deep in a cause chain (ECONNREFUSED, ENOTFOUND), as ` (CODE)`. */
function systemCode(error: unknown): string {
  let current: unknown = error;
  let found: string | undefined;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) found = code;
    current = current.cause;
  }
  return found === undefined || oneLine(error).includes(found) ? '' : ` (${found}).`;
}

/** The report of an authorization failure: the reason and the message, or the hint to log in. */
function authLine(run: Run, error: unknown): string {
  const failure = authFailureIn(error);
  const where = targetText(run.options.server);
  if (failure === undefined) return oneLine(error);
  const server = run.options.server;
  if (run.auth?.userNeeded === true && server.kind === 'http') {
    return run.options.command === 'login'
      ? `login needs you at a browser, and --no-interactive was given.`
      : `${where} needs authorization, and ${nobodyToAskText(server.url, server.oauth)}.`;
  }
  if (failure instanceof AuthorizationError) {
    return `authorization at ${where} failed (${failure.reason}): ${oneLine(failure)}`;
  }
  return oneLine(failure);
}

/** A phase of the run: connecting, or the command. */
export type Phase = 'connect' | 'command';

/** Writes the report of a failure; returns the exit code. */
export function report(run: Run, error: unknown, phase: Phase): number {
  const code = exitCodeOf(error, phase);
  run.status.clear();
  if (code === EXIT.interrupted || code === EXIT.terminated) {
    reportInterrupted(run, error, phase);
    return code;
  }
  const context = { protocolVersion: run.options.protocolVersion };
  const { line, hint } =
    code === EXIT.timeout
      ? timeoutLine(run, error, phase)
      : code === EXIT.auth
        ? { line: authLine(run, error), hint: undefined }
        : failureLine(run, error, phase, context);
  run.note(`mcp-actors: ${line}`);
  if (run.options.verbose) for (const l of causeChain(error)) run.note(`  ${l}`);
  if (run.options.json) run.json(errorDocument(error, code, context, hint));
  return code;
}

/** Interrupted: which request was cancelled, and (`--verbose`) how the server was told. */
function reportInterrupted(run: Run, error: unknown, phase: Phase): void {
  const ref = error instanceof RequestCancelledError ? requestRef(error.message) : undefined;
  run.note(
    `mcp-actors: interrupted${ref === undefined ? (phase === 'connect' ? ' while connecting' : '') : `: ${ref.method} (id ${ref.id}) cancelled`}.`,
  );
  if (run.options.verbose && ref !== undefined) {
    const http = run.options.server.kind === 'http' && run.session?.era === 'modern';
    run.note(
      http
        ? `mcp-actors: the ${ref.method} POST was aborted (the 2026 HTTP way to cancel).`
        : `mcp-actors: notifications/cancelled was sent to the server for id ${ref.id}.`,
    );
  }
}

/** The line and the hint of a report. */
interface ReportLine {
  readonly line: string;
  readonly hint: string | undefined;
}

/** Timed out: connecting (what did not answer), or a request with no answer and no progress. */
function timeoutLine(run: Run, error: unknown, phase: Phase): ReportLine {
  const ms = run.options.timeout;
  const method =
    error instanceof ConnectTimeoutError
      ? error.method
      : (requestRef(oneLine(error))?.method ?? 'the request');
  const waited = method === undefined ? 'the transport did not start' : `no answer to ${method}`;
  const line =
    phase === 'connect'
      ? `timed out connecting to ${targetText(run.options.server)}: ${waited} within ${ms} ms (raise --timeout, or 0 for none).`
      : `${method ?? 'the request'} timed out after ${ms} ms with no answer or progress; it was cancelled (raise --timeout, or 0 for none).`;
  return { line, hint: 'Raise --timeout, or give 0 for none.' };
}

/** Any other failure: the error told in words, after "could not connect" while connecting. */
function failureLine(run: Run, error: unknown, phase: Phase, context: AdviceContext): ReportLine {
  // "could not connect" already says the connection closed: tell why it did.
  const why =
    phase === 'connect' && error instanceof ConnectionClosedError && error.cause instanceof Error
      ? error.cause
      : error;
  const told = tellError(why, context);
  const hint = told.hint;
  const text = oneLine(why, told.text);
  let line: string;
  if (phase === 'connect') {
    const sys = systemCode(error);
    line = `could not connect to ${targetText(run.options.server)}: ${sys === '' ? text : clause(text) + sys}`;
  } else {
    line = text;
  }
  if (hint !== undefined && !line.includes(clause(hint))) line = `${sentence(line)} ${hint}`;
  return { line, hint };
}
