/**
 * OAuth in the command line: the OAuth client of an http(s) server, with the file token store and
 * the loopback redirect receiver; the browser (the system's, or `MCP_ACTORS_BROWSER`); the `login`
 * and `logout` commands.
 */
import { spawn } from 'node:child_process';
import type { InspectionEvent } from 'xstate';
import { createOAuthClient, type OAuthClient } from '../auth/oauth.js';
import { oauthStoreKey } from '../auth/tokens.js';
import type { LogoutOutcome, OAuthGrant, TokenKind } from '../auth/types.js';
import type { OAuthRecord } from '../auth/store.js';
import { reasonText } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { createFileOAuthStore, type FileOAuthStore } from '../node/oauth/file-store.js';
import { startLoopbackRedirect, type LoopbackRedirect } from '../node/oauth/loopback.js';
import type { CliEnv, OAuthSettings } from './options.js';

/** The path of the loopback redirect URI. */
const CALLBACK_PATH = '/callback';

/**
 * The key the OAuth client keeps this server's tokens under in the store: the server's resource
 * indicator and the client's identity (its id, or the grant of a client that registers itself),
 * as `OAuthClient.storeKey` computes it once bound.
 */
export function storeKeyOf(server: URL, settings: OAuthSettings): string {
  return oauthStoreKey(server, {
    grant: { type: grantTypeOf(settings) },
    client: settings.clientId === undefined ? undefined : { clientId: settings.clientId },
  });
}

/** The grant the settings ask for. */
function grantTypeOf(settings: OAuthSettings): OAuthGrant['type'] {
  return settings.clientCredentials ? 'client_credentials' : 'authorization_code';
}

/** A URL, or undefined for text that is not one. */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The loopback redirect URI a stored client registration was made for, if any: the receiver
 * listens there again, so the registration (and the refresh token issued to it) stays usable.
 */
export function storedRedirectUri(record: OAuthRecord | undefined): URL | undefined {
  for (const client of Object.values(record?.clients ?? {})) {
    for (const uri of client.redirectUris) {
      const url = parseUrl(uri);
      if (
        url?.protocol === 'http:' &&
        url.hostname === '127.0.0.1' &&
        url.port !== '' &&
        url.pathname === CALLBACK_PATH
      ) {
        return url;
      }
    }
  }
  return undefined;
}

/** The program `MCP_ACTORS_BROWSER` names, and its arguments before the URL. */
export function browserCommand(value: string): { command: string; args: string[] } {
  // A JavaScript file runs with this Node: no shebang, PATH or executable bit needed.
  return /\.[cm]?js$/i.test(value)
    ? { command: process.execPath, args: [value] }
    : { command: value, args: [] };
}

/**
 * Opens a URL with the program in `MCP_ACTORS_BROWSER` (the URL as its one argument, no shell),
 * detached, in the CLI's environment; `onError` hears why it could not start.
 */
function browserOpener(
  value: string,
  env: CliEnv,
  onError: (message: string) => void,
): (url: URL) => void {
  return (url) => {
    const { command, args } = browserCommand(value);
    try {
      const child = spawn(command, [...args, url.href], {
        detached: true,
        stdio: 'ignore',
        shell: false,
        env,
      });
      child.on('error', (error) => onError(reasonText(error)));
      child.unref();
    } catch (error) {
      onError(reasonText(error));
    }
  };
}

/** Options of {@link startCliAuth}. */
export interface CliAuthOptions {
  readonly server: URL;
  readonly settings: OAuthSettings;
  readonly env: CliEnv;
  /** Whether the browser may be opened: a terminal, or `login`. */
  readonly mayAskUser: boolean;
  /** Writes a line on stderr. */
  readonly note: (line: string) => void;
  /** Writes a line on stderr with --verbose. */
  readonly verbose: (line: string) => void;
  /** The inspector's observer, with --inspect: the authorization shows beside the session. */
  readonly inspect?: ((event: InspectionEvent) => void) | undefined;
}

/** The OAuth client of a run, with its store and redirect receiver. */
export interface CliAuth {
  readonly client: OAuthClient;
  readonly store: FileOAuthStore;
  /** The store key of this server and client. */
  readonly key: string;
  /** Whether a flow needed the user, and nobody could be asked. */
  readonly userNeeded: boolean;
  /** Stops the client and the receiver (a flow still waiting fails). */
  close(): Promise<void>;
}

/**
 * Why nobody is sent to the browser, and what to do instead: the message of the user agent's
 * refusal (which the OAuth client reports), and of the CLI's.
 */
export function nobodyToAskText(server: URL, settings: OAuthSettings): string {
  return `nobody can be asked to authorize here (--no-interactive, or stdin or stderr is not a terminal); run '${loginCommand(server, settings)}' first`;
}

/** The login command line for this server and client, for hints. */
export function loginCommand(server: URL, settings: OAuthSettings): string {
  const quote = (word: string): string =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  const words = ['mcp-actors', 'login', '--url', server.href];
  if (settings.clientId !== undefined) words.push('--client-id', settings.clientId);
  if (settings.tokenStore !== undefined) words.push('--token-store', settings.tokenStore);
  return words.map(quote).join(' ');
}

/** Starts the receiver on the port of the stored registration if it is free, else on any. */
async function startReceiver(
  stored: URL | undefined,
  options: Parameters<typeof startLoopbackRedirect>[0],
  verbose: (line: string) => void,
): Promise<LoopbackRedirect> {
  if (stored !== undefined) {
    try {
      return await startLoopbackRedirect({ ...options, port: Number(stored.port) });
    } catch (error) {
      verbose(
        `mcp-actors: the redirect port ${stored.port} of the stored registration is not free (${reasonText(error)}); using another one.`,
      );
    }
  }
  return startLoopbackRedirect(options);
}

/** The authorization code grant of a run, and what it holds. */
interface CodeFlow {
  readonly grant: OAuthGrant;
  /** The loopback receiver, when the user may be sent to the browser. */
  readonly receiver: LoopbackRedirect | undefined;
  /** Whether a flow needed the user, and nobody could be asked. */
  userNeeded(): boolean;
}

/**
 * The redirect URI registered when nobody may be sent to the browser and no registration is
 * stored: nothing listens there, and later runs do not reuse it (it names no port).
 */
const UNUSED_REDIRECT_URI = `http://127.0.0.1${CALLBACK_PATH}`;

/**
 * The authorization code grant. When the user may be asked: the loopback receiver (on the port of
 * the stored registration when it is free) and the browser. Otherwise no receiver: the redirect
 * URI of the stored registration (a refresh needs it unchanged), and a user agent that refuses.
 */
async function codeFlow(options: CliAuthOptions, stored: URL | undefined): Promise<CodeFlow> {
  const { server, settings, note, env } = options;
  if (!options.mayAskUser) {
    let userNeeded = false;
    const refuse = (): Promise<never> => {
      userNeeded = true;
      return Promise.reject(new Error(nobodyToAskText(server, settings)));
    };
    return {
      grant: {
        type: 'authorization_code',
        redirectUri: stored?.href ?? UNUSED_REDIRECT_URI,
        userAgent: refuse,
      },
      receiver: undefined,
      userNeeded: () => userNeeded,
    };
  }
  const browser = env['MCP_ACTORS_BROWSER'];
  const open =
    browser === undefined || browser === ''
      ? undefined
      : browserOpener(browser, env, (why) =>
          note(
            `mcp-actors: could not start MCP_ACTORS_BROWSER (${browser}): ${why}; open the URL yourself.`,
          ),
        );
  const receiver = await startReceiver(
    stored,
    {
      path: CALLBACK_PATH,
      print: (url) =>
        note(`mcp-actors: Opening the browser to authorize… (or open this URL: ${url.href})`),
      ...(open === undefined ? {} : { open }),
    },
    options.verbose,
  );
  return {
    grant: {
      type: 'authorization_code',
      redirectUri: receiver.redirectUri,
      userAgent: receiver.userAgent,
    },
    receiver,
    userNeeded: () => false,
  };
}

/**
 * The OAuth client for an http(s) server: tokens in the file store; the client credentials grant,
 * or the code flow with the loopback receiver and the browser, opened only when `mayAskUser`.
 */
export async function startCliAuth(options: CliAuthOptions): Promise<CliAuth> {
  const { server, settings, verbose } = options;
  const store = createFileOAuthStore({ path: settings.tokenStore });
  const key = storeKeyOf(server, settings);
  const flow = settings.clientCredentials
    ? undefined
    : await codeFlow(options, storedRedirectUri(await store.load(key)));
  const grant: OAuthGrant = flow?.grant ?? { type: 'client_credentials' };
  if (grant.type === 'authorization_code') {
    verbose(`mcp-actors: OAuth redirect URI ${grant.redirectUri}`);
  }
  verbose(`mcp-actors: OAuth tokens kept in ${store.path}`);
  const client = createOAuthClient({
    grant,
    ...(settings.clientId === undefined
      ? {}
      : { client: { clientId: settings.clientId, clientSecret: settings.clientSecret } }),
    ...(settings.scope === undefined ? {} : { scope: settings.scope }),
    clientName: 'mcp-actors',
    store,
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });
  return {
    client,
    store,
    key,
    get userNeeded() {
      return flow?.userNeeded() ?? false;
    },
    async close() {
      client.stop();
      await flow?.receiver?.close();
    },
  };
}

/** What `login` did. */
export interface LoginOutcome {
  readonly server: string;
  readonly issuer: string | undefined;
  readonly scope: string | undefined;
  readonly tokenStore: string;
}

/** Authorizes now, whatever is stored, and says what was granted. */
export async function login(
  auth: CliAuth,
  server: URL,
  signal: AbortSignal,
): Promise<LoginOutcome> {
  await auth.client.login(server, signal);
  return {
    server: server.href,
    issuer: auth.client.actor.getSnapshot().context.issuer,
    scope: auth.client.scope,
    tokenStore: auth.store.path,
  };
}

/** The human text of a login. */
export function loginText(outcome: LoginOutcome): string {
  const by = outcome.issuer === undefined ? '' : ` by ${outcome.issuer}`;
  const scope = outcome.scope === undefined ? '' : ` (scope: ${outcome.scope})`;
  return `Authorized at ${outcome.server}${by}${scope}.\nTokens kept in ${outcome.tokenStore}.`;
}

/** A kind of token as a person says it. */
const tokenName = (kind: TokenKind): string =>
  kind === 'refresh_token' ? 'refresh token' : 'access token';

/** What `logout` did: the OAuth client's outcome, with where. */
export interface CliLogoutOutcome extends LogoutOutcome {
  readonly server: string;
  readonly tokenStore: string;
}

/** Revokes the stored tokens where possible, then forgets them (the registration stays). */
export async function logout(auth: CliAuth, server: URL): Promise<CliLogoutOutcome> {
  const outcome = await auth.client.logout(server);
  return { ...outcome, server: server.href, tokenStore: auth.store.path };
}

/** The human text of a logout. */
export function logoutText(outcome: CliLogoutOutcome): string {
  if (!outcome.forgotten) {
    return `No tokens were kept for ${outcome.server} (in ${outcome.tokenStore}).`;
  }
  const start = `Logged out of ${outcome.server}:`;
  const { revoked, unsupported, why } = outcome;
  if (revoked.length === 0) {
    const reason = why ?? 'the authorization server revokes none of them';
    return `${start} the tokens were forgotten; they were not revoked: ${clause(reason)}.`;
  }
  const notes = [
    ...unsupported.map(
      (kind) => `the ${tokenName(kind)} cannot be revoked there and expires on its own`,
    ),
    ...(why === undefined ? [] : [`revoking the rest failed: ${why}`]),
  ];
  const names = revoked.map(tokenName).join(' and ');
  return `${start} the ${names} ${revoked.length > 1 ? 'were' : 'was'} revoked at the authorization server and the tokens forgotten${notes.length === 0 ? '' : ` (${notes.join('; ')})`}.`;
}
