/**
 * Messages built from other messages. An error's message is a sentence (or several) ending with a
 * full stop; one embedded in another sentence is a clause: its final full stop goes, so that the
 * sentence around it ends with one, never two.
 */

/**
 * `text` as a clause of another sentence: without the blanks and full stops it ends with.
 * `Connection closed. Create a new session.` → `Connection closed. Create a new session`.
 */
export function clause(text: string): string {
  return text.replace(/[.\s]+$/u, '');
}

/** `text` as a whole sentence: ending with one full stop, or with the `?`, `!` or `…` it has. */
export function sentence(text: string): string {
  const trimmed = clause(text);
  return /[?!…]$/u.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** `n` and the noun, plural unless `n` is 1: `1 attempt`, `5 attempts`. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The advice on a message over the size cap (`MESSAGE_TOO_LARGE`). */
export const MAX_MESSAGE_BYTES_HINT = {
  text: "Raise maxMessageBytes if the server's messages are this large.",
  option: 'maxMessageBytes',
} as const;

/**
 * The request an error is about, as a parenthesis to put after its first words:
 * ` (tools/call, id 7)`, or nothing when the request is not known.
 */
export function aboutRequest(
  request: { readonly method: string; readonly id: string | number } | undefined,
): string {
  return request === undefined ? '' : ` (${request.method}, id ${JSON.stringify(request.id)})`;
}

/**
 * The first three of a schema check's `issues`, each as `path: problem` (`(result)` for the
 * whole), and how many more there are: `content.0.type: Invalid input (and 2 more)`.
 */
export function issueList(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): string {
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.path.length === 0 ? '(result)' : i.path.map(String).join('.')}: ${i.message}`)
    .join('; ');
  return `${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`;
}
