import { describe, expect, it } from 'vitest';
import { runFuzz } from '../scripts/fuzz/engine.js';

/**
 * A seeded slice of `npm run fuzz` (scripts/fuzz/engine.ts): 10,000 inbound frames through the
 * newline framing into sessions of every revision, with the same checks as the full run. The
 * corpus is the recorded sessions, plus the specification's examples when `../shared/mcp-spec`
 * (or MCP_SPEC_DIR) is there.
 */
describe('fuzz, a seeded slice of 10,000 frames', () => {
  it('crashes nothing, settles every call, and leaves no actor, timer or listener after close()', async () => {
    const report = await runFuzz({ seed: 20_261_206, frames: 10_000, requireSpec: false });
    expect(report.findings).toEqual([]);
    expect({
      crashes: report.crashes,
      uncaughtExceptions: report.uncaughtExceptions,
      unhandledRejections: report.unhandledRejections,
      unsettledCalls: report.unsettledCalls,
      unsettledCallbacks: report.unsettledCallbacks,
      hangs: report.hangs,
      actorsLeft: report.actorsLeft,
      timersLeft: report.timersLeft,
      listenersLeft: report.listenersLeft,
      transportsNotClosed: report.transportsNotClosed,
      prototypePollutions: report.prototypePollutions,
      connectFailures: report.connectFailures,
    }).toEqual({
      crashes: 0,
      uncaughtExceptions: 0,
      unhandledRejections: 0,
      unsettledCalls: 0,
      unsettledCallbacks: 0,
      hangs: 0,
      actorsLeft: 0,
      timersLeft: 0,
      listenersLeft: 0,
      transportsNotClosed: 0,
      prototypePollutions: 0,
      connectFailures: 0,
    });
    // The slice did what it says: every revision, deep frames, calls settled every way.
    expect(report.frames).toBe(10_000);
    for (const revision of Object.values(report.perRevision)) {
      expect(revision.frames).toBeGreaterThan(0);
    }
    expect(report.deepFrames).toBeGreaterThanOrEqual(5);
    expect(report.calls.resolved).toBeGreaterThan(0);
    expect(Object.keys(report.calls.rejected)).toEqual(
      expect.arrayContaining(['REQUEST_TIMEOUT', 'REQUEST_CANCELLED', 'INVALID_RESULT']),
    );
    expect(report.callbacks.aborted).toBeGreaterThan(0);
    expect(report.corpus.recorded).toBeGreaterThan(0);
    if (report.corpus.specDir !== undefined) expect(report.corpus.specExamples).toBeGreaterThan(0);
  }, 120_000);
});
