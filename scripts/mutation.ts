/**
 * `npm run test:mutation`: mutation testing of the core with StrykerJS (stryker.config.mjs), one
 * group of files at a time, each with its own incremental state in `test/mutation/<group>.json`
 * (committed). A run tests again only the mutants of code that changed since the state was
 * written, or covered by tests that changed, and every static mutant that survived (StrykerJS
 * would not test it again for a new test: see `withoutStaticSurvivors`); the rest keep their
 * recorded result. Then every file's mutation score is checked: at least 90 %, or, for a file
 * listed in `test/mutation/floors.json`, at least the score recorded there (a file on its way to
 * 90 % may not fall back).
 *
 *   npx tsx scripts/mutation.ts                 every group, incremental (what CI runs)
 *   npx tsx scripts/mutation.ts --full          every group, every mutant again
 *   npx tsx scripts/mutation.ts --group wire    only these groups (comma-separated)
 *   npx tsx scripts/mutation.ts --report        no run: the scores of the recorded state
 *   npx tsx scripts/mutation.ts --retest-timeouts   test again the mutants recorded as timed out
 *   npx tsx scripts/mutation.ts --retest-static     test again the static mutants (module-level code)
 *   npx tsx scripts/mutation.ts --concurrency 1     StrykerJS's test runners (2 by default)
 *   npx tsx scripts/mutation.ts --report --survivors  and list each surviving or uncovered mutant
 *   npx tsx scripts/mutation.ts --report --floors     record the scores below 90 % as floors
 *
 * `--floors` only ever raises a floor: it adds a file below 90 % that has none, raises a floor
 * to the file's score, and drops the floor of a file that reached 90 %; a file whose score fell
 * below its floor keeps it (and fails the check).
 *
 * A mutant times out when its tests run past the time the initial run took (×1.5, plus 10 s):
 * usually a loop it made endless, but also a machine busy with something else, which would count a
 * surviving mutant as detected. `--retest-timeouts`, on a quiet machine, drops the timed-out
 * mutants from the recorded state so that the run tests them again.
 *
 * Why groups: a StrykerJS run writes its incremental file from the mutants of that run only, so
 * one state file for the whole core could only be refreshed by running the whole core (hours on
 * two cores); a group is refreshed on its own. Each group run starts with one run of the whole
 * in-process suite (about 80 s here), to learn which tests cover which mutant.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One group of the core. */
export interface MutationGroup {
  /** The globs StrykerJS mutates (`--mutate`). */
  readonly mutate: readonly string[];
  /** The test files run, when not every test of vitest.mutation.config.ts. */
  readonly tests?: readonly string[];
}

/** The core, by group. */
export const MUTATION_GROUPS: Readonly<Record<string, MutationGroup>> = {
  // A statechart is an object built when its module loads: its states, targets and event names
  // are static mutants, each run against every test of the group (see stryker.config.mjs). They
  // run against the tests that drive the machines themselves (the model checks) and the sessions,
  // dispatchers and groups over in-memory transports that run them.
  machines: {
    mutate: ['machines/*.ts', '!machines/index.ts'],
    tests: [
      'test/model.test.ts',
      'test/connection-model.test.ts',
      'test/session-group-model.test.ts',
      'test/authorization-model.test.ts',
      'test/stdio-process-model.test.ts',
      'test/compiled-agreement.test.ts',
      'test/session.test.ts',
      'test/session-api.test.ts',
      'test/negotiation.test.ts',
      'test/requests.test.ts',
      'test/inbound.test.ts',
      'test/dispatcher.test.ts',
      'test/session-group.test.ts',
      'test/oauth.test.ts',
      'test/inspector.test.ts',
      'test/inspector-trace.test.ts',
    ],
  },
  core: { mutate: ['src/core/*.ts'] },
  wire: { mutate: ['src/wire/*.ts'] },
  // Streamable HTTP: the transport, one POST and its answer, reading and resuming its event
  // streams, renewing an ended session, the standalone GET stream, the session it keeps.
  'streamable-http': {
    mutate: [
      'src/transports/streamable-http.ts',
      'src/transports/http/post-exchange.ts',
      'src/transports/http/resumable-stream.ts',
      'src/transports/http/renewal.ts',
      'src/transports/http/listening-stream.ts',
      'src/transports/http/session.ts',
    ],
  },
  // The rest of HTTP: what both HTTP transports share (fetch, errors, SSE events), the legacy
  // HTTP+SSE transport and its stream, and the choice between the two.
  http: {
    mutate: [
      'src/transports/http/fetch-support.ts',
      'src/transports/http/errors.ts',
      'src/transports/http/sse-events.ts',
      'src/transports/http/sse-stream.ts',
      'src/transports/sse.ts',
      'src/transports/http-auto.ts',
    ],
  },
  transports: {
    mutate: [
      'src/transports/framed.ts',
      'src/transports/in-memory.ts',
      'src/transports/websocket*.ts',
    ],
  },
  auth: { mutate: ['src/auth/flow.ts'] },
};

/** The score every file of the core must reach. */
export const TARGET = 90;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(root, 'test', 'mutation');

export interface FileScore {
  readonly file: string;
  readonly mutants: number;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Ignored, or a mutant that does not compile or crashes the runner: not in the score. */
  readonly excluded: number;
  /** Detected (killed or timed out) over valid (detected, survived, no coverage); undefined without valid mutants. */
  readonly score: number | undefined;
}

interface ReportMutant {
  readonly status: string;
  readonly mutatorName?: string;
  readonly replacement?: string;
  /** Code that runs outside any test too (at module load): run against every test. */
  readonly static?: boolean;
  readonly location?: { readonly start: { readonly line: number; readonly column: number } };
}

interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly ReportMutant[] }>>;
}

/** The mutants no test noticed, one line each: where, which mutator, what it put there. */
export function survivorsOf(report: Report): string[] {
  const lines: string[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const at =
        m.location === undefined ? '' : `:${m.location.start.line}:${m.location.start.column}`;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80);
      lines.push(`${file}${at} ${m.status} ${m.mutatorName ?? ''} ${replacement}`);
    }
  }
  return lines.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** The floors after a run: never lower than before, none for a file at the target. */
export function raisedFloors(
  scores: readonly FileScore[],
  floors: Readonly<Record<string, number>>,
): Record<string, number> {
  const next: Record<string, number> = { ...floors };
  for (const s of scores) {
    if (s.score === undefined) continue;
    // One decimal, rounded down: the recorded floor never exceeds the score it records.
    const score = Math.floor(s.score * 10) / 10;
    const floor = floors[s.file];
    if (score >= TARGET) delete next[s.file];
    else if (floor === undefined || score > floor) next[s.file] = score;
  }
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
}

/** A recorded state without the mutants `drop` picks: the next run tests them again. */
function without<R extends Report>(report: R, drop: (m: ReportMutant) => boolean): R {
  const files = Object.fromEntries(
    Object.entries(report.files).map(([file, entry]) => [
      file,
      { ...entry, mutants: entry.mutants.filter((m) => !drop(m)) },
    ]),
  );
  return { ...report, files };
}

/** Drops the timed-out mutants from a recorded state, so that the next run tests them again. */
export function withoutTimeouts<R extends Report>(report: R): R {
  return without(report, (m) => m.status === 'Timeout');
}

/** Drops the static mutants from a recorded state, so that the next run tests them again. */
export function withoutStatic<R extends Report>(report: R): R {
  return without(report, (m) => m.static === true);
}

/**
 * Drops the static mutants that survived from a recorded state. StrykerJS's incremental mode
 * tests a surviving mutant again only when a test that covers it is new; a static mutant has no
 * covering tests on record (it runs against every test), so without this a test written to kill
 * it would never be run against it. Every incremental run does this: the cost is one run of the
 * group's tests per static survivor.
 */
export function withoutStaticSurvivors<R extends Report>(report: R): R {
  return without(report, (m) => m.static === true && m.status === 'Survived');
}

/** The per-file scores of a StrykerJS JSON report (the incremental state is one). */
export function scoresOf(report: Report): FileScore[] {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const count = (status: string) => mutants.filter((m) => m.status === status).length;
      const killed = count('Killed');
      const timeout = count('Timeout');
      const survived = count('Survived');
      const noCoverage = count('NoCoverage');
      const valid = killed + timeout + survived + noCoverage;
      return {
        file,
        mutants: mutants.length,
        killed,
        timeout,
        survived,
        noCoverage,
        excluded: mutants.length - valid,
        score: valid === 0 ? undefined : (100 * (killed + timeout)) / valid,
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** The files below their bar: 90 %, or their recorded floor. */
export function belowBar(
  scores: readonly FileScore[],
  floors: Readonly<Record<string, number>>,
): string[] {
  const failures: string[] = [];
  for (const s of scores) {
    if (s.score === undefined) continue;
    const floor = floors[s.file];
    const bar = floor === undefined ? TARGET : Math.min(floor, TARGET);
    // Compare at the precision the floors are written with.
    if (Math.round(s.score * 10) / 10 < bar) {
      failures.push(
        `${s.file}: ${s.score.toFixed(1)} % is below ${floor === undefined ? 'the target' : 'its floor'}, ${bar} %`,
      );
    }
  }
  return failures;
}

function table(scores: readonly FileScore[]): string {
  const rows = [
    ['file', 'score', 'mutants', 'killed', 'timeout', 'survived', 'no cov.', 'excluded'],
    ...scores.map((s) => [
      s.file,
      s.score === undefined ? '-' : `${s.score.toFixed(1)} %`,
      ...[s.mutants, s.killed, s.timeout, s.survived, s.noCoverage, s.excluded].map(String),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))))
    .map((r) => r.join('  '))
    .join('\n');
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function main(argv: readonly string[]): number {
  const full = argv.includes('--full');
  const reportOnly = argv.includes('--report');
  const groupArg = argv[argv.indexOf('--group') + 1];
  const concurrency = argv.includes('--concurrency')
    ? argv[argv.indexOf('--concurrency') + 1]
    : undefined;
  const groups =
    argv.includes('--group') && groupArg !== undefined
      ? groupArg.split(',')
      : Object.keys(MUTATION_GROUPS);
  for (const group of groups) {
    if (MUTATION_GROUPS[group] === undefined) {
      console.error(
        `Unknown group "${group}"; the groups are ${Object.keys(MUTATION_GROUPS).join(', ')}.`,
      );
      return 2;
    }
  }
  if (!reportOnly) {
    for (const group of groups) {
      const spec = MUTATION_GROUPS[group] as MutationGroup;
      const state = path.join(stateDir, `${group}.json`);
      if (existsSync(state)) {
        let report = withoutStaticSurvivors(readJson<Report>(state));
        if (argv.includes('--retest-timeouts')) report = withoutTimeouts(report);
        if (argv.includes('--retest-static')) report = withoutStatic(report);
        writeFileSync(state, JSON.stringify(report, null, 2));
      }
      const started = Date.now();
      console.log(`== mutation group ${group}`);
      const args = [
        'stryker',
        'run',
        '--mutate',
        spec.mutate.join(','),
        '--incrementalFile',
        path.join('test', 'mutation', `${group}.json`),
        ...(full ? ['--force'] : []),
        ...(concurrency === undefined ? [] : ['--concurrency', concurrency]),
      ];
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (spec.tests !== undefined) env['MUTATION_TESTS'] = spec.tests.join(',');
      const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
      if (run.status !== 0) {
        console.error(`StrykerJS failed on group ${group} (exit ${String(run.status)}).`);
        return 1;
      }
      console.log(`== group ${group}: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    }
  }
  const scores: FileScore[] = [];
  const missing: string[] = [];
  for (const group of groups) {
    const state = path.join(stateDir, `${group}.json`);
    if (!existsSync(state)) {
      missing.push(group);
      continue;
    }
    const report = readJson<Report>(state);
    scores.push(...scoresOf(report));
    if (argv.includes('--survivors')) for (const line of survivorsOf(report)) console.log(line);
  }
  console.log(`\n${table(scores)}\n`);
  const floorsFile = path.join(stateDir, 'floors.json');
  let floors = existsSync(floorsFile) ? readJson<Record<string, number>>(floorsFile) : {};
  if (argv.includes('--floors')) {
    floors = raisedFloors(scores, floors);
    writeFileSync(floorsFile, `${JSON.stringify(floors, null, 2)}\n`);
  }
  const failures = [
    ...missing.map((g) => `group ${g}: no recorded state (test/mutation/${g}.json)`),
    ...belowBar(scores, floors),
  ];
  for (const f of failures) console.error(f);
  if (failures.length === 0) console.log(`Every file at ${TARGET} % or at its recorded floor.`);
  return failures.length === 0 ? 0 : 1;
}

if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === path.resolve(process.argv[1])
) {
  process.exitCode = main(process.argv.slice(2));
}
