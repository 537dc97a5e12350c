/**
 * Pagination (MCP server/utilities/pagination): every item of a listing, following `nextCursor`
 * page by page; stops on a repeated cursor or after `maxPages`. Cursors are opaque (an empty
 * string is a cursor, not the end).
 */
import { PaginationError } from '../errors/errors.js';
import { cursorParams, withoutRequestId } from './support.js';
import { DEFAULT_MAX_PAGES, type CallOptions, type ListAllOptions } from './types.js';

/** Sends one page's request, checked for the negotiated revision. */
export type PageRequest = (
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions | undefined,
) => Promise<Record<string, unknown>>;

/** Every item under `key` of the pages of `method`. */
export async function allPages<T>(
  request: PageRequest,
  method: string,
  key: string,
  options?: ListAllOptions,
): Promise<T[]> {
  const maxPages = options?.maxPages ?? DEFAULT_MAX_PAGES;
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= maxPages) {
      throw new PaginationError(
        method,
        page,
        `more than maxPages (${maxPages}); raise it if the server really has that many`,
      );
    }
    const result = await request(
      method,
      cursorParams({ cursor }),
      // Each page is a new request: a caller's requestId names the first only.
      page === 0 ? options : withoutRequestId(options),
    );
    items.push(...((result[key] as T[] | undefined) ?? []));
    const next = result.nextCursor;
    if (typeof next !== 'string') return items;
    if (seen.has(next)) {
      throw new PaginationError(
        method,
        page + 1,
        `the server repeated cursor ${JSON.stringify(next)}`,
      );
    }
    seen.add(next);
    cursor = next;
  }
}
