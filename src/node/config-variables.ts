/**
 * `${VAR}` references in the values of an `mcpServers` configuration, expanded from an explicit
 * environment: `${VAR}` (an error when VAR is not set), `${VAR:-default}` (the default when VAR is
 * unset or empty), and `$${` for a literal `${`.
 */

/** The variables references are expanded from. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** A reference that could not be expanded: which variable (if one is named), and why. */
export interface VariableProblem {
  readonly variable: string | undefined;
  readonly message: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAMED = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * `text` with its references replaced by the values of `env`; each reference that cannot be
 * replaced (an unset variable with no default, a malformed or unterminated reference) is passed
 * to `problem` and left as it is.
 */
export function expandVariables(
  text: string,
  env: ConfigEnv,
  problem: (found: VariableProblem) => void,
): string {
  return text.replace(REFERENCE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    if (body === undefined) {
      problem({
        variable: undefined,
        message: 'a ${ with no closing } (write $${ for a literal ${)',
      });
      return match;
    }
    const named = NAMED.exec(body);
    if (named === null) {
      problem({
        variable: undefined,
        message: `${match} is not a variable reference (\${NAME} or \${NAME:-default}; write $\${ for a literal \${)`,
      });
      return match;
    }
    const name = named[1] as string;
    const fallback = named[2];
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value !== undefined) return value;
    problem({
      variable: name,
      message: `the variable ${name} is not set (set it, or give a default: \${${name}:-value})`,
    });
    return match;
  });
}
