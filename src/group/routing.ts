/**
 * Where a group call goes: the server that owns an aggregated tool or prompt name, or a resource
 * URI (listed, or matched by a URI template). A name the aggregate lacks may still belong to a
 * server that is down: its last listing (or, under `prefix`, the name's prefix) names it, so the
 * call fails with that server's status rather than as unknown.
 */
import { aggregatedName, type Naming } from './aggregate.js';
import type { Listings } from './member.js';
import type { Aggregate, Origin } from './types.js';

/** A server as routing sees it. */
export interface RoutedServer {
  readonly name: string;
  readonly listings: Listings | undefined;
}

/**
 * Whether a URI matches an RFC 6570 URI template: literal parts as they are, a simple `{var}` any
 * text without `/`, `?` or `#`, a reserved `{+var}` or fragment `{#var}` any text, a path segment
 * `{/var}` or label `{.var}` an optional run of such, and a query `{?var}` or `{&var}` an optional
 * query.
 */
export function templateMatches(template: string, uri: string): boolean {
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(/\{([+#./;?&]?)[^}]*\}/g)) {
    pattern += escape(template.slice(last, m.index));
    pattern += expression(m[1] ?? '');
    last = m.index + m[0].length;
  }
  pattern += escape(template.slice(last));
  return new RegExp(`^${pattern}$`, 'u').test(uri);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expression(operator: string): string {
  switch (operator) {
    case '+':
    case '#':
      return '.*';
    case '/':
      return '(?:/[^?#]*)?';
    case '.':
      return '(?:\\.[^/?#]*)?';
    case ';':
      return '(?:;[^/?#]*)?';
    case '?':
    case '&':
      return '(?:[?&].*)?';
    default:
      return '[^/?#]*';
  }
}

/** The origin of an aggregated tool or prompt, if the aggregate has it. */
export function findNamed(
  aggregate: Aggregate,
  kind: 'tool' | 'prompt',
  name: string,
): Origin | undefined {
  const list = kind === 'tool' ? aggregate.tools : aggregate.prompts;
  return list.find((entry) => entry.name === name)?.origin;
}

/**
 * The server a name not in the aggregate would belong to: one whose last listing has an entry
 * named so, or under `prefix` the server the name starts with.
 */
export function ownerOfMissing(
  servers: readonly RoutedServer[],
  naming: Naming,
  kind: 'tool' | 'prompt',
  name: string,
): string | undefined {
  for (const server of servers) {
    const list = kind === 'tool' ? server.listings?.tools : server.listings?.prompts;
    if (list?.some((e) => aggregatedName(naming, server.name, e.name, kind) === name) === true) {
      return server.name;
    }
  }
  if (naming.policy !== 'prefix') return undefined;
  // The longest server name that prefixes it (servers `a` and `a_b`: `a_b_x` is `a_b`'s).
  let best: string | undefined;
  for (const server of servers) {
    const head = `${server.name}${naming.separator}`;
    if (name.startsWith(head) && (best === undefined || server.name.length > best.length)) {
      best = server.name;
    }
  }
  return best;
}

/**
 * The server to read a URI from: among the aggregate's resources and then its templates, the
 * first whose URI is it (or whose template matches it), of `server` when given.
 */
export function resourceOwner(
  aggregate: Aggregate,
  uri: string,
  server?: string,
): string | undefined {
  const mine = (origin: Origin) => server === undefined || origin.server === server;
  const listed = aggregate.resources.find((r) => r.uri === uri && mine(r.origin));
  if (listed !== undefined) return listed.origin.server;
  const templated = aggregate.resourceTemplates.find(
    (t) => mine(t.origin) && templateMatches(t.uriTemplate, uri),
  );
  return templated?.origin.server;
}

/** The server a URI not in the aggregate would belong to: one whose last listing has it. */
export function resourceOwnerOfMissing(
  servers: readonly RoutedServer[],
  uri: string,
  server?: string,
): string | undefined {
  for (const s of servers) {
    if (server !== undefined && s.name !== server) continue;
    const l = s.listings;
    if (l === undefined) continue;
    if (
      l.resources.some((r) => r.uri === uri) ||
      l.resourceTemplates.some((t) => templateMatches(t.uriTemplate, uri))
    ) {
      return s.name;
    }
  }
  return server;
}
