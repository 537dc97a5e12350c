/**
 * The flow driver: the `authorizationMachine` actor with the steps it invokes (discover, register,
 * authorize, exchange, refresh) provided as promise actors, whether a flow is in progress (and
 * the hooks told when that changes), and waiting for a flow to settle.
 */
import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import {
  authorizationMachine,
  type AuthorizationEvent,
  type AuthorizationGrant,
  type AuthorizationState,
  type DiscoveryInput,
  type DiscoveryOutcome,
  type TokenOutcome,
} from '../../machines/authorization.js';
import { AuthorizationError, McpLocalError, reasonText } from '../errors/errors.js';

/** The states in which no flow is in progress. */
const SETTLED: ReadonlySet<AuthorizationState> = new Set(['authorized', 'failed', 'idle']);

/** The steps the machine invokes; the secrets stay with whoever implements them. */
export interface FlowSteps {
  discover(input: DiscoveryInput, signal: AbortSignal): Promise<DiscoveryOutcome>;
  register(signal: AbortSignal): Promise<void>;
  authorize(scope: string | undefined, signal: AbortSignal): Promise<void>;
  exchange(scope: string | undefined, signal: AbortSignal): Promise<TokenOutcome>;
  refresh(signal: AbortSignal): Promise<TokenOutcome>;
}

/** What {@link AuthorizationFlow} is given besides its steps. */
export interface FlowOptions {
  readonly grant: AuthorizationGrant;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/** The authorization actor of one OAuth client, started. */
export class AuthorizationFlow {
  readonly actor: Actor<typeof authorizationMachine>;
  readonly #busyHooks = new Set<(busy: boolean) => void>();

  constructor(steps: FlowSteps, options: FlowOptions) {
    this.actor = createActor(
      authorizationMachine.provide({
        actors: {
          discover: fromPromise<DiscoveryOutcome, DiscoveryInput>(({ input, signal }) =>
            steps.discover(input, signal),
          ),
          register: fromPromise<void, { issuer: string }>(({ signal }) => steps.register(signal)),
          authorize: fromPromise<void, { scope: string | undefined }>(({ input, signal }) =>
            steps.authorize(input.scope, signal),
          ),
          exchange: fromPromise<TokenOutcome, { scope: string | undefined }>(({ input, signal }) =>
            steps.exchange(input.scope, signal),
          ),
          refresh: fromPromise<TokenOutcome>(({ signal }) => steps.refresh(signal)),
        },
      }),
      {
        input: { grant: options.grant },
        // Stryker disable next-line ConditionalExpression: XState reads `inspect` only when it is set, so passing it as undefined is passing none
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      },
    );
    // Stryker disable next-line BooleanLiteral: the actor reports its first (settled) snapshot on start, before any hook can be added, so a first value of true is corrected unheard
    let active = false;
    this.actor.subscribe((snapshot) => {
      const busy = !SETTLED.has(snapshot.value);
      if (busy === active) return;
      active = busy;
      for (const hook of this.#busyHooks) hook(busy);
    });
    this.actor.start();
  }

  /** The state of the authorization. */
  get state(): AuthorizationState {
    return this.actor.getSnapshot().value;
  }

  /** Whether no flow is in progress. */
  get settled(): boolean {
    return SETTLED.has(this.actor.getSnapshot().value);
  }

  /** The generation the next token held takes. */
  nextGeneration(): number {
    return this.actor.getSnapshot().context.generation + 1;
  }

  send(event: AuthorizationEvent): void {
    this.actor.send(event);
  }

  /** Tells `hook` when a flow starts (`true`) and settles (`false`). */
  onBusy(hook: (busy: boolean) => void): void {
    this.#busyHooks.add(hook);
  }

  /** Stops the actor; a flow in progress is abandoned (the hooks hear it settle). */
  stop(): void {
    const busy = !this.settled;
    this.actor.stop();
    if (busy) for (const hook of this.#busyHooks) hook(false);
  }

  /** Resolves once the flow in progress has settled; throws its error if it failed. */
  settle(signal?: AbortSignal | null): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const snapshot = this.actor.getSnapshot();
        const value = snapshot.value;
        if (!SETTLED.has(value) && snapshot.status === 'active') return false;
        if (value === 'failed') {
          const error = snapshot.context.error;
          reject(
            error instanceof McpLocalError
              ? error
              : new AuthorizationError('invalid-response', reasonText(error)),
          );
        } else if (value === 'idle' || snapshot.status !== 'active') {
          reject(new AuthorizationError('unauthorized', 'The authorization was abandoned.'));
        } else {
          resolve();
        }
        return true;
      };
      if (check()) return;
      const onAbort = (): void => {
        subscription.unsubscribe();
        reject(
          // Stryker disable next-line OptionalChaining: onAbort is only ever called with a signal
          signal?.reason instanceof Error ? signal.reason : new Error(reasonText(signal?.reason)),
        );
      };
      const onChange = (): void => {
        if (check()) {
          subscription.unsubscribe();
          signal?.removeEventListener('abort', onAbort);
        }
      };
      // Stopping the actor sends no snapshot, only the end of the stream.
      const subscription = this.actor.subscribe({ next: onChange, complete: onChange });
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
