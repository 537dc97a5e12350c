import type { InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  createByteChannelPair,
  createClientSession,
  createDispatcher,
  createFramedTransport,
  createInMemoryTransportPair,
  encodeLine,
  type ByteChannel,
  type Diagnostic,
  type SessionMessage,
} from '../src/index.js';
import { RecordBuilder, type InspectorRecord } from '../src/inspector/records.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { flush } from './support/harness.js';

/**
 * Two channels: the message handler receives what may need the application's attention
 * (notifications, stream exceptions, transport events); diagnostics (what was dropped, as the
 * protocol asks) go to `onDiagnostic` and to the inspector, never to the message handler.
 */

/** Resolves with the first diagnostic with this code that `collect` sees. */
function waiter(): {
  collect: (d: Diagnostic) => void;
  seen: Diagnostic[];
  next: (code: string) => Promise<Diagnostic>;
} {
  const seen: Diagnostic[] = [];
  const waiting: { code: string; resolve: (d: Diagnostic) => void }[] = [];
  return {
    seen,
    collect: (d) => {
      seen.push(d);
      for (const w of [...waiting]) {
        if (w.code === d.code) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(d);
        }
      }
    },
    next: (code) => {
      const found = seen.find((d) => d.code === code);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiting.push({ code, resolve }));
    },
  };
}

/**
 * A line-delimited server on a byte channel: answers `initialize`, and for `tools/list` writes
 * `noise` first (raw lines), then the answer, then whatever `after` returns for that id.
 */
async function lineServer(
  bytes: ByteChannel,
  noise: (id: number) => string[],
  after: (id: number) => string[],
): Promise<void> {
  const encoder = new TextEncoder();
  await bytes.start({
    data: (chunk) => {
      for (const line of new TextDecoder().decode(chunk).split('\n')) {
        if (line === '') continue;
        const m = JSON.parse(line) as {
          id?: number;
          method: string;
          params?: { protocolVersion?: string };
        };
        if (m.id === undefined) continue;
        if (m.method === 'initialize') {
          void bytes.write(
            encodeLine({
              jsonrpc: '2.0',
              id: m.id,
              result: {
                protocolVersion: m.params?.protocolVersion,
                capabilities: {},
                serverInfo: { name: 's', version: '1' },
              },
            }),
          );
          continue;
        }
        for (const raw of noise(m.id)) void bytes.write(encoder.encode(`${raw}\n`));
        void bytes.write(encodeLine({ jsonrpc: '2.0', id: m.id, result: { tools: [] } }));
        for (const raw of after(m.id)) void bytes.write(encoder.encode(`${raw}\n`));
      }
    },
    end: () => {},
  });
}

describe('the message handler and onDiagnostic', () => {
  it('gives stream exceptions and notifications to the message handler, and drops (late, unknown, duplicate) to onDiagnostic only', async () => {
    const [clientBytes, serverBytes] = createByteChannelPair();
    const handled: SessionMessage[] = [];
    const diagnostics = waiter();
    const session = createClientSession({
      mode: 'legacy',
      transport: createFramedTransport(clientBytes),
      messageHandler: (m) => void handled.push(m),
      onDiagnostic: diagnostics.collect,
    });
    await lineServer(
      serverBytes,
      () => [
        'this is not json',
        JSON.stringify({ jsonrpc: '2.0', id: 4242, result: {} }),
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }),
      ],
      (id) => [JSON.stringify({ jsonrpc: '2.0', id, result: { tools: [], again: true } })],
    );
    await session.connect();
    await expect(session.listTools()).resolves.toEqual({ tools: [] });
    const late = await diagnostics.next('LATE_RESPONSE');

    expect(handled.map((m) => m.type)).toEqual(['exception', 'notification']);
    expect(handled[0]).toMatchObject({ type: 'exception', error: { code: 'INVALID_JSON' } });
    expect(handled[1]).toMatchObject({
      notification: { method: 'notifications/tools/list_changed' },
    });
    expect(diagnostics.seen.map((d) => d.code)).toEqual(['UNKNOWN_RESPONSE_ID', 'LATE_RESPONSE']);
    expect(diagnostics.seen[0]).toMatchObject({
      message: expect.stringContaining('4242'),
      payload: { id: 4242 },
    });
    expect(late.payload).toMatchObject({ result: { again: true } });
    await session.close();
  });

  it("reports the session's own diagnostics (params that do not fit the revision, a callback that threw) to onDiagnostic only", async () => {
    const [client, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide);
    const handled: SessionMessage[] = [];
    const diagnostics = waiter();
    const session = createClientSession({
      mode: 'legacy',
      transport: client,
      messageHandler: (m) => void handled.push(m),
      onDiagnostic: diagnostics.collect,
      notificationHandlers: {
        'notifications/resources/updated': () => {
          throw new Error('handler bug');
        },
      },
    });
    await session.connect();
    server.notify('notifications/message', { level: 'not-a-level', data: 'x' });
    server.notify('notifications/resources/updated', { uri: 'file:///a' });
    await diagnostics.next('CALLBACK_FAILED');

    expect(diagnostics.seen.map((d) => d.code)).toEqual(['INVALID_MESSAGE', 'CALLBACK_FAILED']);
    expect(diagnostics.seen[1]?.message).toContain('handler bug');
    // The notification the handler threw on is still delivered; the malformed one is not.
    expect(handled).toEqual([
      {
        type: 'notification',
        notification: {
          jsonrpc: '2.0',
          method: 'notifications/resources/updated',
          params: { uri: 'file:///a' },
        },
      },
    ]);
    await session.close();
  });

  it("adds the session's onDiagnostic to a dispatcher built beforehand, which keeps its own; each hears every diagnostic once", async () => {
    const [client, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide);
    const own: string[] = [];
    const sessions = waiter();
    const dispatcher = createDispatcher(client, { onDiagnostic: (d) => void own.push(d.code) });
    const extra: string[] = [];
    const stop = dispatcher.onDiagnostic((d) => void extra.push(d.code));
    const session = createClientSession({
      mode: 'legacy',
      dispatcher,
      onDiagnostic: sessions.collect,
    });
    await session.connect();
    server.send({ jsonrpc: '2.0', id: 'nobody', result: {} });
    await sessions.next('UNKNOWN_RESPONSE_ID');
    expect(stop()).toBe(true);
    server.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    await sessions.next('NULL_ID_RESPONSE');

    expect(sessions.seen.map((d) => d.code)).toEqual(['UNKNOWN_RESPONSE_ID', 'NULL_ID_RESPONSE']);
    expect(own).toEqual(['UNKNOWN_RESPONSE_ID', 'NULL_ID_RESPONSE']);
    expect(extra).toEqual(['UNKNOWN_RESPONSE_ID']);
    await session.close();
  });

  it('survives an onDiagnostic that throws or rejects, and goes on', async () => {
    const [client, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide, {
      handlers: { 'tools/call': () => ({ content: [] }) },
    });
    let calls = 0;
    const handled: SessionMessage[] = [];
    const session = createClientSession({
      mode: 'legacy',
      transport: client,
      messageHandler: (m) => void handled.push(m),
      onDiagnostic: () => {
        calls += 1;
        if (calls === 1) throw new Error('listener bug');
        return Promise.reject(new Error('async listener bug'));
      },
    });
    await session.connect();
    server.send({ jsonrpc: '2.0', id: 'x', result: {} });
    server.send({ jsonrpc: '2.0', id: 'y', result: {} });
    await flush();
    expect(calls).toBe(2);
    await expect(session.callTool('t')).resolves.toEqual({ content: [] });
    expect(handled).toEqual([]);
    await session.close();
  });
});

describe('the inspector shows diagnostics', () => {
  it("records each diagnostic, the dispatcher's and the session's, redacted", async () => {
    const records: InspectorRecord[] = [];
    let t = 0;
    const builder = new RecordBuilder('s1', () => t++);
    const [client, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide, {
      handlers: { 'tools/call': () => NO_RESPONSE },
    });
    const diagnostics = waiter();
    const session = createClientSession({
      mode: 'legacy',
      transport: client,
      inspect: (e: InspectionEvent) => records.push(...builder.records(e)),
      onDiagnostic: diagnostics.collect,
    });
    await session.connect();
    server.send({ jsonrpc: '2.0', id: 777, result: { access_token: 'hidden-secret' } });
    server.notify('notifications/message', { level: 'not-a-level', data: 'x' });
    await diagnostics.next('INVALID_MESSAGE');

    const shown = records.filter((r) => r.kind === 'diagnostic');
    expect(shown).toEqual([
      {
        kind: 'diagnostic',
        session: 's1',
        t: expect.any(Number) as number,
        code: 'UNKNOWN_RESPONSE_ID',
        message: expect.stringContaining('777') as string,
        payload: { jsonrpc: '2.0', id: 777, result: { access_token: '[redacted]' } },
      },
      expect.objectContaining({ kind: 'diagnostic', code: 'INVALID_MESSAGE' }),
    ]);
    expect(JSON.stringify(records)).not.toContain('hidden-secret');
    await session.close();
  });

  it('records diagnostics with no onDiagnostic given', async () => {
    const records: InspectorRecord[] = [];
    const builder = new RecordBuilder('s1', () => 0);
    const [client, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide);
    const session = createClientSession({
      mode: 'legacy',
      transport: client,
      inspect: (e: InspectionEvent) => records.push(...builder.records(e)),
    });
    await session.connect();
    server.send({ jsonrpc: '2.0', id: 5, result: {} });
    await session.ping(); // answered after the stray response was routed
    expect(records.filter((r) => r.kind === 'diagnostic')).toMatchObject([
      { code: 'UNKNOWN_RESPONSE_ID' },
    ]);
    await session.close();
  });
});
