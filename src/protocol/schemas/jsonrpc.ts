/**
 * JSON-RPC envelopes, the `_meta` objects, the common params/result bases, pagination, caching
 * fields and the error types.
 *
 * Envelopes: up to 2025-06-18 the method-specific request/notification types of schema.json are
 * just `{method, params}` (the envelope is `JSONRPCRequest`/`JSONRPCNotification`); from
 * 2025-11-25 they include `jsonrpc` and `id`. 2026 input requests (sampling, roots, elicitation
 * inside `InputRequiredResult`) are bare `{method, params}` again.
 *
 * Params of 2024-11-05 … 2025-06-18 requests and notifications are inlined in schema.json without
 * the `_meta` that the base `Request`/`Notification` params declare; we keep that `_meta` (an open
 * object, `progressToken` typed) so it is not stripped from server requests (deliberate).
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { Identity } from './identity.js';
import type { Primitives } from './primitives.js';

export function buildJsonRpc(g: Gates, r: Registry, p: Primitives, id: Identity) {
  const modern = g.since('2026-07-28');
  /** 2025-11-25+: named `*Params` types and envelopes inside the method-specific types. */
  const named = g.since('2025-11-25');
  const jsonrpc = z.literal('2.0');

  // ---- _meta ----
  const LegacyRequestMeta = z.looseObject({ progressToken: z.optional(p.ProgressToken) });
  const RequestMetaObject = r.def(
    'RequestMetaObject',
    only(modern, () =>
      z.looseObject({
        progressToken: z.optional(p.ProgressToken),
        'io.modelcontextprotocol/protocolVersion': z.string(),
        'io.modelcontextprotocol/clientInfo': z.optional(id.Implementation),
        'io.modelcontextprotocol/clientCapabilities': id.ClientCapabilities,
        'io.modelcontextprotocol/logLevel': z.optional(p.LoggingLevel),
      }),
    ),
  );
  const NotificationMetaObject = r.def(
    'NotificationMetaObject',
    only(modern, () =>
      z.looseObject({ 'io.modelcontextprotocol/subscriptionId': z.optional(p.RequestId) }),
    ),
  );
  const ResultMetaObject = r.def(
    'ResultMetaObject',
    only(modern, () =>
      z.looseObject({ 'io.modelcontextprotocol/serverInfo': z.optional(id.Implementation) }),
    ),
  );

  /** `_meta` of request params: required `RequestMetaObject` (2026), optional open object before. */
  const requestMeta = newer(
    modern,
    () => must(RequestMetaObject, 'RequestMetaObject'),
    () => z.optional(LegacyRequestMeta),
  );
  const notificationMeta = z.optional(
    newer(
      modern,
      () => must(NotificationMetaObject, 'NotificationMetaObject'),
      () => p.Meta,
    ),
  );
  const resultMeta = z.optional(
    newer(
      modern,
      () => must(ResultMetaObject, 'ResultMetaObject'),
      () => p.Meta,
    ),
  );

  // ---- bases ----
  type Shape = Readonly<Record<string, z.ZodMiniType>>;
  /** Params of a client request: the shape plus the revision's `_meta`. */
  const requestParams = <S extends Shape>(shape: S) => z.object({ _meta: requestMeta, ...shape });
  const notificationParams = <S extends Shape>(shape: S) =>
    z.object({ _meta: notificationMeta, ...shape });
  /** `_meta` and (2026) the required `resultType` of every result. */
  const resultFields = {
    _meta: resultMeta,
    ...fields(modern, () => ({
      resultType: z.string(),
    })),
  };
  const result = <S extends Shape>(shape: S) => z.object({ ...resultFields, ...shape });
  /** 2026 caching hints of cacheable results. */
  const cacheable = fields(modern, () => ({
    ttlMs: z.number().check(z.minimum(0)),
    cacheScope: z.enum(['private', 'public']),
  }));
  /** Params that are required only from `requiredSince` on. */
  const paramsSince = <P extends z.ZodMiniType>(requiredSince: boolean, params: P) =>
    newer(
      requiredSince,
      () => params,
      () => z.optional(params),
    );

  /** A method-specific request type (envelope from 2025-11-25 on). */
  const request = <const M extends string, P extends z.ZodMiniType>(method: M, params: P) => {
    const m = z.literal(method);
    return newer(
      named,
      () => z.object({ jsonrpc, id: p.RequestId, method: m, params }),
      () => z.object({ method: m, params }),
    );
  };
  /** A request without envelope (2026 input requests). */
  const bareRequest = <const M extends string, P extends z.ZodMiniType>(method: M, params: P) =>
    z.object({ method: z.literal(method), params });
  const notification = <const M extends string, P extends z.ZodMiniType>(method: M, params: P) => {
    const m = z.literal(method);
    return newer(
      named,
      () => z.object({ jsonrpc, method: m, params }),
      () => z.object({ method: m, params }),
    );
  };
  const resultResponse = <T extends z.ZodMiniType>(resultSchema: T) =>
    z.object({ jsonrpc, id: p.RequestId, result: resultSchema });

  // ---- generic JSON-RPC types ----
  const anyParams = z.optional(
    newer(
      named,
      () => p.OpenObject,
      () => z.looseObject({ _meta: z.optional(LegacyRequestMeta) }),
    ),
  );
  const anyNotificationParams = z.optional(
    newer(
      named,
      () => p.OpenObject,
      () => z.looseObject({ _meta: z.optional(p.Meta) }),
    ),
  );
  r.def('Request', z.object({ method: z.string(), params: anyParams }));
  r.def('Notification', z.object({ method: z.string(), params: anyNotificationParams }));
  const Result = r.def('Result', z.looseObject(resultFields));
  r.def('EmptyResult', Result);

  const JSONRPCRequest = r.def(
    'JSONRPCRequest',
    z.object({ jsonrpc, id: p.RequestId, method: z.string(), params: anyParams }),
  );
  const JSONRPCNotification = r.def(
    'JSONRPCNotification',
    z.object({ jsonrpc, method: z.string(), params: anyNotificationParams }),
  );
  const ErrorObject = r.defIf(
    named,
    'Error',
    z.object({ code: z.number(), message: z.string(), data: z.optional(z.unknown()) }),
  );
  const JSONRPCResultResponse = resultResponse(Result);
  // Up to 2025-06-18 an error response needs an `id`; later it is optional.
  const JSONRPCErrorResponse = z.object({
    jsonrpc,
    id: newer(
      named,
      () => z.optional(p.RequestId),
      () => p.RequestId,
    ),
    error: ErrorObject,
  });
  let JSONRPCMessage: z.ZodMiniType;
  if (named) {
    r.def('JSONRPCResultResponse', JSONRPCResultResponse);
    r.def('JSONRPCErrorResponse', JSONRPCErrorResponse);
    r.def('JSONRPCResponse', z.union([JSONRPCResultResponse, JSONRPCErrorResponse]));
    JSONRPCMessage = z.union([
      JSONRPCRequest,
      JSONRPCNotification,
      JSONRPCResultResponse,
      JSONRPCErrorResponse,
    ]);
  } else {
    r.def('JSONRPCResponse', JSONRPCResultResponse);
    r.def('JSONRPCError', JSONRPCErrorResponse);
    if (g.is('2025-03-26')) {
      // The only revision with JSON-RPC batches.
      const batchRequest = r.def(
        'JSONRPCBatchRequest',
        z.array(z.union([JSONRPCRequest, JSONRPCNotification])),
      );
      const batchResponse = r.def(
        'JSONRPCBatchResponse',
        z.array(z.union([JSONRPCResultResponse, JSONRPCErrorResponse])),
      );
      JSONRPCMessage = z.union([
        JSONRPCRequest,
        JSONRPCNotification,
        batchRequest,
        JSONRPCResultResponse,
        JSONRPCErrorResponse,
        batchResponse,
      ]);
    } else {
      JSONRPCMessage = z.union([
        JSONRPCRequest,
        JSONRPCNotification,
        JSONRPCResultResponse,
        JSONRPCErrorResponse,
      ]);
    }
  }
  r.def('JSONRPCMessage', JSONRPCMessage);

  // ---- common params and pagination ----
  const RequestParams = r.defIf(named, 'RequestParams', requestParams({}));
  const NotificationParams = r.defIf(named, 'NotificationParams', notificationParams({}));
  const PaginatedRequestParams = r.defIf(
    named,
    'PaginatedRequestParams',
    requestParams({ cursor: z.optional(p.Cursor) }),
  );
  /** Params of requests/notifications that carry nothing but `_meta` (open objects until 2025-06-18). */
  const emptyRequestParams = z.optional(
    newer(
      named,
      () => RequestParams,
      () => z.looseObject({ _meta: z.optional(LegacyRequestMeta) }),
    ),
  );
  const emptyNotificationParams = z.optional(
    newer(
      named,
      () => NotificationParams,
      () => z.looseObject({ _meta: z.optional(p.Meta) }),
    ),
  );
  r.def(
    'PaginatedRequest',
    newer(
      named,
      () =>
        z.object({
          jsonrpc,
          id: p.RequestId,
          method: z.string(),
          params: paramsSince(modern, PaginatedRequestParams),
        }),
      () => z.object({ method: z.string(), params: z.optional(PaginatedRequestParams) }),
    ),
  );
  r.def('PaginatedResult', result({ nextCursor: z.optional(p.Cursor) }));
  /** A paginated list request: params optional until 2026, required (for `_meta`) in 2026. */
  const listRequest = <const M extends string>(method: M) =>
    request(method, paramsSince(modern, PaginatedRequestParams));
  const listResult = <S extends Shape>(shape: S) =>
    result({ nextCursor: z.optional(p.Cursor), ...cacheable, ...shape });

  // ---- 2026 caching and errors ----
  if (modern) {
    r.def('ResultType', z.string());
    r.def('CacheableResult', result(cacheable));
    const codeError = (code: number) =>
      z.object({ code: z.literal(code), message: z.string(), data: z.optional(z.unknown()) });
    r.def('ParseError', codeError(-32700));
    r.def('InvalidRequestError', codeError(-32600));
    r.def('MethodNotFoundError', codeError(-32601));
    r.def('InvalidParamsError', codeError(-32602));
    r.def('InternalError', codeError(-32603));
  }
  /** An error response whose `error` has a fixed code (and, if given, required `data`). */
  const errorResponse = (code: number, data?: z.ZodMiniType) =>
    z.object({
      jsonrpc,
      id: z.optional(p.RequestId),
      error: z.object({
        code: z.literal(code),
        message: z.string(),
        data: data ?? z.optional(z.unknown()),
      }),
    });
  if (modern) {
    r.def('HeaderMismatchError', errorResponse(-32020));
    r.def(
      'MissingRequiredClientCapabilityError',
      errorResponse(-32021, z.object({ requiredCapabilities: id.ClientCapabilities })),
    );
    r.def(
      'UnsupportedProtocolVersionError',
      errorResponse(-32022, z.object({ supported: z.array(z.string()), requested: z.string() })),
    );
  }

  return {
    jsonrpc,
    LegacyRequestMeta,
    RequestMetaObject,
    NotificationMetaObject,
    ResultMetaObject,
    requestMeta,
    notificationMeta,
    resultMeta,
    requestParams,
    notificationParams,
    result,
    resultFields,
    cacheable,
    paramsSince,
    request,
    bareRequest,
    notification,
    resultResponse,
    errorResponse,
    listRequest,
    listResult,
    Result,
    JSONRPCRequest,
    JSONRPCNotification,
    JSONRPCMessage,
    RequestParams,
    NotificationParams,
    PaginatedRequestParams,
    emptyRequestParams,
    emptyNotificationParams,
  };
}

export type JsonRpc = ReturnType<typeof buildJsonRpc>;
