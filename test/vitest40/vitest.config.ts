// Run by the root Vitest 4.1 (see package.json): the machines under test are Vitest 4.0.
export default {
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
}
