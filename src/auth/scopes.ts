/** OAuth scopes as space-separated lists: their members, and the union a step-up asks for. */

/** The members of a scope, in order. */
export function scopeSet(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s !== '');
}

/**
 * The union of scopes, in order of first appearance; undefined when empty. A step-up asks for
 * the union of the scope held and the scope challenged (MCP basic/authorization, step-up).
 *
 * @example
 * ```ts
 * import { unionScopes } from 'mcp-actors';
 *
 * console.log(unionScopes('files:read', 'files:read files:write')); // 'files:read files:write'
 * ```
 */
export function unionScopes(...scopes: (string | undefined)[]): string | undefined {
  const all = [...new Set(scopes.flatMap(scopeSet))];
  return all.length === 0 ? undefined : all.join(' ');
}
