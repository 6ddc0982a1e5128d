/** @type {import('jest').Config} */
module.exports = {
  // `runner` is a per-project option: every project that should drain the queue names it.
  projects: [
    {
      displayName: 'server',
      runner: '@shardless/jest',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/server/**/*.test.js'],
    },
    {
      displayName: 'web',
      runner: '@shardless/jest',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/web/**/*.test.js'],
    },
  ],
}
