// @ts-check
/**
 * Mutation testing of the core: StrykerJS changes the code one small edit at a time (a mutant) and
 * runs the tests that cover it; a mutant no test notices survives. `npm run test:mutation`
 * (scripts/mutation.ts) runs it group by group, each group's `--mutate` and incremental state
 * (test/mutation/<group>.json, committed) given on the command line; a bare `npx stryker run`
 * mutates the whole core with its state under reports/. See docs/testing.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // The core: the statecharts, the runtime that runs them, the wire and its framing, the
  // dispatcher and request actors, the transports, and the authorization flow (the union of the
  // groups in scripts/mutation.ts, checked by test/mutation-script.test.ts).
  mutate: [
    'machines/*.ts',
    '!machines/index.ts',
    'src/core/*.ts',
    'src/wire/*.ts',
    'src/transports/streamable-http.ts',
    'src/transports/http/post-exchange.ts',
    'src/transports/http/resumable-stream.ts',
    'src/transports/http/renewal.ts',
    'src/transports/http/listening-stream.ts',
    'src/transports/http/session.ts',
    'src/transports/http/fetch-support.ts',
    'src/transports/http/errors.ts',
    'src/transports/http/sse-events.ts',
    'src/transports/http/sse-stream.ts',
    'src/transports/sse.ts',
    'src/transports/http-auto.ts',
    'src/transports/framed.ts',
    'src/transports/in-memory.ts',
    'src/transports/websocket*.ts',
    'src/auth/flow.ts',
  ],
  // A mutant in code that also runs outside any test (at module load, in `beforeAll`, in cleanup
  // after a test ends) is "static" to StrykerJS: it is run against every test of the run. Not
  // ignored (`ignoreStatic` would run such a mutant only against the tests that cover it, switched
  // on after its module loaded, where a module-level mutant cannot take effect). With modules
  // shared between test files there are few (10 in `core`, 5 in `wire`); the statecharts, objects
  // built when their modules load, are mostly static. A static mutant is switched on before the
  // test files load, and each run loads the modules again (docs/testing.md).
  ignoreStatic: false,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  // The incremental state is the JSON report (mutation-testing-elements schema): no separate one.
  reporters: ['clear-text', 'progress'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: null },
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
