/**
 * The file token store: {@link createFileOAuthStore}, an {@link OAuthStore} kept in one JSON file
 * readable by its owner only (store-file.ts), at {@link defaultOAuthStorePath} by default, whose
 * writes are serialized within the process, across every store on the same file.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import type { OAuthRecord, OAuthStore } from '../../auth/store.js';
import { ensureFolder, readStoreFile, STORE_FORMAT, writeStoreFile } from './store-file.js';

/**
 * Options of {@link createFileOAuthStore}.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, type FileOAuthStoreOptions } from 'mcp-actors/node';
 *
 * const options: FileOAuthStoreOptions = { path: '/var/lib/my-agent/oauth.json' };
 * const store = createFileOAuthStore(options);
 * console.log(store.path); // /var/lib/my-agent/oauth.json
 * ```
 */
export interface FileOAuthStoreOptions {
  /** The file. Default: {@link defaultOAuthStorePath}. */
  readonly path?: string | undefined;
}

/**
 * An {@link OAuthStore} in a file: {@link createFileOAuthStore}. Every method reads or writes the
 * file, so another store (or process) on the same file sees what this one kept.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, type FileOAuthStore } from 'mcp-actors/node';
 *
 * const store: FileOAuthStore = createFileOAuthStore();
 * const record = await store.load('https://mcp.example.com/mcp authorization_code');
 * console.log(record?.tokens === undefined ? 'not logged in' : `tokens kept in ${store.path}`);
 * ```
 */
export interface FileOAuthStore extends OAuthStore {
  /** The file the records are kept in (absolute). */
  readonly path: string;
  /** The record kept under `key`, read from the file now. */
  load(key: string): Promise<OAuthRecord | undefined>;
  /** Keeps `record` under `key`: rereads the file, replaces the entry, writes it back. */
  save(key: string, record: OAuthRecord): Promise<void>;
  /** Forgets what is kept under `key`. */
  remove(key: string): Promise<void>;
}

/**
 * Where {@link createFileOAuthStore} keeps its file by default:
 * `$XDG_CONFIG_HOME/mcp-actors/oauth.json` when `XDG_CONFIG_HOME` is an absolute path, else
 * `~/.config/mcp-actors/oauth.json`.
 *
 * @param env - The environment to read `XDG_CONFIG_HOME` from. Default: this process's.
 *
 * @example
 * ```ts
 * import { defaultOAuthStorePath } from 'mcp-actors/node';
 *
 * console.log(defaultOAuthStorePath()); // for example /home/ada/.config/mcp-actors/oauth.json
 * ```
 */
export function defaultOAuthStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['XDG_CONFIG_HOME'];
  // The XDG Base Directory spec: a relative path is invalid and is ignored.
  const base =
    configured !== undefined && path.isAbsolute(configured)
      ? configured
      : path.join(homedir(), '.config');
  return path.join(base, 'mcp-actors', 'oauth.json');
}

/** Saves to one file, in this process, run one after another: file → the last one queued. */
const queues = new Map<string, Promise<void>>();

/** Runs `task` after every task queued before it for `file` has settled. */
function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => {},
    () => {},
  );
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return result;
}

/**
 * An {@link OAuthStore} kept in one JSON file, one entry per key (an MCP server's URL and the
 * client's identity, as the `OAuthClient` computes them), for a command-line or desktop client
 * whose tokens should outlive the process.
 *
 * - The file is created with mode 0600 and its folder with 0700; a file found with wider
 *   permissions is tightened to 0600 when read or written, and so is the default folder. An
 *   existing folder of a `path` you give is left as it is (it may be a shared one).
 * - Every write goes to a new file in the same folder, then is renamed over the old one: a crash
 *   leaves the old content or the new, never a part.
 * - Writes are serialized within the process, across every store on the same file, and each one
 *   rereads the file, so the entries other stores wrote in between are kept. (Two processes that
 *   write at the same instant may still lose one of their writes.)
 * - A file that is not a token store is reported as an {@link OAuthStoreError} with reason
 *   `corrupt`, and never overwritten.
 *
 * @example
 * ```ts
 * import { createClientSession, createOAuthClient, createStreamableHttpTransport } from 'mcp-actors';
 * import { createFileOAuthStore, startLoopbackRedirect } from 'mcp-actors/node';
 *
 * const store = createFileOAuthStore(); // ~/.config/mcp-actors/oauth.json
 * const redirect = await startLoopbackRedirect();
 * const oauth = createOAuthClient({
 *   grant: { type: 'authorization_code', redirectUri: redirect.redirectUri, userAgent: redirect.userAgent },
 *   store,
 * });
 * const transport = createStreamableHttpTransport({ url: 'https://mcp.example.com/mcp', auth: oauth });
 * const session = createClientSession({ transport });
 * await session.connect(); // the next run finds the tokens in the file
 * await redirect.close();
 * ```
 */
export function createFileOAuthStore(options: FileOAuthStoreOptions = {}): FileOAuthStore {
  const file = path.resolve(options.path ?? defaultOAuthStorePath());
  const tightenFolder = options.path === undefined;

  /** Rereads the file, changes one entry, and writes it back, after the writes queued before. */
  const update = (change: (entries: Record<string, OAuthRecord>) => void): Promise<void> =>
    serialized(file, async () => {
      const current = await readStoreFile(file);
      // No prototype: any key is an entry, `__proto__` too.
      const entries = Object.assign(
        Object.create(null) as Record<string, OAuthRecord>,
        current.entries,
      );
      change(entries);
      await ensureFolder(file, tightenFolder);
      await writeStoreFile(file, { version: STORE_FORMAT, entries });
    });

  return {
    path: file,
    async load(key) {
      const { entries } = await readStoreFile(file);
      return Object.hasOwn(entries, key) ? entries[key] : undefined;
    },
    save(key, record) {
      return update((entries) => {
        entries[key] = record;
      });
    },
    remove(key) {
      return update((entries) => {
        delete entries[key];
      });
    },
  };
}
