/**
 * The tools of the latest listing: what `tools/list` pages brought (all pages so far, by name),
 * the dropping of tools whose `x-mcp-header` annotations are invalid (2026 over Streamable HTTP),
 * and the checking of a `tools/call` result's `structuredContent` against the tool's
 * `outputSchema`.
 */
import { filterToolsForHttp } from '../protocol/http-headers.js';
import { ToolOutputValidator } from '../protocol/tool-output.js';
import type { Tool } from '../protocol/types.js';
import type { Report } from './checks.js';

export class ToolCatalog {
  /** The tools of the latest listing, by name (all pages so far). */
  readonly #tools = new Map<string, Tool>();
  readonly #output = new ToolOutputValidator();
  /** Whether listings drop tools with invalid `x-mcp-header` annotations (on 2026). */
  readonly #checkHeaders: boolean;
  readonly #report: Report;

  constructor(checkHeaders: boolean, report: Report) {
    this.#checkHeaders = checkHeaders;
    this.#report = report;
  }

  /** A listed tool, by name (the transport reads its annotations for the `Mcp-Param-*` headers). */
  readonly get = (name: string): Tool | undefined => this.#tools.get(name);

  /**
   * Takes a page of a listing (`first`: a listing from its start, which replaces what was
   * remembered); returns the tools kept, the same array when none was dropped. `modern`: the
   * session is on 2026, where header annotations are checked.
   */
  listed(tools: Tool[], first: boolean, modern: boolean): Tool[] {
    const kept = this.#headerSafe(tools, modern);
    if (first) this.#tools.clear();
    for (const tool of kept) this.#tools.set(tool.name, tool);
    this.#output.remember([...this.#tools.values()]);
    return kept;
  }

  /** `result`, once its `structuredContent` fits the tool's output schema (a tool not listed is not checked). */
  checkOutput(name: string, result: Record<string, unknown>): unknown {
    if (result.resultType === 'input_required' || !this.#output.has(name)) return result;
    return this.#output.validate(name, result).then(() => result);
  }

  /** On 2026 with header checks on: the tools whose `x-mcp-header` annotations are valid. */
  #headerSafe(tools: Tool[], modern: boolean): Tool[] {
    if (!this.#checkHeaders || !modern) return tools;
    const kept = filterToolsForHttp(tools, (tool, reason) =>
      this.#report({
        code: 'TOOL_DROPPED',
        message: `Tool ${JSON.stringify(tool.name)} was left out of the listing: its x-mcp-header annotations are invalid (${reason}).`,
        payload: tool,
      }),
    );
    return kept.length === tools.length ? tools : kept;
  }
}
