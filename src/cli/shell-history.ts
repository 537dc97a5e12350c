/**
 * The history of `mcp-actors shell`: where it is kept (`MCP_ACTORS_HISTORY`, or under
 * `$XDG_STATE_HOME`), read at the start (newest first, a long file trimmed), and each line
 * typed appended to it.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { oneLine } from './exit.js';
import type { CliEnv } from './options.js';

/** How many lines of history are kept. */
export const HISTORY_SIZE = 1000;

/**
 * The history file: `MCP_ACTORS_HISTORY` when set (empty: none, history in memory only), else
 * `$XDG_STATE_HOME/mcp-actors/shell_history` when that is an absolute path, else
 * `~/.local/state/mcp-actors/shell_history`.
 */
export function historyPath(env: CliEnv): string | undefined {
  const given = env['MCP_ACTORS_HISTORY'];
  if (given !== undefined) return given === '' ? undefined : given;
  const state = env['XDG_STATE_HOME'];
  const base =
    state !== undefined && path.isAbsolute(state) ? state : path.join(homedir(), '.local', 'state');
  return path.join(base, 'mcp-actors', 'shell_history');
}

/** The history kept in `file`, newest first (as node:readline takes it); trims a long file. */
export function loadHistory(file: string): string[] {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
  if (lines.length > 2 * HISTORY_SIZE) {
    lines = lines.slice(-HISTORY_SIZE);
    try {
      writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // Kept as it is; it is read from the end.
    }
  }
  return lines.slice(-HISTORY_SIZE).reverse();
}

/** Appends a line typed (not a blank one) to `file`; `verbose` tells why it could not. */
export function keepInHistory(file: string, line: string, verbose: (text: string) => void): void {
  if (line.trim() === '') return;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${line.replace(/[\r\n]+/g, ' ')}\n`, { mode: 0o600 });
  } catch (error) {
    verbose(`mcp-actors: could not keep the history in ${file}: ${oneLine(error)}`);
  }
}
