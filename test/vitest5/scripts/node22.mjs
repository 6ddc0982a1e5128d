// Installs runtime/ (Node 22 from the `node` npm package) once, outside the workspace tree's hoisting.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const runtime = fileURLToPath(new URL('../runtime', import.meta.url))
if (!existsSync(`${runtime}/node_modules/node/bin/node`)) {
  execFileSync('npm', ['install', '--prefix', runtime, '--no-package-lock', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  })
}
