import type { Config } from '@jest/types'
import { ConfigError } from '@shardless/queue-core'
import type { TestWatcher } from 'jest-runner'

/** Jest modes that cannot drain a shared queue; each is a usage error (exit 2) naming the flag and the fix. */
export function refuseUnsupported(globalConfig: Config.GlobalConfig, watcher: TestWatcher): void {
  if (globalConfig.shard) {
    throw new ConfigError(
      '--shard',
      'a shardless build already splits the test files across machines, and each --shard machine would populate the queue with a different subset. Remove --shard, or unset SHARDLESS_REDIS_URL to use static shards.',
    )
  }
  if (globalConfig.updateSnapshot === 'all') {
    throw new ConfigError(
      '-u/--updateSnapshot',
      'each machine would write the snapshots of whichever files it drew. Update snapshots locally without SHARDLESS_REDIS_URL and commit them; run CI with --ci.',
    )
  }
  if (globalConfig.watch || globalConfig.watchAll || watcher.isWatchMode()) {
    throw new ConfigError(
      '--watch/--watchAll',
      'watch mode re-runs files on this machine and cannot drain a shared queue. Unset SHARDLESS_REDIS_URL (and SHARDLESS_STORE) for watch mode.',
    )
  }
}
