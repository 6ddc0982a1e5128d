import { readFileSync, statSync } from 'node:fs'
import { basename, join, relative, sep } from 'node:path'
import { entryId } from '@shardless/queue-core'
import type { Test } from 'jest-runner'

const posix = (path: string) => path.split(sep).join('/')

/**
 * Entry id of a test file: the project's displayName, else its rootDir relative to the global rootDir, and the
 * file relative to the project rootDir. Never `config.id`: it hashes absolute paths, which differ per checkout.
 */
export function entryOf(test: Test, globalRootDir: string): string {
  const { config } = test.context
  const project = config.displayName?.name ?? posix(relative(globalRootDir, config.rootDir))
  return entryId(project, posix(relative(config.rootDir, test.path)))
}

/** This machine's test files by entry id, with sizes for the cold duration estimate. */
export function localEntries(tests: Test[], globalRootDir: string): Map<string, Test> {
  return new Map(tests.map((test) => [entryOf(test, globalRootDir), test]))
}

export function fileSizes(entries: Map<string, Test>): { id: string; bytes: number }[] {
  return [...entries].map(([id, test]) => ({ id, bytes: statSync(test.path).size }))
}

/** The default suite name (keys and timing history): the root package's name, else the root folder's. */
export function defaultSuite(rootDir: string): string {
  try {
    const { name } = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { name?: unknown }
    if (typeof name === 'string' && name) return name
  } catch {
    // No package.json at the root: the folder name still tells suites apart.
  }
  return basename(rootDir)
}
