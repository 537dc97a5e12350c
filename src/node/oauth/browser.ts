/** Opening a URL in the system browser: `open`, `cmd /c start` or `xdg-open`, without a shell. */
import { spawn } from 'node:child_process';

/** The command that opens `url` in the system browser on this platform. */
function browserCommand(url: string): { command: string; args: string[]; verbatim: boolean } {
  if (process.platform === 'darwin') return { command: 'open', args: [url], verbatim: false };
  if (process.platform === 'win32') {
    // `start` is a cmd builtin; quoted, the URL's `&` are not command separators.
    return { command: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true };
  }
  return { command: 'xdg-open', args: [url], verbatim: false };
}

/** Opens `url` in the system browser, detached, without a shell; failures are ignored. */
export function openSystemBrowser(url: URL): void {
  const { command, args, verbatim } = browserCommand(url.href);
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      shell: false,
      windowsVerbatimArguments: verbatim,
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser here: the printed URL is the way.
  }
}
