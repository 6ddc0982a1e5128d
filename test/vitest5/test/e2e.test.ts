import { fileURLToPath } from 'node:url'
import { defineCases } from '@shardless/test-vitest-e2e'

defineCases({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  node: fileURLToPath(new URL('../runtime/node_modules/node/bin/node', import.meta.url)),
  vitestVersion: /^5\./,
})
