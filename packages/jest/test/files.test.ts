import { entryId } from '@shardless/queue-core'
import type { Test } from 'jest-runner'
import { describe, expect, it } from 'vitest'
import { entryOf } from '../src/files.js'

const testIn = (rootDir: string, path: string, displayName?: string) =>
  ({
    path,
    context: {
      config: {
        rootDir,
        id: 'sha-of-absolute-paths',
        ...(displayName ? { displayName: { name: displayName } } : {}),
      },
    },
  }) as unknown as Test

describe('entryOf', () => {
  it('names the project by displayName, the file relative to the project rootDir', () => {
    expect(entryOf(testIn('/ci/a/repo/web', '/ci/a/repo/web/src/app.test.js', 'web'), '/ci/a/repo')).toBe(
      entryId('web', 'src/app.test.js'),
    )
  })

  it('without a displayName uses the project rootDir relative to the global rootDir, never config.id', () => {
    expect(
      entryOf(testIn('/ci/b/repo/packages/api', '/ci/b/repo/packages/api/t/x.test.js'), '/ci/b/repo'),
    ).toBe(entryId('packages/api', 't/x.test.js'))
    expect(entryOf(testIn('/ci/b/repo', '/ci/b/repo/t/x.test.js'), '/ci/b/repo')).toBe(
      entryId('', 't/x.test.js'),
    )
  })
})
