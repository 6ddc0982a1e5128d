import { shardless } from '@shardless/vitest'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [shardless()],
  test: {
    include: ['tests/**/*.test.ts'],
  },
})
