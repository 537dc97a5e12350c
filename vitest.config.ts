import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // A net for a test that hangs, not a measure of speed: the end-to-end tests start real server
    // processes (the CLI's several per test), and on a loaded 2-core machine one takes 20 s.
    testTimeout: 60_000,
  },
});
