/**
 * Multi-round requests of MCP 2026-07-28: instead of sending the client requests of its own, a
 * server answers `tools/call` with `resultType: 'input_required'` and the questions it has
 * (elicitation, roots, sampling); the client answers them and calls again with `inputResponses`
 * and the server's opaque `requestState`, until the result is complete.
 *
 * Here a scripted 2026 server (from `mcp-actors/testing`, in memory) books a table in three
 * rounds: it asks for the party (a form) and the client's roots at once, then for a confirmation,
 * then answers. The session runs the rounds by itself: each question goes to the callback given
 * for it (`elicitation.form`, `roots.list`), exactly as a legacy server's requests would.
 * The server keeps no state between rounds: all of it travels in `requestState`.
 *
 *   npx tsx examples/input-rounds.ts
 */
import { createClientSession, createInMemoryTransportPair } from '../src/index.js';
import { startScriptedServer } from '../src/testing/index.js';

/** What the server carries from one round to the next, inside `requestState`. */
interface Booking {
  readonly step: 'party' | 'confirm';
  readonly name?: string;
  readonly size?: number;
}
const encode = (state: Booking): string => Buffer.from(JSON.stringify(state)).toString('base64url');
const decode = (state: unknown): Booking | undefined =>
  typeof state === 'string'
    ? (JSON.parse(Buffer.from(state, 'base64url').toString()) as Booking)
    : undefined;

const [clientSide, serverSide] = createInMemoryTransportPair();
let round = 0;
startScriptedServer(serverSide, {
  handlers: {
    // A 2026-07-28 server: it answers server/discover (there is no initialize handshake).
    'server/discover': () => ({
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: { tools: {} },
      ttlMs: 0,
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'booking', version: '1.0.0' } },
    }),
    'tools/call': (params) => {
      round += 1;
      const state = decode(params?.requestState);
      const answers = (params?.inputResponses ?? {}) as Record<
        string,
        { action?: string; content?: Record<string, unknown>; roots?: { uri: string }[] }
      >;
      if (state === undefined) {
        console.log(`server, round ${round}: asks for the party and the client's roots`);
        return {
          resultType: 'input_required',
          inputRequests: {
            party: {
              method: 'elicitation/create',
              params: {
                mode: 'form',
                message: 'Who is the booking for?',
                requestedSchema: {
                  type: 'object',
                  properties: { name: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
                  required: ['name', 'size'],
                },
              },
            },
            roots: { method: 'roots/list', params: {} },
          },
          requestState: encode({ step: 'party' }),
        };
      }
      if (state.step === 'party') {
        const party = answers.party;
        if (party?.action !== 'accept') {
          return { content: [{ type: 'text', text: 'No booking made.' }] };
        }
        const name = String(party.content?.name);
        const size = Number(party.content?.size);
        const where = answers.roots?.roots?.map((r) => r.uri).join(', ') ?? 'none';
        console.log(
          `server, round ${round}: got ${name}, party of ${size} (roots: ${where}); asks to confirm`,
        );
        return {
          resultType: 'input_required',
          inputRequests: {
            confirm: {
              method: 'elicitation/create',
              params: {
                mode: 'form',
                message: `Book a table for ${size} under ${name} at 19:00?`,
                requestedSchema: {
                  type: 'object',
                  properties: { confirm: { type: 'boolean' } },
                  required: ['confirm'],
                },
              },
            },
          },
          requestState: encode({ step: 'confirm', name, size }),
        };
      }
      const confirmed =
        answers.confirm?.action === 'accept' && answers.confirm.content?.confirm === true;
      console.log(`server, round ${round}: ${confirmed ? 'confirmed' : 'not confirmed'}`);
      return {
        resultType: 'complete',
        content: [
          {
            type: 'text',
            text: confirmed
              ? `Booked: a table for ${state.size} under ${state.name} at 19:00.`
              : 'No booking made.',
          },
        ],
      };
    },
  },
});

const session = createClientSession({
  transport: clientSide,
  mode: 'modern',
  clientInfo: { name: 'mcp-actors-input-rounds', version: '0.1.0' },
  // Each input request is answered by the callback of its kind; a real client would ask the user.
  elicitation: {
    form: (params, extra) => {
      console.log(
        `client: elicitation "${String(params.message)}" (input request ${extra.requestId})`,
      );
      const fields = Object.keys(
        (params.requestedSchema as { properties?: Record<string, unknown> }).properties ?? {},
      );
      return fields.includes('confirm')
        ? { action: 'accept', content: { confirm: true } }
        : { action: 'accept', content: { name: 'Ada', size: 4 } };
    },
  },
  roots: {
    list: (extra) => {
      console.log(`client: roots (input request ${extra.requestId})`);
      return [{ uri: 'file:///home/ada', name: 'home' }];
    },
  },
});

const negotiated = await session.connect();
console.log(`connected: ${negotiated.era} era, protocol ${negotiated.protocolVersion}`);
// One call; the session answers every round through the callbacks (at most 10 rounds by default).
const result = await session.callTool('book-table', { time: '19:00' }, { maxInputRounds: 5 });
for (const block of result.content) if (block.type === 'text') console.log(`result: ${block.text}`);
console.log(`rounds: ${round}`);
await session.close();
