import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each case runs several jest processes: one case at a time on a 2-core machine.
    fileParallelism: false,
    testTimeout: 120_000,
  },
})
