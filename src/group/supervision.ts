/**
 * The group's statecharts given their work (machines/session-group.ts): each server's actor
 * connects and watches its member's session, plans its retries with the policy's jitter, and
 * closes its sessions; times come from the group's clock. Also the translation of a server
 * actor's snapshot into the `ServerState` the group shows.
 */
import { assign, fromCallback, fromPromise, type SnapshotFrom } from 'xstate';
import {
  backoffDelay,
  DEFAULT_GROUP_RESTART_POLICY,
  groupServerMachine,
  sessionGroupMachine,
  type GroupRestartPolicy,
  type GroupServerEvent,
  type ServerRef,
} from '../../machines/session-group.js';
import type { Clock } from '../core/clock.js';
import { InvalidArgumentError } from '../errors/errors.js';
import type { Member } from './member.js';
import type { RestartPolicy, ServerState, ServerStatus } from './types.js';

/** What the group's actors need: its members, its clock and its random source. */
export interface SupervisionDeps {
  readonly member: (name: string) => Member | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

/** The group machine with every server's work provided. */
export function supervisedGroupMachine(deps: SupervisionDeps): typeof sessionGroupMachine {
  const { clock, random } = deps;
  const member = (name: string): Member => {
    const found = deps.member(name);
    if (found === undefined) throw new Error(`No member named ${name}.`);
    return found;
  };
  const server = groupServerMachine.provide({
    actors: {
      connect: fromCallback<GroupServerEvent, ServerRef>(({ input, sendBack }) => {
        let live = true;
        let attempt: Promise<void>;
        try {
          attempt = member(input.name).attempt();
        } catch (error) {
          attempt = Promise.reject(error);
        }
        attempt.then(
          () => {
            if (live) sendBack({ type: 'connected' });
          },
          (error: unknown) => {
            if (live) sendBack({ type: 'connectFailed', error, at: clock.now() });
          },
        );
        return () => {
          live = false;
        };
      }),
      watch: fromCallback<GroupServerEvent, ServerRef>(({ input, sendBack }) =>
        member(input.name).watch((error) => sendBack({ type: 'dropped', error, at: clock.now() })),
      ),
      closeSession: fromPromise<void, ServerRef>(({ input }) => member(input.name).close()),
    },
    actions: {
      planRetry: assign(({ context, event }) => {
        const delay = backoffDelay(context.policy, context.attempt - 1, random());
        return { delay, retryAt: (event as { at: number }).at + delay };
      }),
    },
  });
  return sessionGroupMachine.provide({ actors: { server } });
}

/** A restart policy with its defaults, checked. */
export function restartPolicy(given: RestartPolicy | undefined): GroupRestartPolicy {
  const policy = { ...DEFAULT_GROUP_RESTART_POLICY, ...definedOnly(given ?? {}) };
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new InvalidArgumentError(`restart.${key} must be a number ≥ 0, not ${String(value)}.`);
    }
  }
  if (policy.jitter > 1) {
    throw new InvalidArgumentError(`restart.jitter must be between 0 and 1, not ${policy.jitter}.`);
  }
  return policy;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A server's status from its actor's state (`closing` shows as `closed`: it takes no calls). */
export function statusOf(snapshot: SnapshotFrom<typeof groupServerMachine>): ServerStatus {
  const value = snapshot.value;
  return value === 'closing' ? 'closed' : value;
}

/** The state the group shows of a server. */
export function serverState(
  member: Member,
  snapshot: SnapshotFrom<typeof groupServerMachine>,
): ServerState {
  const { context } = snapshot;
  const status = statusOf(snapshot);
  return {
    name: member.name,
    status,
    session: member.session,
    error: status === 'reconnecting' || status === 'failed' ? context.error : undefined,
    restarts: context.restarts.length,
    retryAt: status === 'reconnecting' ? context.retryAt : undefined,
  };
}
