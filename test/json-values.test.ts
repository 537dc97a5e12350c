/**
 * A live 2026-07-28 session with a server process (test/fixtures/json-values-server.mjs) whose
 * messages carry `null` and fractions in JSON value positions: the normative schema.ts allows
 * them there, the published schema.json does not (docs/negotiation.md, "Where schema.json is
 * narrower than schema.ts"). The client takes them in a result (`server/discover`'s capability
 * settings) and in a server message (an input request's sampling `metadata`), unchanged.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createClientSession, type CreateMessageRequestParams } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';

const server = fileURLToPath(new URL('./fixtures/json-values-server.mjs', import.meta.url));
/** What the server puts in its extension settings and in the sampling request's `metadata`. */
const SETTINGS = { ratio: 0.5, unset: null, nested: [0.25, null, { deep: -1.5 }] };

describe('2026 JSON values with null and fractions, from a server process', () => {
  it('are accepted in a result and in a server message, and reach the application as sent', async () => {
    const asked: CreateMessageRequestParams[] = [];
    const session = createClientSession({
      transport: createStdioTransport({ command: process.execPath, args: [server] }),
      mode: 'modern',
      sampling: (params) => {
        asked.push(params);
        return { role: 'assistant', content: { type: 'text', text: 'drafted' }, model: 'stand-in' };
      },
    });
    try {
      await session.connect();
      expect(session.protocolVersion).toBe('2026-07-28');
      // A result: the server's capabilities, from server/discover.
      expect(session.serverCapabilities?.['extensions']).toEqual({
        'com.example/settings': SETTINGS,
      });
      expect(session.serverCapabilities?.['experimental']).toEqual({
        'com.example/flags': { threshold: 0.75, fallback: null },
      });

      // A server message: the input request tools/call answers with first.
      const result = await session.callTool('sample', {});
      expect(asked).toHaveLength(1);
      expect(asked[0]?.metadata).toEqual(SETTINGS);
      // The call was retried with the sampled answer and the request state, and completed.
      const [block] = result.content;
      expect(block?.type).toBe('text');
      expect(JSON.parse(block?.type === 'text' ? block.text : 'null')).toEqual({
        state: 'waiting-for-draft',
        responses: {
          draft: {
            role: 'assistant',
            content: { type: 'text', text: 'drafted' },
            model: 'stand-in',
          },
        },
      });
    } finally {
      await session.close();
    }
  });
});
