/**
 * Exit codes and error messages of the CLI. A script can rely on the codes:
 *
 *   0    ok
 *   1    the server answered with an error (or a tool result with isError), or a result the
 *        client could not accept
 *   2    usage error: bad flags, bad JSON arguments, unknown command
 *   3    connection, transport or negotiation failure
 *   4    timeout
 *   5    authorization failed, or is needed and nobody can be asked (OAuth), or the token store
 *        is unusable
 *   130  interrupted (Ctrl-C); 143 for SIGTERM
 */
import { UsageError } from './commands.js';
import {
  AuthorizationError,
  JsonRpcError,
  McpError,
  RequestCancelledError,
  RequestTimeoutError,
  reasonText,
  type ErrorHint,
} from '../errors/errors.js';
import { OAuthStoreError } from '../node/oauth/store-error.js';
import { isModernVersion } from '../protocol/revisions.js';
import { clause } from '../errors/sentences.js';

export const EXIT = {
  ok: 0,
  serverError: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
  auth: 5,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The reason a request is aborted with when the CLI's own deadline passes. */
export class DeadlineExpired extends Error {
  override name = 'DeadlineExpired';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer or progress for ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The reason a request is aborted with on Ctrl-C (SIGINT) or SIGTERM. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`interrupted (${signal})`);
    this.signal = signal;
  }
}

const interruptedCode = (i: Interrupted): ExitCode =>
  i.signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;

/** Codes of local errors that mean the connection, the transport or negotiation failed. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'CONNECTION_CLOSED',
  'SEND_FAILED',
  'TRANSPORT_ERROR',
  'INVALID_JSON',
  'MESSAGE_TOO_LARGE',
  'INVALID_MESSAGE',
  'NEGOTIATION_FAILED',
]);

/**
 * The exit code for an error. `phase` says whether the session was connecting (where any failure
 * but a timeout, an interruption or bad usage is a connection failure) or running the command.
 */
export function exitCodeOf(error: unknown, phase: 'connect' | 'command'): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof Interrupted) return interruptedCode(error);
  if (error instanceof RequestCancelledError) {
    if (error.reason instanceof DeadlineExpired) return EXIT.timeout;
    if (error.reason instanceof Interrupted) return interruptedCode(error.reason);
  }
  if (error instanceof DeadlineExpired || error instanceof RequestTimeoutError) return EXIT.timeout;
  if (error instanceof McpError && error.code === 'INVALID_ARGUMENT') return EXIT.usage;
  if (authFailureIn(error) !== undefined) return EXIT.auth;
  if (phase === 'connect') return EXIT.connection;
  if (error instanceof JsonRpcError) return EXIT.serverError;
  if (
    error instanceof McpError &&
    typeof error.code === 'string' &&
    CONNECTION_CODES.has(error.code)
  ) {
    return EXIT.connection;
  }
  return EXIT.serverError;
}

/** The OAuth failure in an error's cause chain: an authorization or a token store failure. */
export function authFailureIn(error: unknown): AuthorizationError | OAuthStoreError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof AuthorizationError || current instanceof OAuthStoreError) return current;
    current = current.cause;
  }
  return undefined;
}

/** What the advice of the command line depends on: the flags given. */
export interface AdviceContext {
  /** `--protocol-version`, when given. */
  readonly protocolVersion?: string | undefined;
}

/**
 * The command line's advice for a library's hint: the flag to change rather than the library
 * option (`--max-input-rounds`, not `maxInputRounds`); undefined when no flag does it (the
 * advice of the library does not apply to a user of the command line).
 */
export function cliAdvice(hint: ErrorHint, context: AdviceContext): string | undefined {
  switch (hint.option) {
    case 'maxInputRounds':
      return 'Raise --max-input-rounds if the server legitimately needs more.';
    case 'initializeTimeout':
      return 'Raise --timeout if the server needs longer to start, or give 0 for none.';
    case 'timeout':
      return 'Raise --timeout if the server needs longer, or give 0 for none.';
    case 'maxMessageBytes':
      return "Raise --max-message-bytes if the server's messages are this large.";
    case 'mode': {
      const pinned = context.protocolVersion;
      return pinned !== undefined && isModernVersion(pinned)
        ? `The server may predate ${pinned}: drop --protocol-version ${pinned}, and mcp-actors finds the revision by itself (it falls back to the initialize handshake).`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** An error as a user of the command line is told it: what went wrong, and what to do. */
export interface ToldError {
  /** The message, with the library's advice replaced by the command line's, or left out. */
  readonly text: string;
  /** The command line's advice, when it has some: a sentence naming a flag. */
  readonly hint: string | undefined;
}

const PLACEHOLDER = '\u0000';

/** The library options the command line has a flag for. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  maxInputRounds: '--max-input-rounds',
  maxMessageBytes: '--max-message-bytes',
  initializeTimeout: '--timeout',
  requestTimeout: '--timeout',
};

/**
 * Tells an error to a user of the command line: the error's own hint comes out of its message
 * (it is given as `hint`, in the command line's words), and the hints of the errors it embeds
 * are put in the command line's words, or left out.
 */
export function tellError(error: unknown, context: AdviceContext): ToldError {
  const chain: McpError[] = [];
  const seen = new Set<unknown>();
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && !seen.has(current) && depth < 10;
    current = current.cause, depth++
  ) {
    seen.add(current);
    if (current instanceof McpError && current.hint !== undefined) chain.push(current);
  }
  let text =
    error instanceof McpError
      ? error.summary
      : error instanceof Error
        ? error.message
        : String(error);
  let hint: string | undefined;
  for (const e of chain) {
    if (e.hint === undefined) continue;
    const advice = cliAdvice(e.hint, context);
    hint ??= advice;
    const theirs = clause(e.hint.text);
    text = text.split(theirs).join(advice === undefined ? PLACEHOLDER : clause(advice));
  }
  text = text
    .replace(new RegExp(` ?${PLACEHOLDER}\\.?`, 'g'), '')
    .replace(new RegExp(PLACEHOLDER, 'g'), '');
  // What is left naming an option the command line has a flag for names the flag.
  for (const [option, flag] of Object.entries(OPTION_FLAGS)) {
    text = text.replace(new RegExp(`\\b${option}\\b`, 'g'), flag);
  }
  return { text, hint };
}

/**
 * The one-line report of an error: the first line of its message (or of `text`, the message as
 * told). When that line introduces more (a server's last stderr lines), the telling one of those
 * is added: the last that is not a stack frame or Node's version banner.
 */
export function oneLine(error: unknown, text?: string): string {
  const message = text ?? (error instanceof Error ? error.message : String(error));
  const [first = '', ...rest] = message.split('\n');
  if (first.trim() === '') return error instanceof Error ? error.name : 'unknown error';
  if (!first.trimEnd().endsWith(':')) return first;
  const telling = rest
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '^' && !/^at\s/.test(l) && !/^Node\.js v\d/.test(l))
    .at(-1);
  return telling === undefined
    ? first.trimEnd().replace(/:$/, '.')
    : `${first.trimEnd()} ${telling}`;
}

/** The whole story for --verbose: every message in full, then each cause in turn. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && current !== null && !seen.has(current) && depth < 10) {
    seen.add(current);
    const prefix = depth === 0 ? '' : 'caused by: ';
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      const tag = `${current.name}${typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : ''}`;
      const [first = '', ...rest] = current.message.split('\n');
      lines.push(`${prefix}${tag}: ${first}`, ...rest.map((l) => `  ${l}`));
      if (current instanceof JsonRpcError && current.data !== undefined) {
        lines.push(`  data: ${JSON.stringify(current.data)}`);
      }
      current = current.cause;
    } else {
      lines.push(`${prefix}${typeof current === 'string' ? current : JSON.stringify(current)}`);
      current = undefined;
    }
    depth++;
  }
  return lines;
}

/**
 * The causes beneath an error, outermost first, for --json: each with its `name`, its `code` (a
 * local error's, or a system error's such as `ECONNREFUSED`), an HTTP `status`, and its `message`.
 */
export function causesOf(error: unknown): Record<string, unknown>[] {
  const causes: Record<string, unknown>[] = [];
  const seen = new Set<unknown>([error]);
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (seen.has(current)) break;
    seen.add(current);
    if (!(current instanceof Error)) {
      causes.push({ message: typeof current === 'string' ? current : reasonText(current) });
      break;
    }
    const entry: Record<string, unknown> = { name: current.name };
    const { code, status } = current as { code?: unknown; status?: unknown };
    if (typeof code === 'string' || typeof code === 'number') entry.code = code;
    if (typeof status === 'number') entry.status = status;
    entry.message = current.message;
    causes.push(entry);
    current = current.cause;
  }
  return causes;
}

/**
 * The error as a JSON document (for --json): its code, its message (as `tellError` tells it with
 * `context`), the command line's advice as `hint`, and the causes beneath it.
 */
export function errorDocument(
  failure: unknown,
  exitCode: number,
  context: AdviceContext = {},
  hint?: string,
): Record<string, unknown> {
  const doc: Record<string, unknown> = { exitCode };
  // An authorization failure is told as itself, not as the failed send it caused.
  const error = authFailureIn(failure) ?? failure;
  const told = tellError(error, context);
  const advice = hint ?? told.hint;
  if (error instanceof JsonRpcError) {
    doc.code = error.code;
    doc.message = error.rpcMessage;
    if (error.data !== undefined) doc.data = error.data;
  } else if (error instanceof McpError) {
    doc.code = error.code;
    doc.message = told.text;
    if (error instanceof AuthorizationError) doc.reason = error.reason;
  } else if (error instanceof OAuthStoreError) {
    doc.code = 'TOKEN_STORE';
    doc.reason = error.reason;
    doc.message = error.message;
  } else {
    doc.message = error instanceof Error ? error.message : String(error);
  }
  if (advice !== undefined) doc.hint = advice;
  const causes = causesOf(error);
  if (causes.length > 0) doc.causes = causes;
  return { error: doc };
}
