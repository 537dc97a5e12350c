/**
 * The `info` command: the negotiated revision and era, how the negotiation went (pinned, probed,
 * fallen back), the transport, the server's info, capabilities and instructions; as text or JSON.
 */
import type { ClientSession } from '../index.js';
import { EXIT } from './exit.js';
import { formatInfo, type InfoView } from './format.js';
import type { CommandRun } from './run-state.js';
import { negotiationOptions } from './session.js';

/** How the negotiation went, in words. */
function negotiationText(
  run: CommandRun,
  session: ClientSession,
  era: 'modern' | 'legacy',
): string {
  const mode = run.options.protocolVersion;
  return mode !== undefined
    ? `${era === 'modern' ? 'server/discover' : 'initialize'}, pinned to ${mode} (--protocol-version)`
    : session.fallbackReason !== undefined
      ? era === 'modern'
        ? `server/discover (a 2026 server slower than the probe: ${session.fallbackReason})`
        : `probed with server/discover, fell back to initialize: ${session.fallbackReason}`
      : era === 'modern'
        ? 'server/discover (the probe found a 2026 server)'
        : 'initialize';
}

/** `info`; `transport` describes the transport the session runs over. */
export function info(run: CommandRun, session: ClientSession, transport: string): number {
  const n = session.negotiated;
  if (n === undefined) throw new Error('not connected');
  const mode = run.options.protocolVersion;
  const view: InfoView = {
    protocolVersion: n.protocolVersion,
    era: n.era,
    transport,
    negotiation: negotiationText(run, session, n.era),
    serverInfo: session.serverInfo,
    capabilities: session.serverCapabilities,
    instructions: session.instructions,
    supportedVersions: session.discoverResult?.supportedVersions,
  };
  if (!run.options.json) {
    run.out(formatInfo(view));
    return EXIT.ok;
  }
  run.json({
    protocolVersion: n.protocolVersion,
    era: n.era,
    negotiation: {
      mode: negotiationOptions(run.options).mode ?? 'auto',
      ...(mode === undefined ? {} : { pinnedVersion: mode }),
      ...(session.fallbackReason === undefined ? {} : { fallbackReason: session.fallbackReason }),
      ...(view.supportedVersions === undefined
        ? {}
        : { supportedVersions: view.supportedVersions }),
    },
    transport: view.transport,
    serverInfo: view.serverInfo ?? null,
    capabilities: view.capabilities ?? {},
    instructions: view.instructions ?? null,
  });
  return EXIT.ok;
}
