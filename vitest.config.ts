import { defineConfig } from 'vitest/config'

// One suite for the whole workspace: unit tests sit beside the code they test,
// cross-package checks (layering, interop) live under test/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // On CI's busy 2-core machine, timing-heavy integration tests (kill -9 rounds, 20-node
    // meshes) get one retry; locally a failure shows at once.
    retry: process.env.CI ? 1 : 0,
    reporters: process.env.WELKIN_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.WELKIN_TEST_REPORT }]]
      : ['default'],
  },
})
