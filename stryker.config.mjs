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
  // groups in scripts/mutation.ts).
  mutate: [
    'machines/*.ts',
    '!machines/index.ts',
    'src/core/*.ts',
    'src/wire/*.ts',
    'src/transports/**/*.ts',
    'src/auth/flow.ts',
  ],
  // A mutant in code that also runs outside any test (module load, `beforeAll`, cleanup after a
  // test ends) is "static" to StrykerJS, which by default runs the whole suite against it: in
  // src/wire/line.ts that was 85 of 173 mutants and 94 % of the time. Every one of them was also
  // covered by tests, and with this option such a mutant runs against those tests only (its test
  // files' `beforeAll` hooks included, since the mutant is switched on before them). A mutant
  // covered by no test at all is the only kind left out; the per-file counts are in docs/testing.md.
  ignoreStatic: true,
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
