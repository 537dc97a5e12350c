// The cost of a cold connect: in a fresh process, the time from connect() to ready for the first
// session (the protocol schemas not loaded yet) next to a second one in the same process (schemas
// loaded: the handshake itself), and the time from the first connect() to its first message
// written. Each sample is its own process. Builds nothing: run `npm run build` first.
// Usage: node bench/cold-connect.mjs [samples=15] [stdio|memory] [legacy|auto]
// PRELOAD=1 loads the schemas (loadSchemas()) before the first session is built.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelOf, createDuplex, startResponder } from './link.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

if (process.argv[2] === '--sample') {
  const [, , , kind, mode] = process.argv;
  const { createClientSession, createFramedTransport } = await import(
    path.join(root, 'dist/bundle/src/index.js')
  );
  const { createStdioTransport } = await import(path.join(root, 'dist/bundle/src/node/index.js'));
  const transport = () => {
    if (kind === 'stdio') {
      return createStdioTransport({
        command: process.execPath,
        args: [path.join(here, 'canned-stdio-server.mjs')],
      });
    }
    const [clientEnd, serverEnd] = createDuplex();
    startResponder(serverEnd);
    return createFramedTransport(channelOf(clientEnd));
  };
  const connectOnce = async () => {
    const inner = transport();
    let firstWrite;
    const session = createClientSession({
      transport: {
        start: (h) => inner.start(h),
        send: (m) => {
          firstWrite ??= performance.now();
          return inner.send(m);
        },
        close: () => inner.close(),
      },
      mode,
    });
    const t0 = performance.now();
    await session.connect();
    const ms = performance.now() - t0;
    await session.close();
    return { ms, write: firstWrite - t0 };
  };
  if (process.env.PRELOAD === '1') {
    await (await import(path.join(root, 'dist/bundle/src/index.js'))).loadSchemas();
  }
  const cold = await connectOnce();
  const warm = await connectOnce();
  console.log(JSON.stringify({ cold: cold.ms, warm: warm.ms, coldWrite: cold.write }));
} else {
  const samples = Number(process.argv[2] ?? 15);
  const kind = process.argv[3] ?? 'stdio';
  const mode = process.argv[4] ?? 'legacy';
  const cold = [];
  const warm = [];
  const coldWrite = [];
  for (let i = 0; i < samples; i++) {
    const run = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--sample', kind, mode],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    const r = JSON.parse(run.stdout);
    cold.push(r.cold);
    warm.push(r.warm);
    coldWrite.push(r.coldWrite);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const f = (x) => x.toFixed(1);
  const range = (xs) => `${f(median(xs))} ms (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
  console.log(
    `${kind}, ${mode}, ${samples} processes; Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(`  cold connect (first session of the process): ${range(cold)}`);
  console.log(`  warm connect (second session, same process): ${range(warm)}`);
  console.log(`  cold connect, from connect() to the first message written: ${range(coldWrite)}`);
}
