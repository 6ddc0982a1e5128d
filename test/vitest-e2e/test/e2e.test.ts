import { fileURLToPath } from 'node:url'
import { defineCases } from '../src/cases.js'

defineCases({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  vitestVersion: /^4\.1\./,
  coverage: true,
})
