/**
 * Test helpers: a scripted peer to run sessions against.
 *
 * @module mcp-actors/testing
 */
export * from './scripted-server.js';
