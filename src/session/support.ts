/** The session's helpers that hold no state: option checks, result clean-up, tables. */
import type { Negotiated } from '../../machines/connection.js';
import type { ListKind } from './callbacks.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { META_SERVER_INFO } from './meta.js';
import { NegotiationError } from './negotiation-errors.js';
import type { NegotiationSettings } from './negotiation-settings.js';
import { isModern, isRevision, REVISIONS } from '../protocol/revisions.js';
import type { Implementation } from '../protocol/types.js';
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  PACKAGE_VERSION,
  type ClientSessionOptions,
  type InputRoundOptions,
} from './types.js';
import { capabilitiesOf } from './callbacks.js';
import { systemClock } from '../core/clock.js';

/** What to do instead, for methods a revision removed. */
export const INSTEAD: Readonly<Record<string, string>> = {
  ping: 'any answered request shows the server is alive',
  'logging/setLevel': 'pass { logLevel } to each call instead',
  'resources/subscribe': 'use subscriptions/listen with resourceSubscriptions instead',
  'resources/unsubscribe': 'end the subscriptions/listen stream instead',
  'notifications/roots/list_changed': 'servers ask for roots when they need them',
  'notifications/progress': 'the server sends no requests in this revision',
  'server/discover': 'this server speaks a handshake revision; read initializeResult',
  initialize: 'this revision has no handshake; read discoverResult',
};

export function withoutMalformedServerInfo(result: unknown): unknown {
  const meta = (result as { _meta?: unknown } | null)?._meta;
  if (typeof meta !== 'object' || meta === null || !(META_SERVER_INFO in meta)) return result;
  if (isImplementation((meta as Record<string, unknown>)[META_SERVER_INFO])) return result;
  const rest: Record<string, unknown> = { ...(meta as Record<string, unknown>) };
  delete rest[META_SERVER_INFO];
  return { ...(result as Record<string, unknown>), _meta: rest };
}

/** Whether a result asks for input that this call should answer itself (2026 multi-round requests). */
export function needsRounds(
  result: Record<string, unknown>,
  options: InputRoundOptions | undefined,
): boolean {
  return result.resultType === 'input_required' && options?.inputRequired !== 'return';
}

/** The options of a follow-up request (a later page, a later input round): no caller's `requestId`. */
export function withoutRequestId<O extends { readonly requestId?: unknown }>(
  options: O | undefined,
): O | undefined {
  if (options?.requestId === undefined) return options;
  const rest: { -readonly [K in keyof O]: O[K] } = { ...options };
  delete rest.requestId;
  return rest;
}

export function cursorParams(
  params: { cursor?: string | undefined } | undefined,
): Record<string, unknown> | undefined {
  return params?.cursor === undefined ? undefined : { cursor: params.cursor };
}

export const LIST_CHANGED: Readonly<Record<string, ListKind | undefined>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

export function isImplementation(value: unknown): value is Implementation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { version?: unknown }).version === 'string'
  );
}

export function settingsOf(
  options: ClientSessionOptions,
  requestTimeout: number,
  check: NegotiationSettings['check'],
): NegotiationSettings {
  checkMs('initializeTimeout', options.initializeTimeout);
  checkMs('probeTimeout', options.probeTimeout);
  const connectTimeout = options.initializeTimeout ?? requestTimeout;
  const supported = options.supportedProtocolVersions ?? REVISIONS;
  for (const v of supported) {
    if (!isRevision(v)) {
      throw new InvalidArgumentError(
        `supportedProtocolVersions names ${JSON.stringify(v)}, which is not a revision this client speaks (${REVISIONS.join(', ')}).`,
      );
    }
  }
  const asked = options.protocolVersion;
  if (asked !== undefined && (!isRevision(asked) || !supported.includes(asked))) {
    throw new InvalidArgumentError(
      `protocolVersion ${JSON.stringify(asked)} is not among the supported revisions (${supported.join(', ')}).`,
    );
  }
  return {
    clientInfo: options.clientInfo ?? { name: 'mcp-actors', version: PACKAGE_VERSION },
    capabilities: capabilitiesOf(options, options.capabilities),
    extensions: options.transport?.extensions,
    supported,
    legacyVersion: asked !== undefined && !isModern(asked) ? asked : undefined,
    modernVersion: asked !== undefined && isModern(asked) ? asked : undefined,
    connectTimeout,
    probeTimeout: options.probeTimeout ?? DEFAULT_PROBE_TIMEOUT_MS,
    clock: options.clock ?? systemClock,
    check,
  };
}

function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < 0)) {
    throw new InvalidArgumentError(
      `${name} must be a number of milliseconds ≥ 0, or Infinity for none; got ${String(value)}.`,
    );
  }
}

/** Checks a pinned negotiation before adopting it. */
export async function adoptable(
  pinned: Negotiated | undefined,
  settings: NegotiationSettings,
): Promise<Negotiated> {
  if (
    pinned === undefined ||
    !isRevision(pinned.protocolVersion) ||
    !settings.supported.includes(pinned.protocolVersion)
  ) {
    throw new NegotiationError(
      `The pinned negotiation names protocol version ${JSON.stringify(pinned?.protocolVersion)}, which this client does not support (${settings.supported.join(', ')}).`,
    );
  }
  if ((pinned.era === 'modern') !== isModern(pinned.protocolVersion)) {
    throw new NegotiationError(
      `The pinned negotiation says era ${pinned.era} for ${pinned.protocolVersion}, which is the other era.`,
    );
  }
  const result = pinned.era === 'legacy' ? pinned.initializeResult : pinned.discoverResult;
  await settings.check(
    pinned.protocolVersion,
    pinned.era === 'legacy' ? 'initialize' : 'server/discover',
    result,
  );
  return pinned;
}
