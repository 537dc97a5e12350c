/**
 * The aggregate of a group: the listings of its ready servers as one, each entry under its
 * aggregated name with its origin. Tools and prompts are named by the naming policy (`prefix` by
 * default); a name that more than one server ends up with is left out and reported as a
 * collision. Resource URIs and URI templates are never renamed: under `refuse` one that several
 * servers offer is left out and reported; otherwise every server's entry stays, each with its
 * origin.
 */
import type { Listings } from './member.js';
import type {
  Aggregate,
  GroupPrompt,
  GroupResource,
  GroupResourceTemplate,
  GroupTool,
  NameCollision,
  NamingPolicy,
} from './types.js';

/** One ready server's listings. */
export interface AggregateSource {
  readonly server: string;
  readonly listings: Listings;
}

/** How a group names what its servers offer. */
export interface Naming {
  readonly policy: NamingPolicy;
  readonly separator: string;
}

/** The aggregated name of a server's tool or prompt. */
export function aggregatedName(
  naming: Naming,
  server: string,
  name: string,
  kind: 'tool' | 'prompt',
): string {
  const { policy, separator } = naming;
  if (policy === 'prefix') return `${server}${separator}${name}`;
  if (policy === 'refuse') return name;
  return policy({ server, name, kind });
}

interface Candidate<T> {
  readonly key: string;
  readonly server: string;
  readonly entry: T;
}

/**
 * Keeps the candidates whose key one server alone offers (the first of its entries, should a
 * server list one twice); a key several servers offer is, with `refuse`, a collision left out,
 * else kept once per server.
 */
function settle<T>(
  candidates: readonly Candidate<T>[],
  kind: NameCollision['kind'],
  refuse: boolean,
  collisions: NameCollision[],
): Candidate<T>[] {
  const byKey = new Map<string, Candidate<T>[]>();
  for (const c of candidates) {
    const list = byKey.get(c.key);
    if (list === undefined) byKey.set(c.key, [c]);
    else list.push(c);
  }
  const kept: Candidate<T>[] = [];
  for (const [key, list] of byKey) {
    const servers = [...new Set(list.map((c) => c.server))];
    if (servers.length === 1) {
      kept.push(list[0] as Candidate<T>);
      continue;
    }
    if (refuse) {
      collisions.push({ kind, name: key, servers });
      continue;
    }
    for (const server of servers) kept.push(list.find((c) => c.server === server) as Candidate<T>);
  }
  return kept;
}

/** The aggregate of some ready servers, in the order given. */
export function aggregateOf(sources: readonly AggregateSource[], naming: Naming): Aggregate {
  const collisions: NameCollision[] = [];
  const named = <T extends { name: string }>(
    kind: 'tool' | 'prompt',
    pick: (l: Listings) => readonly T[],
  ) =>
    settle(
      sources.flatMap(({ server, listings }) =>
        pick(listings).map((entry) => ({
          key: aggregatedName(naming, server, entry.name, kind),
          server,
          entry,
        })),
      ),
      kind,
      true,
      collisions,
    ).map(({ key, server, entry }) => ({
      ...entry,
      name: key,
      origin: { server, original: entry.name },
    }));
  const tools: GroupTool[] = named('tool', (l) => l.tools);
  const prompts: GroupPrompt[] = named('prompt', (l) => l.prompts);
  const refuse = naming.policy === 'refuse';
  const resources: GroupResource[] = settle(
    sources.flatMap(({ server, listings }) =>
      listings.resources.map((entry) => ({ key: entry.uri, server, entry })),
    ),
    'resource',
    refuse,
    collisions,
  ).map(({ server, entry }) => ({ ...entry, origin: { server, original: entry.uri } }));
  const resourceTemplates: GroupResourceTemplate[] = settle(
    sources.flatMap(({ server, listings }) =>
      listings.resourceTemplates.map((entry) => ({ key: entry.uriTemplate, server, entry })),
    ),
    'resource',
    refuse,
    collisions,
  ).map(({ server, entry }) => ({ ...entry, origin: { server, original: entry.uriTemplate } }));
  return { tools, prompts, resources, resourceTemplates, collisions };
}

/** An aggregate with nothing in it. */
export const EMPTY_AGGREGATE: Aggregate = {
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
  collisions: [],
};
