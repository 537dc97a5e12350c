import { defineConfig } from 'vitest/config';

/** `npm run test:spec`: our schemas against the official MCP schemas and examples (MCP_SPEC_DIR). */
export default defineConfig({
  test: {
    include: ['test-spec/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
