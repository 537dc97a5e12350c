/**
 * What the model sees of an MCP tool result: `CallToolResult` → the AI SDK's `ToolResultOutput`
 * (text, images, audio, resources as text, structured content), and the error a tool's own
 * failure (`isError: true`) becomes.
 */
import type { JSONValue, ToolResultPart } from 'ai';
import type { CallToolResult, ContentBlock } from '../protocol/types.js';

/** One part of a `content` tool output. */
type ContentPart = Extract<ToolResultPart['output'], { type: 'content' }>['value'][number];

/**
 * A tool's own failure: the server answered `tools/call` with `isError: true`. Thrown by the
 * `execute` of the tools {@link mcpTools} makes, so that the AI SDK records a `tool-error` and the
 * model sees the error's message (the tool's text) as an `error-text` tool output, as it does for
 * any tool that throws.
 *
 * @example
 * ```ts
 * import { generateText, stepCountIs, type LanguageModel } from 'ai';
 * import type { ClientSession } from 'mcp-actors';
 * import { mcpTools, ToolResultError } from 'mcp-actors/ai-sdk';
 * declare const session: ClientSession;
 * declare const model: LanguageModel;
 *
 * const result = await generateText({
 *   model,
 *   tools: await mcpTools(session),
 *   stopWhen: stepCountIs(5),
 *   prompt: 'Read /etc/hostname',
 * });
 * for (const part of result.steps.flatMap((s) => s.content)) {
 *   if (part.type === 'tool-error' && part.error instanceof ToolResultError) {
 *     console.log(part.toolName, 'failed:', part.error.message, part.error.result.content);
 *   }
 * }
 * ```
 */
export class ToolResultError extends Error {
  override name = 'ToolResultError';
  /** The name the tool was called by (its aggregated name, through a group). */
  readonly toolName: string;
  /** The server's result, as it came (`isError: true`). */
  readonly result: CallToolResult;
  constructor(toolName: string, result: CallToolResult) {
    super(errorText(toolName, result));
    this.toolName = toolName;
    this.result = result;
  }
}

/** What an `isError` result says: its text, else its structured content, else a sentence. */
function errorText(toolName: string, result: CallToolResult): string {
  const text = result.content
    .map(blockText)
    .filter((t) => t !== undefined)
    .join('\n');
  if (text !== '') return text;
  if (result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return `The tool ${JSON.stringify(toolName)} failed and said nothing about why.`;
}

/**
 * The text of a block that a model reads as text (text, resources, links); undefined for media
 * and for a binary resource that is not an image or audio (those become media parts).
 */
function blockText(block: ContentBlock): string | undefined {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'resource_link': {
      const about = [block.title ?? block.name, block.mimeType, block.description].filter(
        (s) => s !== undefined && s !== '',
      );
      return `Resource link: ${block.uri}${about.length > 0 ? ` (${about.join('; ')})` : ''}`;
    }
    case 'resource': {
      const r = block.resource;
      if ('text' in r) return `Resource ${r.uri}:\n${r.text}`;
      if (media(r.mimeType) !== undefined) return undefined;
      return `Resource ${r.uri}: ${r.mimeType ?? 'binary'} data (${r.blob.length} base64 characters), not shown.`;
    }
    case 'image':
    case 'audio':
      return undefined;
    default:
      // A content type of a later revision: shown as its JSON rather than dropped.
      return JSON.stringify(block);
  }
}

/** Which media part a MIME type makes, if any. */
function media(mimeType: string | undefined): 'image' | 'audio' | undefined {
  if (mimeType?.startsWith('image/') === true) return 'image';
  if (mimeType?.startsWith('audio/') === true) return 'audio';
  return undefined;
}

/** A block as a part of a `content` tool output. */
function part(block: ContentBlock): ContentPart {
  if (block.type === 'image')
    return { type: 'image-data', data: block.data, mediaType: block.mimeType };
  if (block.type === 'audio')
    return { type: 'file-data', data: block.data, mediaType: block.mimeType };
  if (block.type === 'resource' && 'blob' in block.resource) {
    const { blob, mimeType } = block.resource;
    const kind = media(mimeType);
    if (kind === 'image' && mimeType !== undefined)
      return { type: 'image-data', data: blob, mediaType: mimeType };
    if (kind === 'audio' && mimeType !== undefined)
      return { type: 'file-data', data: blob, mediaType: mimeType };
  }
  return { type: 'text', text: blockText(block) ?? '' };
}

/**
 * What a model sees of a tool result (the AI SDK's tool output, `ToolResultPart['output']`):
 *
 * - text only, with `structuredContent`: the structured content as `json` (MCP asks a tool with
 *   structured output to repeat it as text, so the text is not sent twice);
 * - text only: `text`, the blocks joined by newlines; embedded text resources and resource links
 *   are text (`Resource <uri>:` and the text; `Resource link: <uri> (name; type; description)`);
 * - with images or audio: `content`, one part per block: `image-data` for an image, `file-data`
 *   for audio (both base64 with their media type, as are image and audio blobs of embedded
 *   resources), `text` for the others; `structuredContent` is then left to the text blocks.
 *
 * An `isError` result is not mapped here: {@link mcpTools} throws it as a {@link ToolResultError}.
 *
 * @example
 * ```ts
 * import { toModelOutput } from 'mcp-actors/ai-sdk';
 *
 * const output = toModelOutput({
 *   content: [
 *     { type: 'text', text: 'A red dot:' },
 *     { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
 *   ],
 * });
 * // { type: 'content', value: [{ type: 'text', text: 'A red dot:' },
 * //   { type: 'image-data', data: 'iVBORw0KGgo=', mediaType: 'image/png' }] }
 * console.log(output.type);
 * ```
 */
export function toModelOutput(result: CallToolResult): ToolResultPart['output'] {
  const parts = result.content.map(part);
  if (parts.every((p) => p.type === 'text')) {
    if (result.structuredContent !== undefined) {
      return { type: 'json', value: result.structuredContent as JSONValue };
    }
    return { type: 'text', value: parts.map((p) => p.text).join('\n') };
  }
  return { type: 'content', value: parts };
}
