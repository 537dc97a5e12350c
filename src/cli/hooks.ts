/**
 * The session's callbacks of a run: the server's elicitation and sampling requests answered at
 * the terminal (one dialog at a time), or refused when nobody can be asked; what the session
 * reports, routed (messages.ts); its diagnostics and the stdio server's stderr with `--verbose`.
 */
import type { Diagnostic, SessionMessage } from '../index.js';
import {
  DialogEnded,
  elicitForm,
  elicitUrl,
  sampleAtTerminal,
  samplingRefused,
  type Asker,
} from './interactive.js';
import { routeMessage } from './messages.js';
import type { Run } from './run-state.js';

type Json = Record<string, unknown>;

const NOT_INTERACTIVE =
  'mcp-actors runs non-interactively (--no-interactive, or stdin is not a terminal)';

/** An elicitation answered in a dialog: declined when nobody can be asked, cancelled if ended. */
function elicitation(run: Run, ask: (params: Json, asker: Asker) => Promise<Json>) {
  return async (params: Json, extra: { signal: AbortSignal }) => {
    if (!run.interactive) {
      refuse(run, 'elicitation');
      return { action: 'decline' };
    }
    try {
      return await run.dialog(extra.signal, (asker) => ask(params, asker));
    } catch (error) {
      if (error instanceof DialogEnded) return { action: 'cancel' };
      throw error;
    }
  };
}

function refuse(run: Run, what: string): void {
  run.note(`mcp-actors: declined the server's ${what} request: ${NOT_INTERACTIVE}.`);
}

/** The session's callbacks, answering at the terminal or refusing. */
export function hooksOf(run: Run) {
  return {
    elicitForm: elicitation(run, elicitForm),
    elicitUrl: elicitation(run, elicitUrl),
    sample: async (params: Json, extra: { signal: AbortSignal }) => {
      if (!run.interactive) {
        refuse(run, 'sampling');
        throw samplingRefused(`The user cannot be asked: ${NOT_INTERACTIVE}.`);
      }
      try {
        return await run.dialog(extra.signal, (asker) => sampleAtTerminal(params, asker));
      } catch (error) {
        if (error instanceof DialogEnded)
          throw samplingRefused('The user cancelled the sampling request.');
        throw error;
      }
    },
    message: (m: SessionMessage) => routeMessage(m, run.notifications, run),
    diagnostic: (d: Diagnostic) => run.verbose(`diagnostic ${d.code}: ${d.message}`),
    serverStderr: (text: string) => {
      if (!run.options.verbose) return;
      for (const line of text.replace(/\n$/, '').split('\n')) run.note(`server stderr: ${line}`);
    },
  };
}
