import { shardless } from '@shardless/vitest'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [shardless()],
  test: {
    projects: [
      { test: { name: 'unit', include: ['unit/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'dom', include: ['dom/**/*.test.ts'], environment: 'happy-dom' } },
      // Type tests: one tsc run, on exactly one machine of the build.
      {
        test: { name: 'types', typecheck: { enabled: true, only: true, include: ['types/**/*.test-d.ts'] } },
      },
    ],
  },
})
