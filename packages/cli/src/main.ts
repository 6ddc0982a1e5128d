import { readFileSync } from 'node:fs'
import { ShardlessError } from '@shardless/queue-core'
import { Command, CommanderError } from 'commander'
import { cancel } from './commands/cancel.js'
import { demo } from './commands/demo.js'
import { doctor } from './commands/doctor.js'
import type { Io } from './commands/io.js'
import { report } from './commands/report.js'
import { retry } from './commands/retry.js'
import { status } from './commands/status.js'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** The build every command acts on; each flag falls back to the variable the machines already have. */
function target(command: Command): Command {
  return command
    .option('--build <id>', 'build id shared by the machines (env SHARDLESS_BUILD; detected on common CIs)')
    .option(
      '--suite <name>',
      "suite name (env SHARDLESS_SUITE; default: the name in ./package.json, as the adapters use their root's)",
    )
    .option('--redis <url>', 'Redis URL, redis://[:password@]host:6379[/db] (env SHARDLESS_REDIS_URL)')
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = 0
  const program = new Command('shardless')
    .description(
      'One verdict and one report for a Vitest or Jest suite run from a shared, leased Redis queue.',
    )
    .version(version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })

  target(program.command('report'))
    .description(
      'wait until every file of the build has a final outcome, then print one summary and exit with the build verdict',
    )
    .option('--wait', 'also wait for the queue to be created (run beside the machines, not after them)')
    .option('--timeout <seconds>', 'give up after this long with exit 43 (default: no limit)')
    .option(
      '--inactivity <seconds>',
      'no machine alive and no progress for this long means they all died: exit 45',
      '60',
    )
    .option('--junit <file>', 'write JUnit XML (one testcase per test)')
    .option('--json <file>', 'write the whole build as JSON (entries, attempts, machines, timings)')
    .option(
      '--summary-md <file>',
      'write GitHub step-summary markdown (appended to $GITHUB_STEP_SUMMARY when set)',
    )
    .option('--html <file>', 'write a self-contained HTML timeline (one lane per machine slot)')
    .option(
      '--timings-file <file>',
      'also write the suite timing history to this JSON file for CI to cache (env SHARDLESS_TIMINGS_FILE)',
    )
    .option('--no-history', "don't record this build's durations in the suite timing history")
    .option(
      '--merge-reports [dir]',
      "Vitest: run vitest --merge-reports over the machines' blobs in dir (default SHARDLESS_BLOB_DIR), duplicates dropped, dead machines' files rebuilt from their acks",
    )
    .option(
      '--coverage [dir]',
      "Jest: merge every file's coverage into dir (default coverage/: coverage-final.json, lcov.info) and check coverageThreshold",
    )
    .option(
      '--coverage-threshold <json>',
      'Jest: thresholds to check instead of the config\'s, e.g. \'{"global":{"lines":80}}\'',
    )
    .argument('[vitest-args...]', 'after --, extra arguments for vitest --merge-reports (e.g. -- --coverage)')
    .addHelpText('after', EXIT_CODES)
    .action(async (vitestArgs: string[], flags) => {
      exitCode = await report(flags, io, vitestArgs)
    })

  target(program.command('status'))
    .description('show where a build stands: progress, files in flight and who holds them, machines, ETA')
    .option('--watch', 'refresh until the build is done')
    .option('--interval <seconds>', 'refresh interval with --watch', '2')
    .action(async (flags) => {
      exitCode = await status(flags, io)
    })

  target(program.command('cancel'))
    .description('stop a build: machines finish the files in flight and take no more (the report exits 44)')
    .option('--reason <text>', 'shown by the report and on every machine')
    .action(async (flags) => {
      exitCode = await cancel(flags, io)
    })

  target(program.command('retry'))
    .description(
      "populate a new build with only the files of a previous build that did not pass, before the re-run's machines start",
    )
    .requiredOption('--from <build>', 'the previous build id (same suite)')
    .action(async (flags) => {
      exitCode = await retry(flags, io)
    })

  program
    .command('doctor')
    .description(
      'check Node, the installed Vitest/Jest versions, and the Redis: reachable, version, eviction policy, cluster mode, latency',
    )
    .option('--redis <url>', 'Redis URL (env SHARDLESS_REDIS_URL)')
    .option('--build <id>', 'also show the cluster hash slot of this build (env SHARDLESS_BUILD)')
    .action(async (flags) => {
      exitCode = await doctor(flags, io)
    })

  program
    .command('demo')
    .description(
      'run a synthetic suite as several local machines through one queue, with live progress, the report and the HTML timeline',
    )
    .option('--machines <n>', 'machine processes', '4')
    .option('--slots <n>', 'files in flight per machine', '2')
    .option(
      '--redis <url>',
      'Redis URL (env SHARDLESS_REDIS_URL; default redis://127.0.0.1:6379, else the embedded store)',
    )
    .option('--html <file>', 'where to write the timeline', 'shardless-demo.html')
    .option('--speed <factor>', 'scale every file duration (0.5: twice as fast)', '1')
    .action(async (flags) => {
      exitCode = await demo(flags, io)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with code 0; parse errors are usage errors (exit 2), already printed.
      return error.exitCode === 0 ? 0 : 2
    }
    if (error instanceof ShardlessError) {
      io.stderr.write(`${error.message}\n`)
      return error.exitCode
    }
    io.stderr.write(
      `shardless: unexpected error, please report it:\n${error instanceof Error ? error.stack : String(error)}\n`,
    )
    return 2
  }
}

const EXIT_CODES = `
Exit codes:
  0   every file passed or was skipped
  1   test failures (failed or lost files)
  2   usage or configuration error
  40  the build's queue was never populated
  41  the build's state was lost from Redis, or Redis is unreachable
  43  --timeout reached
  44  the build was cancelled (max failures, or shardless cancel)
  45  all machines died before the queue was done`
