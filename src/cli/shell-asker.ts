/**
 * The terminal dialogs (elicitation, sampling) of `mcp-actors shell`, asked on the shell's own
 * line editor: one question at a time, ended by Ctrl-C or Ctrl-D at the terminal or by the
 * server cancelling its request.
 */
import type { Interface } from 'node:readline';
import { DialogEnded, type Asker } from './interactive.js';

/** A terminal dialog the runner opens on the shell's line editor. */
export type ShellAsker = Asker & { close(): void };

/** How the user ended a dialog at the terminal. */
export type EndDialog = (how: 'interrupt' | 'eof') => void;

/**
 * A dialog on `rl`, ended when `signal` aborts. `onOpen` is given the way to end it from the
 * terminal while it is open, and undefined when it closes.
 */
export function openLineAsker(
  rl: Interface,
  stderr: { write(text: string): unknown },
  signal: AbortSignal,
  onOpen: (end: EndDialog | undefined) => void,
): ShellAsker {
  let current: AbortController | undefined;
  let reject: ((error: DialogEnded) => void) | undefined;
  let ended: DialogEnded | undefined;
  const end = (error: DialogEnded): void => {
    ended ??= error;
    const r = reject;
    reject = undefined;
    current?.abort();
    r?.(error);
  };
  const onAbort = (): void => {
    stderr.write('\n');
    end(new DialogEnded('aborted'));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  onOpen((how) => {
    if (how === 'interrupt') stderr.write('^C\n');
    end(new DialogEnded(how));
  });
  return {
    ask(question) {
      if (ended !== undefined) return Promise.reject(ended);
      if (signal.aborted) return Promise.reject(new DialogEnded('aborted'));
      return new Promise<string>((resolve, rejectAnswer) => {
        const controller = new AbortController();
        current = controller;
        reject = rejectAnswer;
        rl.question(question, { signal: controller.signal }, (answer) => {
          reject = undefined;
          resolve(answer);
        });
      });
    },
    say(text) {
      stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    close() {
      signal.removeEventListener('abort', onAbort);
      current?.abort();
      reject = undefined;
      onOpen(undefined);
    },
  };
}
