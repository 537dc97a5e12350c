/**
 * mcp-actors/ai-sdk: the tools of a session group or of one session as Vercel AI SDK tools
 * (`ai` 6, an optional peer dependency), called through the group or the session.
 *
 * @module mcp-actors/ai-sdk
 */
export { mcpTools, type McpToolSource, type McpToolsOptions } from './tools.js';
export { toModelOutput, ToolResultError } from './output.js';
