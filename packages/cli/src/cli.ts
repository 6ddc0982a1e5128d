#!/usr/bin/env node
import { main } from './main.js'

// exitCode, not exit(): a long summary piped to a file or CI log must be flushed before the process ends.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
})
