import { systemClock, type Clock } from '../core/clock.js';

/**
 * The 2026-07-28 result cache (MCP server/utilities/caching): `server/discover`, the four listings
 * and `resources/read` results carry `ttlMs` (fresh for that long after receipt; absent or negative
 * reads as 0, so not cached) and `cacheScope` (`public`, or `private`: never shared across
 * authorization contexts). A cache entry is keyed by the method and the params that affect the
 * result; the results of multi-round retries are never stored; list-change notifications evict.
 *
 * One cache may serve several sessions (give the same `ResponseCache` to each): public entries are
 * shared, private ones only among sessions with the same `credential`.
 */

/**
 * The methods whose complete results may be cached.
 *
 * @example
 * ```ts
 * import { CACHEABLE_METHODS, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * // only these methods' results are served from the session's ResponseCache
 * const method = 'tools/list';
 * if (CACHEABLE_METHODS.has(method)) console.log(`${method} may be answered from the cache`);
 * const { tools } = await session.listTools();
 * ```
 */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

interface Entry {
  readonly value: unknown;
  readonly expires: number;
}

/** Options of a {@link ResponseCache}. */
export interface ResponseCacheOptions {
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** The most entries kept; the oldest go first. Default 1 000. */
  readonly maxEntries?: number;
}

/**
 * The 2026-07-28 result cache. Each session has one of its own unless given one (`cache`);
 * give the same cache to several sessions to share `public` entries.
 *
 * @example
 * ```ts
 * import { createClientSession, ResponseCache, type Transport } from 'mcp-actors';
 * declare const first: Transport;
 * declare const second: Transport;
 *
 * const cache = new ResponseCache({ maxEntries: 500 });
 * const a = createClientSession({ transport: first, cache, credential: 'user-1' });
 * const b = createClientSession({ transport: second, cache, credential: 'user-2' });
 * // a fresh public tools/list of one is served to the other without a request
 * ```
 */
export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #max: number;

  constructor(options: ResponseCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#max = options.maxEntries ?? 1_000;
  }

  /** The number of entries held (fresh or not yet swept). */
  get size(): number {
    return this.#entries.size;
  }

  /** A fresh result for this request, if there is one: a private one for `credential` first. */
  get(method: string, params: unknown, credential: string): unknown {
    const now = this.#clock.now();
    for (const key of [
      keyOf('private', credential, method, params),
      keyOf('public', '', method, params),
    ]) {
      const entry = this.#entries.get(key);
      if (entry === undefined) continue;
      if (now < entry.expires) return entry.value;
      this.#entries.delete(key);
    }
    return undefined;
  }

  /** Stores a complete result by its own `ttlMs` and `cacheScope`; returns whether it was stored. */
  put(method: string, params: unknown, credential: string, result: unknown): boolean {
    if (!CACHEABLE_METHODS.has(method)) return false;
    const r = result as { ttlMs?: unknown; cacheScope?: unknown; resultType?: unknown } | null;
    if (typeof r !== 'object' || r === null) return false;
    if (r.resultType !== undefined && r.resultType !== 'complete') return false;
    const ttl = typeof r.ttlMs === 'number' && r.ttlMs > 0 ? r.ttlMs : 0;
    if (ttl === 0) return false;
    const scope = r.cacheScope === 'public' ? 'public' : 'private';
    const key = keyOf(scope, credential, method, params);
    this.#entries.delete(key);
    this.#entries.set(key, { value: result, expires: this.#clock.now() + ttl });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return true;
  }

  /** Drops every entry of `method` (all params, both scopes); with `uri`, only that resource's. */
  evict(method: string, uri?: string): void {
    for (const key of [...this.#entries.keys()]) {
      const [, m, params] = key.split('\u0000');
      if (m !== method) continue;
      if (uri !== undefined && (JSON.parse(params ?? '{}') as { uri?: unknown }).uri !== uri)
        continue;
      this.#entries.delete(key);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}

/** The key: scope (with the credential when private), method, and the params without `_meta`. */
function keyOf(
  scope: 'public' | 'private',
  credential: string,
  method: string,
  params: unknown,
): string {
  return `${scope === 'private' ? `private:${credential}` : 'public'}\u0000${method}\u0000${stableParams(params)}`;
}

function stableParams(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '{}';
  const keys = Object.keys(params)
    .filter((k) => k !== '_meta')
    .sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (params as Record<string, unknown>)[k];
  return JSON.stringify(out);
}
