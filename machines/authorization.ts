import { assign, fromPromise, setup } from 'xstate';

/**
 * The OAuth 2.1 authorization of one MCP server (MCP 2025-03-26 and later, basic/authorization;
 * the 2026-07-28 chapter and its extensions), as states:
 *
 * ```
 * idle ──challenge | login──▶ discovering ──▶ registering ──user grant──▶ authorizing ──▶ exchanging ──▶ authorized
 *                                 │                 └──grant without a user──────────────────▲ │
 *                                 ▼                                                            │
 *                               failed ◀── any step that fails                                 │
 * authorized ──challenge | expired (refresh token held)──▶ refreshing ──▶ authorized            │
 *            ──challenge | expired (none held)───────────▶ discovering   (a failed refresh too)│
 *            ──insufficientScope──▶ steppingUp ──▶ authorizing | exchanging (the wider scope) ──┘
 * ```
 *
 * One actor serves every request to the server: requests that meet a `401` at once send
 * `challenge` each, the first starts the flow and the others change nothing, and all of them wait
 * for `authorized` or `failed`. A challenge names the token generation it was sent with, so a
 * `401` for a token already replaced starts nothing (the request is simply sent again with the
 * new one).
 *
 * The context holds nothing secret: tokens, client secrets and keys stay with the implementation
 * of the invoked actors, which the OAuth client provides (`provide`). The context says which
 * generation of token is held, whether it can be refreshed, which issuer and scope are in use,
 * and why the last flow failed, so an inspector can show the flow without showing a credential.
 */

/** How the client obtains its tokens. */
export type AuthorizationGrant =
  /** Authorization code with PKCE: a user authorizes in a browser (the core MCP flow). */
  | 'authorization_code'
  /** OAuth client credentials (extension `io.modelcontextprotocol/oauth-client-credentials`). */
  | 'client_credentials'
  /** A JWT bearer grant with an assertion obtained elsewhere (workload identity, ID-JAG). */
  | 'jwt_bearer';

/** What the server said in its `WWW-Authenticate` challenge. */
export interface AuthorizationChallenge {
  /** The challenge's scheme, lower-cased: `bearer` or `dpop`. */
  readonly scheme?: string | undefined;
  /** The `resource_metadata` URL, when given. */
  readonly resourceMetadata?: string | undefined;
  /** The `scope` the server asks for, when given. */
  readonly scope?: string | undefined;
  /** The `error` code (`invalid_token`, `insufficient_scope`, …), when given. */
  readonly error?: string | undefined;
}

/** What starts or changes a flow; the invoked actors' completions come on top. */
export type AuthorizationEvent =
  /** A `401` for a request sent with token `generation` (0: sent with none). */
  | ({ type: 'challenge'; generation: number } & AuthorizationChallenge)
  /** A `403 insufficient_scope` for a request sent with token `generation`. */
  | ({ type: 'insufficientScope'; generation: number } & AuthorizationChallenge)
  /** Token `generation` is about to expire. */
  | { type: 'expired'; generation: number }
  /** A new authorization, asked for by the user (`login`), whatever is held. */
  | { type: 'login' }
  /** Forget the tokens. */
  | { type: 'logout' }
  /** A stored token was loaded: generation 1, refreshable or not. */
  | { type: 'restore'; refreshable: boolean; scope?: string | undefined };

/**
 * The types of {@link AuthorizationEvent}.
 *
 * @example
 * ```ts
 * import { authorizationEventTypes, authorizationMachine } from 'mcp-actors/machines';
 *
 * const authorized = authorizationMachine.root.states.authorized;
 * console.log(authorizationEventTypes.filter((t) => authorized?.ownEvents.includes(t)));
 * ```
 */
export const authorizationEventTypes = [
  'challenge',
  'insufficientScope',
  'expired',
  'login',
  'logout',
  'restore',
] as const;

/** What discovery is given. */
export interface DiscoveryInput {
  /** The challenge that started the flow, if one did. */
  readonly challenge: AuthorizationChallenge | undefined;
  /** Whether the flow widens the scope of the token held. */
  readonly steppingUp: boolean;
  /** The scope asked for or granted so far. */
  readonly scope: string | undefined;
}

/** What discovery found: the authorization server to use and the scope to ask for. */
export interface DiscoveryOutcome {
  /** The authorization server's issuer identifier, validated against its metadata. */
  readonly issuer: string;
  /** The resource indicator (RFC 8707) tokens are asked for. */
  readonly resource: string;
  /** The scope to ask for, if any. */
  readonly scope: string | undefined;
}

/** What a token request gave. */
export interface TokenOutcome {
  /** Whether a refresh token is held now. */
  readonly refreshable: boolean;
  /** The scope granted (or asked for, when the server did not say). */
  readonly scope: string | undefined;
}

/** The input of {@link authorizationMachine}. */
export interface AuthorizationInput {
  /** How tokens are obtained. */
  readonly grant: AuthorizationGrant;
}

/** The context of {@link authorizationMachine}: nothing secret. */
export interface AuthorizationContext {
  readonly grant: AuthorizationGrant;
  /** The generation of the token held: 0 before the first, then 1, 2, … */
  readonly generation: number;
  /** Whether a refresh token is held. */
  readonly refreshable: boolean;
  /** Whether the token held came from a refresh (refused outright, it is not refreshed again). */
  readonly fromRefresh: boolean;
  /** The challenge that started the flow in progress, if one did. */
  readonly challenge: AuthorizationChallenge | undefined;
  /** Whether the flow in progress widens the scope of the token held (step-up). */
  readonly steppingUp: boolean;
  /** The issuer and resource in use, once discovered. */
  readonly issuer: string | undefined;
  readonly resource: string | undefined;
  /** The scope asked for or granted. */
  readonly scope: string | undefined;
  /** Why the last flow failed. */
  readonly error: unknown;
}

const challengeOf = (event: AuthorizationEvent): AuthorizationChallenge | undefined =>
  event.type === 'challenge' || event.type === 'insufficientScope'
    ? {
        scheme: event.scheme,
        resourceMetadata: event.resourceMetadata,
        scope: event.scope,
        error: event.error,
      }
    : undefined;

/**
 * The authorization flow of one MCP server (see the top of this file). The OAuth client of
 * `mcp-actors` runs it with the steps provided: `discover` (Protected Resource Metadata, then the
 * authorization server's metadata), `register` (pre-registered, Client ID Metadata Document or
 * Dynamic Client Registration), `authorize` (the user at the authorization endpoint, PKCE, `state`
 * and `iss` checked), `exchange` (the token request of the grant) and `refresh`.
 *
 * @example
 * Every state the flow can reach for a user grant, with the shortest path to it:
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * import { authorizationMachine } from 'mcp-actors/machines';
 *
 * const found = { issuer: 'https://as.example', resource: 'https://mcp.example/mcp', scope: undefined };
 * const paths = getShortestPaths(authorizationMachine, {
 *   input: { grant: 'authorization_code' },
 *   events: [
 *     { type: 'challenge', generation: 0 },
 *     { type: 'xstate.done.actor.discover', output: found },
 *     { type: 'xstate.done.actor.register', output: undefined },
 *     { type: 'xstate.done.actor.authorize', output: undefined },
 *     { type: 'xstate.done.actor.exchange', output: { refreshable: true, scope: undefined } },
 *     { type: 'xstate.error.actor.exchange', error: new Error('invalid_grant') },
 *   ] as never,
 * });
 * for (const path of paths) console.log(path.state.value, path.steps.length);
 * ```
 */
export const authorizationMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    context: {} as AuthorizationContext,
    input: {} as AuthorizationInput,
    events: {} as AuthorizationEvent,
  },
  actors: {
    /** Protected Resource Metadata, then the authorization server's metadata, both validated. */
    discover: fromPromise<DiscoveryOutcome, DiscoveryInput>(() => new Promise<never>(() => {})),
    /** A client identity at the authorization server. */
    register: fromPromise<void, { issuer: string }>(() => new Promise<never>(() => {})),
    /** The user at the authorization endpoint; resolves with the checked authorization response. */
    authorize: fromPromise<void, { scope: string | undefined }>(() => new Promise<never>(() => {})),
    /** The token request of the grant. */
    exchange: fromPromise<TokenOutcome, { scope: string | undefined }>(
      () => new Promise<never>(() => {}),
    ),
    /** A refresh token grant. */
    refresh: fromPromise<TokenOutcome>(() => new Promise<never>(() => {})),
  },
  guards: {
    /** The event is about the token held now (not one already replaced). */
    current: ({ context, event }) =>
      'generation' in event && event.generation === context.generation,
    currentAndRefreshable: ({ context, event }) =>
      'generation' in event && event.generation === context.generation && context.refreshable,
    /** A refusal of a token that was not itself just refreshed, with a refresh token held. */
    refusedAndRefreshable: ({ context, event }) =>
      'generation' in event &&
      event.generation === context.generation &&
      context.refreshable &&
      !context.fromRefresh,
    /** The grant needs a user at the authorization endpoint. */
    needsUser: ({ context }) => context.grant === 'authorization_code',
  },
  actions: {
    startFlow: assign({
      challenge: ({ event }) => challengeOf(event),
      steppingUp: false,
      error: undefined,
    }),
    startStepUp: assign({
      challenge: ({ event }) => challengeOf(event),
      steppingUp: true,
      error: undefined,
    }),
    rememberDiscovery: assign(({ event }) => {
      const found = (event as unknown as { output: DiscoveryOutcome }).output;
      return { issuer: found.issuer, resource: found.resource, scope: found.scope };
    }),
    rememberToken: assign(({ context, event }, params: { fromRefresh: boolean }) => {
      const token = (event as unknown as { output: TokenOutcome }).output;
      return {
        generation: context.generation + 1,
        refreshable: token.refreshable,
        fromRefresh: params.fromRefresh,
        scope: token.scope ?? context.scope,
        challenge: undefined,
        steppingUp: false,
      };
    }),
    restoreToken: assign(({ context, event }) => {
      const restored = event as Extract<AuthorizationEvent, { type: 'restore' }>;
      return {
        generation: context.generation + 1,
        refreshable: restored.refreshable,
        fromRefresh: false,
        scope: restored.scope,
      };
    }),
    forgetRefresh: assign({ refreshable: false }),
    forgetTokens: assign(({ context }) => ({
      generation: context.generation + 1,
      refreshable: false,
      challenge: undefined,
      steppingUp: false,
      error: undefined,
    })),
    rememberFailure: assign({
      error: ({ event }) => (event as { error?: unknown }).error,
      challenge: undefined,
      steppingUp: false,
    }),
  },
}).createMachine({
  id: 'authorization',
  /** Built from the input: no token yet. */
  context: ({ input }) => ({
    grant: input.grant,
    generation: 0,
    refreshable: false,
    fromRefresh: false,
    challenge: undefined,
    steppingUp: false,
    issuer: undefined,
    resource: undefined,
    scope: undefined,
    error: undefined,
  }),
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'idle',
  states: {
    idle: {
      description: 'No token held.',
      on: {
        challenge: { target: 'discovering', actions: 'startFlow' },
        insufficientScope: { target: 'discovering', actions: 'startFlow' },
        // Stryker disable next-line StringLiteral: in idle the context already holds what startFlow sets for a login (no challenge, no step-up, no error: the initial context and forgetTokens both set them so)
        login: { target: 'discovering', actions: 'startFlow' },
        restore: { target: 'authorized', actions: 'restoreToken' },
      },
    },
    discovering: {
      description:
        'Protected Resource Metadata (the challenge’s URL, else the path-based, else the root well-known URL), then the authorization server’s metadata (RFC 8414 and OpenID discovery in the spec’s order), each validated.',
      invoke: {
        id: 'discover',
        src: 'discover',
        /** The challenge that started the flow, and the scope so far. */
        input: ({ context }) => ({
          challenge: context.challenge,
          steppingUp: false,
          scope: context.scope,
        }),
        onDone: { target: 'registering', actions: 'rememberDiscovery' },
        onError: { target: 'failed', actions: 'rememberFailure' },
      },
    },
    registering: {
      description:
        'A client identity for this issuer: pre-registered, a Client ID Metadata Document, or Dynamic Client Registration, in that order.',
      invoke: {
        id: 'register',
        src: 'register',
        /** The issuer the client identity is for. */
        // Stryker disable next-line StringLiteral: registering is entered only from discovering's onDone, whose rememberDiscovery sets issuer from the outcome's issuer (a string), so the fallback is never used
        input: ({ context }) => ({ issuer: context.issuer ?? '' }),
        onDone: [{ guard: 'needsUser', target: 'authorizing' }, { target: 'exchanging' }],
        onError: { target: 'failed', actions: 'rememberFailure' },
      },
    },
    authorizing: {
      description:
        'The user at the authorization endpoint (PKCE S256, state, resource); the response’s state and iss are checked before the code goes anywhere.',
      invoke: {
        id: 'authorize',
        src: 'authorize',
        /** The scope to ask for. */
        input: ({ context }) => ({ scope: context.scope }),
        onDone: 'exchanging',
        onError: { target: 'failed', actions: 'rememberFailure' },
      },
    },
    exchanging: {
      description: 'The token request of the grant, with the resource indicator.',
      invoke: {
        id: 'exchange',
        src: 'exchange',
        /** The scope to ask for. */
        input: ({ context }) => ({ scope: context.scope }),
        onDone: {
          target: 'authorized',
          actions: { type: 'rememberToken', params: { fromRefresh: false } },
        },
        onError: { target: 'failed', actions: 'rememberFailure' },
      },
    },
    authorized: {
      description: 'A token is held and sent with every request to the server.',
      on: {
        challenge: [
          { guard: 'refusedAndRefreshable', target: 'refreshing' },
          { guard: 'current', target: 'discovering', actions: 'startFlow' },
        ],
        expired: [
          { guard: 'currentAndRefreshable', target: 'refreshing' },
          { guard: 'current', target: 'discovering', actions: 'startFlow' },
        ],
        insufficientScope: {
          guard: 'current',
          target: 'steppingUp',
          actions: 'startStepUp',
        },
        login: { target: 'discovering', actions: 'startFlow' },
        logout: { target: 'idle', actions: 'forgetTokens' },
      },
    },
    refreshing: {
      description:
        'A refresh token grant (rotation honoured); if it fails, a new authorization follows.',
      invoke: {
        id: 'refresh',
        src: 'refresh',
        onDone: {
          target: 'authorized',
          actions: { type: 'rememberToken', params: { fromRefresh: true } },
        },
        onError: { target: 'discovering', actions: ['forgetRefresh', 'startFlow'] },
      },
    },
    steppingUp: {
      description:
        'A 403 insufficient_scope: the metadata is read again and a token is asked for with the union of the scope held and the scope challenged.',
      invoke: {
        id: 'discover',
        src: 'discover',
        /** The 403's challenge, and the scope held, to widen. */
        input: ({ context }) => ({
          challenge: context.challenge,
          steppingUp: true,
          scope: context.scope,
        }),
        onDone: [
          { guard: 'needsUser', target: 'authorizing', actions: 'rememberDiscovery' },
          { target: 'exchanging', actions: 'rememberDiscovery' },
        ],
        onError: { target: 'failed', actions: 'rememberFailure' },
      },
    },
    failed: {
      description:
        'The last flow failed (context.error says why); the requests waiting for it fail with that error. A new challenge starts a new flow.',
      on: {
        challenge: { target: 'discovering', actions: 'startFlow' },
        insufficientScope: { target: 'discovering', actions: 'startFlow' },
        login: { target: 'discovering', actions: 'startFlow' },
        logout: { target: 'idle', actions: 'forgetTokens' },
        restore: { target: 'authorized', actions: 'restoreToken' },
      },
    },
  },
});

/** The type of {@link authorizationMachine}. */
export type AuthorizationMachine = typeof authorizationMachine;

/** The states of {@link authorizationMachine}. */
export type AuthorizationState =
  | 'idle'
  | 'discovering'
  | 'registering'
  | 'authorizing'
  | 'exchanging'
  | 'authorized'
  | 'refreshing'
  | 'steppingUp'
  | 'failed';
