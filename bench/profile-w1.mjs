// W1 for a CPU profile: mcp-actors alone, sequential `tools/call` echo round trips over the
// in-process byte duplex and canned responder of the benchmarks (bench/link.mjs), after a warm-up.
// Run it under the profiler and read the top costs with bench/profile-top.mjs:
//   node --cpu-prof --cpu-prof-dir=/tmp/mcp-prof bench/profile-w1.mjs
//   node bench/profile-top.mjs /tmp/mcp-prof/*.cpuprofile
// (npm run build first: it profiles dist/, what users run.)

import { createClientSession, createFramedTransport } from '../dist/bundle/src/index.js';
import { channelOf, createDuplex, startResponder } from './link.mjs';

const CALLS = Number(process.env.PROFILE_CALLS ?? 50_000);

const [clientEnd, serverEnd] = createDuplex();
startResponder(serverEnd);
const session = createClientSession({
  transport: createFramedTransport(channelOf(clientEnd)),
  mode: 'legacy',
});
await session.connect();
const call = async (i) => {
  const result = await session.callTool('echo', { text: `p${i}` });
  if (result.content[0]?.text !== `p${i}`) throw new Error('wrong echo');
};
for (let i = 0; i < 2_000; i++) await call(i);
const t0 = performance.now();
for (let i = 0; i < CALLS; i++) await call(i);
const ms = performance.now() - t0;
await session.close();
console.log(`${CALLS} calls, ${((ms * 1000) / CALLS).toFixed(2)} µs per call`);
