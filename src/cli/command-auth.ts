/**
 * OAuth in a run: the client for an http(s) server (the browser may open by itself at a
 * terminal; the deadlines stand still while the user is at the browser), and the `login` and
 * `logout` commands, which act on the tokens and open no session.
 */
import type { InspectionEvent } from 'xstate';
import { EXIT } from './exit.js';
import { login, loginText, logout, logoutText, startCliAuth, type CliAuth } from './oauth.js';
import type { OAuthSettings } from './options.js';
import type { Run } from './run-state.js';

/**
 * The OAuth client of the run: the browser may open by itself at a terminal, and for `login`
 * (unless --no-interactive), never for `logout`; the deadlines stand still while the user is at
 * the browser.
 */
export async function startAuth(
  run: Run,
  url: URL,
  settings: OAuthSettings,
  inspect: ((event: InspectionEvent) => void) | undefined,
): Promise<CliAuth> {
  const { options, io } = run;
  const auth = await startCliAuth({
    server: url,
    settings,
    inspect,
    env: io.env ?? {},
    mayAskUser:
      options.command === 'login'
        ? !options.noInteractive
        : options.command !== 'logout' && run.authInteractive,
    note: (line) => run.note(line),
    verbose: (line) => run.verbose(line),
  });
  auth.client.actor.subscribe((snapshot) => run.authorizing(snapshot.value === 'authorizing'));
  return auth;
}

/** `login` or `logout`: the tokens of the server at --url. */
export async function runAuthCommand(run: Run): Promise<number> {
  const { options, auth } = run;
  const server = options.server;
  if (auth === undefined || server.kind !== 'http') throw new Error('no OAuth client');
  if (options.command === 'login') {
    const outcome = await login(auth, server.url, run.interrupt.signal);
    if (options.json) run.json(outcome);
    else run.out(loginText(outcome));
    return EXIT.ok;
  }
  const outcome = await logout(auth, server.url);
  if (options.json) {
    run.json({
      server: outcome.server,
      forgotten: outcome.forgotten,
      revoked: outcome.revoked,
      notRevocable: outcome.unsupported,
      tokenStore: outcome.tokenStore,
    });
  } else {
    run.out(logoutText(outcome));
  }
  return EXIT.ok;
}
