/** @type {import('jest').Config} */
module.exports = {
  runner: '@shardless/jest',
  testEnvironment: 'node',
}
