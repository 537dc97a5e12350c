/**
 * Errors. One root class, `McpError`, and two families under it:
 * - local errors (`McpLocalError`), raised by this library, with a string `code`;
 * - wire errors (`JsonRpcError`), sent by the peer, with the numeric JSON-RPC `code` and `data`.
 * A local error never carries a numeric code, so it cannot be mistaken for the peer's answer.
 *
 * This module gathers the families, one module each: `base.ts` (the roots, the codes, hints, and
 * the caller's own mistakes), `jsonrpc.ts` (the peer's errors), `connection.ts` (the connection
 * and its stream), `requests.ts` (one request's timeout, cancellation, id), `results.ts` (results
 * and answers checked against the revision), `authorization.ts` (OAuth). Errors that belong to
 * one transport or feature live beside it (`HttpError` in the Streamable HTTP transport, say).
 */
export * from './base.js';
export * from './jsonrpc.js';
export * from './connection.js';
export * from './requests.js';
export * from './results.js';
export * from './authorization.js';
