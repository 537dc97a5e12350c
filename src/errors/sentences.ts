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

/** The advice on a message over the size cap (`MESSAGE_TOO_LARGE`). */
export const MAX_MESSAGE_BYTES_HINT = {
  text: "Raise maxMessageBytes if the server's messages are this large.",
  option: 'maxMessageBytes',
} as const;
