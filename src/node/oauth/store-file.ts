/**
 * The token store's file on disk: its format (version 1: one record per key) and the check of what
 * is read (anything else is `corrupt`, never overwritten), permissions (0600 for the file, 0700 for
 * its folder, tightened when found wider), and the atomic write (a new file renamed over the old).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OAuthRecord } from '../../auth/store.js';
import { errnoOf, ioError, OAuthStoreError } from './store-error.js';

/** The version of the store file's format. */
export const STORE_FORMAT = 1;

/** The store file: one record per key. */
export interface StoreFile {
  readonly version: typeof STORE_FORMAT;
  readonly entries: Readonly<Record<string, OAuthRecord>>;
}

/** File permissions only mean something off Windows. */
const POSIX = process.platform !== 'win32';

/**
 * Checks that `target` is a file (or a folder), and removes group and other permissions from it
 * if it has any: 0600 for a file, 0700 for a folder. A missing one is left to be created.
 */
async function tighten(target: string, kind: 'file' | 'folder', file: string): Promise<void> {
  let found;
  try {
    found = await stat(target);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw ioError(file, 'inspect', error);
  }
  if (kind === 'file' ? !found.isFile() : !found.isDirectory()) {
    throw new OAuthStoreError('io', file, `The OAuth token store ${target} is not a ${kind}.`);
  }
  if (!POSIX || (found.mode & 0o077) === 0) return;
  try {
    await chmod(target, kind === 'file' ? 0o600 : 0o700);
  } catch (error) {
    throw ioError(file, `restrict the permissions of ${target} for`, error);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isOptional = (value: unknown, type: 'string' | 'number'): boolean =>
  value === undefined || typeof value === type;

/** Why a stored client is not one, or undefined when it is. */
function clientProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'a client is not an object';
  if (typeof value['clientId'] !== 'string') return 'a client has no clientId';
  if (typeof value['authMethod'] !== 'string') return 'a client has no authMethod';
  if (!isOptional(value['clientSecret'], 'string')) return 'a clientSecret is not a string';
  const uris = value['redirectUris'];
  if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
    return 'a client has no redirectUris list';
  }
  return undefined;
}

/** Why stored tokens are not tokens, or undefined when they are. */
function tokensProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'tokens are not an object';
  for (const name of ['issuer', 'resource', 'accessToken', 'tokenType']) {
    if (typeof value[name] !== 'string') return `tokens have no ${name}`;
  }
  if (!isOptional(value['refreshToken'], 'string')) return 'a refreshToken is not a string';
  if (!isOptional(value['expiresAt'], 'number')) return 'an expiresAt is not a number';
  if (!isOptional(value['scope'], 'string')) return 'a scope is not a string';
  return undefined;
}

/** Why a record is not an {@link OAuthRecord}, or undefined when it is one. */
function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'an entry is not an object';
  const clients = value['clients'];
  if (clients !== undefined) {
    if (!isObject(clients)) return 'clients is not an object';
    for (const client of Object.values(clients)) {
      const problem = clientProblem(client);
      if (problem !== undefined) return problem;
    }
  }
  return value['tokens'] === undefined ? undefined : tokensProblem(value['tokens']);
}

/** The store file's content, checked; throws `corrupt` for anything else. */
function parseStoreFile(text: string, file: string): StoreFile {
  const corrupt = (why: string): OAuthStoreError =>
    new OAuthStoreError(
      'corrupt',
      file,
      `The OAuth token store ${file} is not usable (${why}); it was left as it is. Repair it, or delete it and log in again.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isObject(value) || value['version'] !== STORE_FORMAT || !isObject(value['entries'])) {
    throw corrupt(`not an mcp-actors token store of format ${STORE_FORMAT}`);
  }
  for (const [key, record] of Object.entries(value['entries'])) {
    const problem = recordProblem(record);
    if (problem !== undefined) throw corrupt(`the entry ${JSON.stringify(key)}: ${problem}`);
  }
  return value as unknown as StoreFile;
}

/** Reads the store file (tightening its permissions first); a missing file is an empty store. */
export async function readStoreFile(file: string): Promise<StoreFile> {
  await tighten(file, 'file', file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { version: STORE_FORMAT, entries: {} };
    throw ioError(file, 'read', error);
  }
  return parseStoreFile(text, file);
}

/** Creates the file's folder (0700), or tightens it when `tightenExisting`. */
export async function ensureFolder(file: string, tightenExisting: boolean): Promise<void> {
  const folder = path.dirname(file);
  let created: string | undefined;
  try {
    created = await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError(file, 'create the folder of', error);
  }
  if (created === undefined && tightenExisting) await tighten(folder, 'folder', file);
}

/**
 * Writes the store file atomically: a new file (0600) in the same folder, flushed, then renamed
 * over the old one, so a reader sees the old content or the new, never a part.
 */
export async function writeStoreFile(file: string, content: StoreFile): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw ioError(file, 'write', error);
  }
}
