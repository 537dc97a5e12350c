// W1i: what the inspector costs on the hot path. W1's sequential `tools/call` echo round trips
// (the in-process byte link and canned responder of bench/link.mjs), for mcp-actors in three
// variants: no inspector; an inspector attached (`startInspector()`, its observer as the session's
// `inspect`) with no page open; the same with a page open, that is a WebSocket client in another
// process (bench/inspector-page.mjs) connected to the inspector's `/events` and reading every frame,
// as the browser page does. The inspector's own work (recording, serialising, sending frames) runs
// in this process, so it is in the figures; the page's reading is not.
//
// The variants run interleaved: each repetition opens the three sessions (order rotated), warms
// them up, then runs ROUNDS rounds of BLOCK calls on each in turn (order rotated per round). A
// round's ratio is a variant's time over the no-inspector time of the same round; a repetition's
// figure is the median over its rounds.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelOf, createDuplex, startResponder } from './link.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const WARMUP = Number(process.env.BENCH_W1I_WARMUP ?? 500);
const ROUNDS = Number(process.env.BENCH_W1I_ROUNDS ?? 20);
const BLOCK = Number(process.env.BENCH_W1I_BLOCK ?? 500);

const VARIANTS = ['no inspector', 'inspector, no page', 'inspector, page open'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A page: a WebSocket client process reading the inspector's feed; resolves once connected. */
function openPage(url) {
  const child = spawn(process.execPath, [path.join(here, 'inspector-page.mjs'), url], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () =>
      resolve({
        async close() {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`the page process exited (${code}) early`)));
  });
}

async function open(lib, inspect) {
  const [clientEnd, serverEnd] = createDuplex();
  startResponder(serverEnd);
  const session = lib.createClientSession({
    transport: lib.createFramedTransport(channelOf(clientEnd)),
    mode: 'legacy',
    ...(inspect === undefined ? {} : { inspect }),
  });
  await session.connect();
  return session;
}

async function calls(session, n, tag) {
  for (let i = 0; i < n; i++) {
    const text = `${tag}${i}`;
    const r = await session.callTool('echo', { text });
    if (r.content[0].text !== text) throw new Error(`wrong result ${r.content[0].text}`);
  }
}

/** Runs W1i: per repetition, each variant's ratio to no inspector (median over the rounds). */
export async function runW1i({ reps }) {
  const lib = await import(path.join(root, 'dist/bundle/src/index.js'));
  const { startInspector } = await import(path.join(root, 'dist/bundle/src/node/index.js'));
  const result = { ratios: [], micros: [] };
  for (let rep = 0; rep < reps; rep++) {
    const quiet = await startInspector();
    const watched = await startInspector();
    const page = await openPage(watched.url);
    const sessions = {
      'no inspector': await open(lib, undefined),
      'inspector, no page': await open(lib, quiet.observer('bench')),
      'inspector, page open': await open(lib, watched.observer('bench')),
    };
    if (watched.pages !== 1) throw new Error(`the page did not connect (${watched.pages} pages)`);
    for (const v of VARIANTS) await calls(sessions[v], WARMUP, 'w');
    const perRound = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    const timeOf = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const times = {};
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = VARIANTS[(round + k) % VARIANTS.length];
        const t0 = performance.now();
        await calls(sessions[v], BLOCK, 'm');
        times[v] = performance.now() - t0;
        timeOf[v].push((times[v] * 1000) / BLOCK);
      }
      for (const v of VARIANTS) perRound[v].push(times[v] / times['no inspector']);
    }
    result.ratios.push(Object.fromEntries(VARIANTS.map((v) => [v, median(perRound[v])])));
    result.micros.push(Object.fromEntries(VARIANTS.map((v) => [v, median(timeOf[v])])));
    for (const v of VARIANTS) await sessions[v].close();
    await page.close();
    await quiet.close();
    await watched.close();
    process.stderr.write(`W1i rep ${rep + 1}/${reps}\n`);
  }
  return result;
}

export function reportW1i({ ratios, micros }) {
  const span = (xs, d) =>
    `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
  const lines = [
    '',
    `W1i: the inspector on W1's path; ${ratios.length} repetitions, each ${ROUNDS} rounds of ${BLOCK} sequential calls per variant (interleaved), after ${WARMUP} warm-up calls`,
    '',
    '| W1i variant | µs per call | time vs no inspector, same round |',
    '|---|---:|---:|',
  ];
  for (const v of VARIANTS) {
    lines.push(
      `| ${v} | ${span(
        micros.map((m) => m[v]),
        2,
      )} | ${span(
        ratios.map((r) => r[v]),
        3,
      )} |`,
    );
  }
  return lines;
}
