/**
 * The XState machine definitions of the session's behaviour (runtime-neutral): import them to
 * draw, inspect or model-check the lifecycle (see docs/model-checking.md).
 *
 * @module mcp-actors/machines
 */
export * from './connection.js';
export * from './dispatcher.js';
export * from './inbound-request.js';
export * from './request.js';
export * from './stdio-process.js';
export * from './authorization.js';
export * from './session-group.js';
