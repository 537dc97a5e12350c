/**
 * `npm run fuzz`: feeds inbound frames through the newline framing into live sessions of every
 * revision, and checks that nothing crashes, hangs or is left behind (scripts/fuzz/engine.ts).
 *
 *   npm run fuzz                                   1,000,000 frames, a random seed (printed)
 *   npm run fuzz -- --seed 1234 --frames 20000     reproduces a run
 *   npm run fuzz -- --seed 1234 --episode 17       replays one episode of that run
 *
 * Exits 1 when anything was found, after printing the findings and how to reproduce them.
 */
import { randomInt } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { findingsOf, runFuzz, type FuzzReport } from './fuzz/engine.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    frames: { type: 'string', default: '1000000' },
    episode: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const seed = values.seed === undefined ? randomInt(0, 2 ** 31) : Number(values.seed);
const frames = Number(values.frames.replaceAll('_', '').replaceAll(',', ''));
const episode = values.episode === undefined ? undefined : Number(values.episode);
if (!Number.isInteger(seed) || !Number.isInteger(frames) || frames <= 0) {
  console.error(
    'Usage: npm run fuzz -- [--seed <int>] [--frames <count>] [--episode <n>] [--json]',
  );
  process.exit(2);
}

const fmt = (n: number): string => n.toLocaleString('en-US');
/** The heap in use, after a full collection when `--expose-gc` is on (`npm run fuzz` sets it). */
const heapMiB = (): string => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return `${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB${gc === undefined ? '' : ' after gc'}`;
};
console.log(
  `fuzz: seed ${seed}, ${fmt(frames)} frames${episode === undefined ? '' : `, episode ${episode} only`}; Node ${process.version}, ${os.cpus().length} CPUs`,
);
let nextReport = 50_000;
const start = performance.now();
const report = await runFuzz({
  seed,
  frames,
  ...(episode === undefined ? {} : { episode }),
  onEpisode: (summary, r) => {
    if (summary.findings > 0) {
      console.log(
        `  episode ${summary.episode} (${summary.revision}): ${summary.findings} findings; replay with --seed ${seed} --episode ${summary.episode}`,
      );
    }
    if (r.frames >= nextReport) {
      nextReport += 50_000;
      const s = (performance.now() - start) / 1000;
      console.log(
        `  ${fmt(r.frames)} frames, ${r.episodes} sessions, ${s.toFixed(0)} s, ${fmt(Math.round(r.frames / s))} frames/s, heap ${heapMiB()}, findings ${findingsOf(r)}`,
      );
    }
  },
});

function print(r: FuzzReport): void {
  const line = (label: string, value: string): void => console.log(`  ${label.padEnd(34)}${value}`);
  console.log(`\nfuzz: seed ${r.seed}`);
  line(
    'frames fed',
    `${fmt(r.frames)} (${fmt(r.chunks)} chunks, ${(r.bytes / 2 ** 20).toFixed(1)} MiB)`,
  );
  line(
    'sessions',
    `${fmt(r.episodes)} (${Object.entries(r.perRevision)
      .map(([k, v]) => `${k}: ${fmt(v.episodes)} / ${fmt(v.frames)} frames`)
      .join('; ')})`,
  );
  line('100,000-deep frames', fmt(r.deepFrames));
  line('sessions closed early', `${fmt(r.closedEarly)} (${fmt(r.hangups)} servers hung up)`);
  line(
    'calls',
    `${fmt(r.calls.started)} started, ${fmt(r.calls.resolved)} resolved, ${fmt(r.calls.started - r.calls.resolved - r.unsettledCalls)} rejected`,
  );
  line(
    'server requests answered',
    `${fmt(r.serverRequestsAnswered.result)} results, ${fmt(r.serverRequestsAnswered.error)} errors`,
  );
  line(
    'callbacks run',
    `${fmt(r.callbacks.run)} (${fmt(r.callbacks.aborted)} aborted by close or cancel)`,
  );
  line(
    'corpus',
    `${r.corpus.specExamples} spec examples${r.corpus.specDir === undefined ? ' (no spec directory)' : ` from ${r.corpus.specDir}`}, ${r.corpus.recorded} recorded messages`,
  );
  line(
    'duration',
    `${(r.durationMs / 1000).toFixed(1)} s (${fmt(Math.round(r.frames / (r.durationMs / 1000)))} frames/s)`,
  );
  console.log('  results:');
  line('  crashes', fmt(r.crashes));
  line('  uncaught exceptions', fmt(r.uncaughtExceptions));
  line('  unhandled rejections', fmt(r.unhandledRejections));
  line('  calls not settled', fmt(r.unsettledCalls));
  line('  callbacks not settled', fmt(r.unsettledCallbacks));
  line('  hangs (close did not settle)', fmt(r.hangs));
  line('  actors left after close', fmt(r.actorsLeft));
  line('  timers left after close', fmt(r.timersLeft));
  line('  listeners left after close', fmt(r.listenersLeft));
  line('  transports not closed once', fmt(r.transportsNotClosed));
  line('  Object.prototype polluted', fmt(r.prototypePollutions));
  line('  connects failed', fmt(r.connectFailures));
  const top = Object.entries(r.messages).sort((a, b) => b[1] - a[1]);
  console.log(`  what the sessions reported: ${top.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  const rejected = Object.entries(r.calls.rejected).sort((a, b) => b[1] - a[1]);
  console.log(`  calls rejected with: ${rejected.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  for (const f of r.findings) {
    console.log(
      `\n  ${f.kind} in episode ${f.episode} (${f.revision}) at frame ${f.frame}: ${f.detail}`,
    );
    console.log(`    replay: npm run fuzz -- --seed ${r.seed} --episode ${f.episode}`);
  }
}

if (values.json) console.log(JSON.stringify(report, null, 2));
else print(report);
const found = findingsOf(report);
console.log(found === 0 ? '\nfuzz: nothing found' : `\nfuzz: ${found} findings`);
process.exitCode = found === 0 ? 0 : 1;
