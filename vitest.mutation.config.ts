import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests a mutation run uses (`npm run test:mutation`): every test that runs the library's code
 * in the test's own process, where StrykerJS's mutants live. Left out, here only (they stay in
 * `npm test`): tests of code running elsewhere, which no in-process mutant can change: the packed
 * package and the built CLI in child processes, pages in a browser, the examples and the docs
 * run as scripts; and the source-tree checks (formatting of docs, dependency rules, bundle size).
 * Also left out: tests that change process-wide state StrykerJS's worker threads do not share
 * (the home directory through HOME, for the OAuth file store's default path).
 */
export const OUT_OF_PROCESS = [
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
];

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...OUT_OF_PROCESS, 'node_modules/**'],
      // StrykerJS runs the tests of each mutant in one worker thread; sharing loaded modules
      // between test files there, instead of loading them again per file, halves the time of a
      // run of the whole suite (78 s to 44 s here). The mutants are switched at run time, so a
      // module loaded once still runs each of them.
      isolate: false,
    },
  }),
);
