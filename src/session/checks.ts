/**
 * Revision gating and result checks: what the negotiated revision lets each side send, and the
 * schemas that every result, server request, server notification and client answer is checked
 * against. Owns the schemas (loading from the moment the session is built) and the negotiated
 * revision (adopted once the session is ready); until then nothing is gated or checked here.
 */
import {
  CallbackResultError,
  ErrorCode,
  InvalidResultError,
  JsonRpcError,
  UnsupportedInRevisionError,
} from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { isModern, isRevision, type Revision } from '../protocol/revisions.js';
import { METHOD_TABLES, serverMay } from '../protocol/methods.js';
import type * as Schemas from '../protocol/schemas/index.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';
import { loadSchemas, type SchemaModule } from './types.js';
import { INSTEAD, withoutMalformedServerInfo } from './support.js';

/** Where the checks report what they drop or refuse. */
export type Report = (diagnostic: Diagnostic) => void;

export class RevisionChecks {
  /** The schemas loading, started when the session is built; settles once loaded. */
  readonly loading: Promise<SchemaModule>;
  #schemas: SchemaModule | undefined;
  /** The negotiated revision, once ready: what the server may send is gated by it. */
  #revision: Revision | undefined;
  /** The negotiated revision's schemas, once ready. */
  #rs: Schemas.RevisionSchemas | undefined;
  readonly #report: Report;

  constructor(report: Report) {
    this.#report = report;
    // Loading the schemas (zod) takes a while: start now, so that connect() need not wait for it.
    this.loading = loadSchemas().then((module) => (this.#schemas = module));
    this.loading.catch(() => {}); // connect() reports a failure to load
  }

  /**
   * Builds the schemas of `revision` once they have loaded, ahead of the answer that needs them:
   * called as the negotiation request that asks for `revision` is sent. On a cold start building
   * them takes tens of milliseconds, which then overlap the server's start-up. A failure here is
   * left to the check of the answer, which builds them again and reports it.
   */
  prepare(revision: Revision): void {
    this.loading
      .then((module) => {
        module.schemasFor(revision);
      })
      .catch(() => {});
  }

  /** Adopts the negotiated revision, once the session is ready (one this client does not know gates nothing). */
  adopt(protocolVersion: string): void {
    if (!isRevision(protocolVersion)) return;
    this.#revision = protocolVersion;
    this.#rs = this.#schemas?.schemasFor(protocolVersion);
  }

  /**
   * The negotiated revision, when the client `method` exists in it; throws
   * `UNSUPPORTED_IN_REVISION` when it does not. Before the session is ready, `undefined` (the call
   * is then refused by state).
   */
  revisionFor(method: string, kind: 'request' | 'notification'): Revision | undefined {
    const rs = this.#rs;
    if (rs === undefined) return undefined;
    const version = this.#revision as Revision;
    const table = kind === 'request' ? rs.clientRequests : rs.clientNotifications;
    if (!(method in table)) {
      throw new UnsupportedInRevisionError(
        method,
        version,
        INSTEAD[method] ?? 'check the server for another way',
      );
    }
    return version;
  }

  /** Validates a result against its method's schema in `revision`; returns the parsed result. */
  result(revision: Revision, method: string, result: unknown): unknown {
    const schema = this.#schemas?.resultSchemaFor(revision, method);
    if (schema === undefined) return result;
    // MCP 2026-07-28: a malformed serverInfo stamp reads as none; it does not fail the result.
    if (isModern(revision)) result = withoutMalformedServerInfo(result);
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw new InvalidResultError(method, revision, parsed.error.issues);
    return parsed.data;
  }

  /** Validates a result for the negotiated revision (as it is, before the session is ready). */
  negotiatedResult(method: string, raw: unknown): Record<string, unknown> {
    const revision = this.#revision;
    return (revision === undefined ? raw : this.result(revision, method, raw)) as Record<
      string,
      unknown
    >;
  }

  /**
   * Why a server notification is dropped before anyone sees it: the negotiated revision does not
   * define it for servers, or its params do not fit; `undefined` when it goes on.
   */
  screenNotification(n: JsonRpcNotification): Diagnostic | undefined {
    const revision = this.#revision;
    if (revision !== undefined && !serverMay(revision, 'notification', n.method)) {
      return {
        code: 'NOT_IN_REVISION',
        message: `Dropped a ${n.method} notification: protocol ${revision} does not define it for servers.`,
        payload: n,
      };
    }
    // Validated once, against the negotiated revision, before any typed callback sees it.
    const schema = this.#rs?.serverNotifications[n.method]?.params;
    if (schema !== undefined && n.params !== undefined) {
      const parsed = schema.safeParse(n.params);
      if (!parsed.success) {
        return {
          code: 'INVALID_MESSAGE',
          message: `Dropped a ${n.method} whose params do not fit protocol ${String(revision)}: ${clause(parsed.error.issues[0]?.message ?? 'invalid')}.`,
          payload: n,
        };
      }
    }
    return undefined;
  }

  /**
   * MCP 2026-07-28: servers MUST NOT send requests, and clients send no responses; a request then
   * runs nothing, writes nothing, and is reported.
   */
  screenRequest(method: string): Omit<Diagnostic, 'payload'> | undefined {
    const revision = this.#revision;
    if (revision === undefined || METHOD_TABLES[revision].serverRequests.size > 0) return undefined;
    return {
      code: 'NOT_IN_REVISION',
      message: `Dropped a ${method} request: on protocol ${revision} servers send no requests, so nothing was run and no response was written.`,
    };
  }

  /** A server request the negotiated revision does not define for servers is `-32601`: no handler or callback runs. */
  serverRequest(method: string): void {
    const revision = this.#revision;
    if (revision !== undefined && !serverMay(revision, 'request', method)) {
      throw new JsonRpcError({
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${method} (protocol ${revision} has no such server request)`,
      });
    }
  }

  /** Checks a server request's params against its schema in the negotiated revision (`-32602` if they do not fit). */
  serverParams(method: string, params: unknown): void {
    const schema = this.#rs?.serverRequests[method]?.params;
    if (schema === undefined) return;
    const parsed = schema.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new JsonRpcError({
        code: ErrorCode.InvalidParams,
        message: `Invalid params for ${method}: ${issue === undefined ? 'they do not fit the schema' : `${issue.path.map(String).join('.') || '(params)'}: ${issue.message}`}`,
      });
    }
  }

  /**
   * Checks the client's answer to a server request or 2026 input request against the result type
   * of `method` in the negotiated revision, before it is sent. An answer that does not fit is not
   * sent: it is reported (`INVALID_CALLBACK_RESULT`) and a `CallbackResultError` naming the
   * fields is thrown (a legacy server gets `-32603` with its message; a 2026 call rejects with it).
   */
  readonly answer = (method: string, answer: unknown): unknown => {
    const rs = this.#rs;
    if (rs === undefined) return answer;
    const schema = rs.clientAnswers[method];
    if (schema === undefined) return answer;
    const parsed = schema.safeParse(answer);
    if (parsed.success) return answer;
    const error = new CallbackResultError(method, rs.revision, parsed.error.issues);
    this.#report({
      code: 'INVALID_CALLBACK_RESULT',
      message: `${error.message} It was not sent.`,
      payload: error,
    });
    throw error;
  };
}
