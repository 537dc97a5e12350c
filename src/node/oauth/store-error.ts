/**
 * The error of the file token store ({@link OAuthStoreError}: the file is not a token store, or
 * using it failed), and how a failed file operation becomes one.
 */
import { reasonText } from '../../errors/errors.js';

/**
 * Why an {@link OAuthStoreError} was raised: `corrupt` (the file is not a token store), or `io`
 * (reading, writing or protecting it failed).
 *
 * @example
 * ```ts
 * import type { OAuthStoreFailure } from 'mcp-actors/node';
 *
 * const advice: Record<OAuthStoreFailure, string> = {
 *   corrupt: 'repair the file, or delete it and log in again',
 *   io: 'check the permissions of the file and its folder',
 * };
 * console.log(advice.corrupt);
 * ```
 */
export type OAuthStoreFailure = 'corrupt' | 'io';

/**
 * The file of a {@link createFileOAuthStore} store could not be used: it is not a token store
 * (`corrupt`: it is left as it is, never overwritten), or reading, writing or protecting it failed
 * (`io`, the system error as the cause). The message names the file, never a token.
 *
 * @example
 * ```ts
 * import { createFileOAuthStore, OAuthStoreError } from 'mcp-actors/node';
 *
 * const store = createFileOAuthStore();
 * try {
 *   await store.load('https://mcp.example.com/mcp authorization_code');
 * } catch (error) {
 *   if (error instanceof OAuthStoreError && error.reason === 'corrupt') {
 *     console.log(`fix or delete ${error.path}`);
 *   }
 * }
 * ```
 */
export class OAuthStoreError extends Error {
  override name = 'OAuthStoreError';
  /** What went wrong. */
  readonly reason: OAuthStoreFailure;
  /** The store file. */
  readonly path: string;
  constructor(reason: OAuthStoreFailure, file: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.path = file;
  }
}

/** The system error code of a failed file operation (`ENOENT`, `EACCES`), if any. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function ioError(file: string, what: string, error: unknown): OAuthStoreError {
  return new OAuthStoreError(
    'io',
    file,
    `Could not ${what} the OAuth token store ${file}: ${reasonText(error)}`,
    error,
  );
}
