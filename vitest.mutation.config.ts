import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests a mutation run uses (`npm run test:mutation`): the tests that run the library's code in
 * the test's own process, where StrykerJS's mutants live, with the server in the same process too.
 * Left out, here only (they stay in `npm test`): tests of code running elsewhere, which no
 * in-process mutant can change: the packed package and the built CLI in child processes, pages in
 * a browser, the examples and the docs run as scripts; the source-tree checks (formatting of docs,
 * dependency rules, bundle size); the tests that talk to a server in a child process (below); and
 * the test that changes process-wide state StrykerJS's worker threads do not share (the home
 * directory through HOME, for the OAuth file store's default path).
 */
export const LEFT_OUT = [
  'test/package-install.test.ts',
  'test/bundle-size.test.ts',
  'test/dependency-rules.test.ts',
  'test/docs.test.ts',
  'test/doc-examples.test.ts',
  'test/examples.test.ts',
  'test/cli.test.ts',
  'test/cli-terminal.test.ts',
  'test/cli-config.test.ts',
  'test/browser-client.test.ts',
  'test/inspector-browser.test.ts',
  'test/inspector-page.test.ts',
  'test/packaging.test.ts',
  'test/public-types.test.ts',
  'test/node-oauth.test.ts',
  // A server in a child process: these spend their time on that process (33 of the 40 s the
  // in-process suite takes), while the client side they drive is what the in-memory and
  // in-process HTTP tests drive too. A mutant only they would notice shows as a survivor, to be
  // killed by an in-process test.
  'test/server-everything.test.ts',
  'test/ai-sdk.test.ts',
  'test/session-group-stdio.test.ts',
  'test/stdio.test.ts',
  'test/connect.test.ts',
  'test/servers-config.test.ts',
  'test/servers-stdio.test.ts',
  'test/json-values.test.ts',
];

// A group of scripts/mutation.ts may name the test files it runs (MUTATION_TESTS).
const only = process.env['MUTATION_TESTS'];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    ...(only === undefined ? {} : { include: only.split(',') }),
    exclude: [...LEFT_OUT, 'node_modules/**'],
    // StrykerJS runs the tests of each mutant in one worker thread; sharing loaded modules
    // between test files there, instead of loading them again per file, took a run of the
    // suite as it was then from 78 s to 44 s here. The mutants are switched at run time, so a
    // module loaded once still runs each of them.
    isolate: false,
    // The tests here take milliseconds each (the slowest, compiling every revision's schemas, about
    // a second on a quiet machine); a mutant that makes one wait forever (a timer never armed, an
    // answer never settled) fails it after 10 s instead of the 60 s the whole suite allows for
    // tests of real server processes. 5 s was too short for that slowest test on a busy machine.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
