import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Files share one Redis; each test uses its own build id, but the multi-process test wants the cores.
    fileParallelism: false,
    testTimeout: 30_000,
  },
})
