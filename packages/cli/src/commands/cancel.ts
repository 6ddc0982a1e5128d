import { ConfigError, ExitCode } from '@shardless/queue-core'
import { resolveTarget, type TargetFlags } from '../config.js'
import { openBuild } from '../store.js'
import type { Io } from './io.js'

export interface CancelFlags extends TargetFlags {
  reason?: string
}

/**
 * `shardless cancel`: sets the build's stop flag. Machines take no new files and finish the ones in flight; the
 * report then exits 44 listing what never ran.
 */
export async function cancel(flags: CancelFlags, io: Io): Promise<number> {
  const config = resolveTarget(flags, io.env, io.cwd)
  const reason = flags.reason ?? 'cancelled with shardless cancel'
  if (reason.trim() === '') throw new ConfigError('--reason', 'must not be empty.')
  const store = await openBuild(config)
  try {
    const state = await store.state()
    if (state.status === 'absent') {
      io.stderr.write(
        `shardless: build ${config.build} (suite ${config.suite}) has no queue to cancel; check --build and --suite.\n`,
      )
      return ExitCode.noLeader
    }
    const inForce = await store.cancel(reason)
    io.stdout.write(
      inForce === reason
        ? `shardless: cancelled build ${config.build} (suite ${config.suite}): ${reason}. Machines finish the files in flight and take no more.\n`
        : `shardless: build ${config.build} was already cancelled: ${inForce}\n`,
    )
    return ExitCode.passed
  } finally {
    await store.close()
  }
}
