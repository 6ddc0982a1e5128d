export { default } from '../jest-e2e/vitest.config.js'
