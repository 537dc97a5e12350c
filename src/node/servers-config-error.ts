/**
 * The error of an `mcpServers` configuration ({@link ServersConfigError}): every problem found,
 * each naming the server, the field and, for an unset variable, the variable.
 */
import { McpLocalError } from '../errors/errors.js';

/**
 * One problem of an `mcpServers` configuration.
 *
 * @example
 * ```ts
 * import type { ServersConfigIssue } from 'mcp-actors/node';
 *
 * const issue: ServersConfigIssue = {
 *   server: 'github',
 *   field: 'env.GITHUB_TOKEN',
 *   message: 'the variable GITHUB_TOKEN is not set (give it a value, or a default: ${GITHUB_TOKEN:-value})',
 *   variable: 'GITHUB_TOKEN',
 * };
 * console.log(`${issue.server}: ${issue.field}: ${issue.message}`);
 * ```
 */
export interface ServersConfigIssue {
  /** The server the problem is in; undefined for the file as a whole. */
  readonly server: string | undefined;
  /** The field: `command`, `args[1]`, `env.API_KEY`, `headers.Authorization`, `url`…; undefined for the whole entry. */
  readonly field: string | undefined;
  /** What is wrong. */
  readonly message: string;
  /** The environment variable a `${VAR}` reference names, when it is the problem. */
  readonly variable?: string;
}

/** Where an issue is, as the start of its line: `server "github", env.GITHUB_TOKEN`. */
export function issueText(issue: ServersConfigIssue): string {
  const where = [
    ...(issue.server === undefined ? [] : [`server ${JSON.stringify(issue.server)}`]),
    ...(issue.field === undefined ? [] : [issue.field]),
  ].join(', ');
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

/**
 * An `mcpServers` configuration that cannot be used: not JSON, not of the expected shape, or
 * with a `${VAR}` reference to a variable that is not set. `issues` lists every problem found
 * (not only the first), each naming its server and field; the message lists them one a line.
 * `path` is the file, when it was read from one (the system error is the `cause` when it could
 * not be read).
 *
 * @example
 * ```ts
 * import { loadServersConfig, ServersConfigError } from 'mcp-actors/node';
 *
 * try {
 *   await loadServersConfig('mcp.json');
 * } catch (error) {
 *   if (error instanceof ServersConfigError) {
 *     for (const issue of error.issues) console.log(issue.server, issue.field, issue.message);
 *   }
 * }
 * ```
 */
export class ServersConfigError extends McpLocalError {
  override name = 'ServersConfigError';
  declare readonly code: 'INVALID_CONFIG';
  /** Every problem found. */
  readonly issues: readonly ServersConfigIssue[];
  /** The file, when the configuration was read from one. */
  readonly path: string | undefined;
  constructor(issues: readonly ServersConfigIssue[], path?: string, cause?: unknown) {
    const what = `The mcpServers configuration${path === undefined ? '' : ` ${path}`}`;
    const lines = issues.map((issue) => `\n  ${issueText(issue)}`).join('');
    super(
      'INVALID_CONFIG',
      issues.length === 1
        ? `${what} cannot be used: ${issueText(issues[0] as ServersConfigIssue)}`
        : `${what} has ${issues.length} problems:${lines}`,
      cause === undefined ? undefined : { cause },
    );
    this.issues = issues;
    this.path = path;
  }
}
