/** A command line as shown to a person (for messages and descriptions of stdio servers). */

/** The program and its arguments, each quoted as a POSIX shell would need it. */
export function commandLine(command: string, args: readonly string[]): string {
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
  return [command, ...args].map(quote).join(' ');
}
