import { fileURLToPath } from 'node:url'
import { defineCases } from '@shardless/test-vitest-e2e'

defineCases({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  vitestVersion: /^4\.0\./,
  smoke: true,
})
