// The top self-time costs of a V8 CPU profile (node --cpu-prof), by function and source
// position, as a share of the sampled time that was not idle or garbage collection.
//   node bench/profile-top.mjs <file.cpuprofile> [how many, default 15]

import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, many = '15'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [how many]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfTime = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const dt = deltas[i + 1] ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const where =
    url === ''
      ? ''
      : `${path.relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`;
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
}
const skipped = new Set(['(idle)', '(program)', '(garbage collector)']);
const total = [...selfTime].filter(([k]) => !skipped.has(k)).reduce((s, [, t]) => s + t, 0);
const gcTime = selfTime.get('(garbage collector)') ?? 0;
console.log(
  `sampled ${(total / 1000).toFixed(0)} ms of work, ${(gcTime / 1000).toFixed(0)} ms of garbage collection`,
);
console.log('| share | self ms | function |');
console.log('|---:|---:|---|');
for (const [key, t] of [...selfTime]
  .filter(([k]) => !skipped.has(k))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(many))) {
  console.log(`| ${((100 * t) / total).toFixed(1)} % | ${(t / 1000).toFixed(1)} | \`${key}\` |`);
}
