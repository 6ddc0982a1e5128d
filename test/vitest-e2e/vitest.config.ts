import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each case starts several Vitest processes on the machine's cores: one case at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
})
